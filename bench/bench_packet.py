"""Packet build latency, without an LLM, on a generated MSP at scale.

    python bench/bench_packet.py [--tenants 100] [--tickets 200] [--alerts 2000] [--chunks 500]
                                 [--packets 300] [--keep DIR]

Builds one MSP of ``--tenants`` clients (defaults: 100 clients, 20,000
tickets, 200,000 alerts, about 50,000 indexed chunks), imports it through
``handoff ingest``'s own path (store, triage classification, incremental
index), then times ``build_packet`` for random tickets in a fresh process and
prints the median and p95.

How the data is made: every client gets tickets and alerts sampled from the
demo MSP (new ids, the client's own tenant id, the demo's devices and times,
so the same device names recur in every client, as they do in real MSPs),
the client notes of one demo client, and shared Windows Server and
Prometheus runbooks (../shared/data/runbooks) as its own KB until it has
about ``--chunks`` chunks. Only distinct texts are embedded: a copied ticket
differs from its original only in its number, so vectors are cached by text
with ticket numbers masked. The vectors are real; what is measured (store
reads, triage, search over 500 chunks per client, claim building) does not
depend on which text a vector came from.

Latency is reported twice: for clients whose index folders are already open
(``HANDOFF_QDRANT_MAX_OPEN_TENANTS`` covers them), and for tickets of random
clients with the default of 32 open folders, where some requests pay for
opening a folder (see bench/RESULTS.md, retrieval).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support.shared_data import shared_data_dir  # noqa: E402

RUNBOOKS = (shared_data_dir() or ROOT / "missing-shared-data") / "runbooks"


def generate(folder: Path, *, tenants: int, tickets: int, alerts: int, chunks: int) -> dict[str, int]:
    import yaml

    from adapters.cli.commands.demo import demo_folder
    from bot.ingest.dataset import ParsedFile, split_front_matter
    from retrieval.chunk import doc_chunks

    demo = demo_folder()
    demo_tickets = [json.loads(x) for x in (demo / "tickets.jsonl").read_text().splitlines() if x.strip()]
    demo_alerts = [json.loads(x) for x in (demo / "alerts.jsonl").read_text().splitlines() if x.strip()]
    demo_clients = sorted(p.name for p in (demo / "docs").iterdir() if p.name != "_global")
    kb = []
    for path in sorted((RUNBOOKS / "ms-support").glob("*.md")) + sorted((RUNBOOKS / "prometheus-operator").rglob("*.md")):
        if path.name in ("SOURCES.md", "TOPICS.md", "_index.md"):
            continue
        # Third-party front matter varies (some is not valid YAML): keep the body, write our own.
        _, body, _ = split_front_matter(path.read_text(encoding="utf-8"), ParsedFile(path.name, "docs"))
        text = f"---\ntitle: {path.stem.replace('-', ' ')}\nkind: kb\n---\n{body}"
        n = len(doc_chunks(tenant="x", path=path.name, title=path.stem, kind="kb", url="u", body=body))
        kb.append((path, text, n))
    if not kb:
        raise SystemExit(f"skipped: the shared runbooks are not in {RUNBOOKS}")
    rng = random.Random(5)
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "docs").mkdir(parents=True)
    shutil.copytree(demo / "docs" / "_global", folder / "docs" / "_global")
    rows = {"tickets": 0, "alerts": 0, "docs": 0}
    clients = []
    with (folder / "tickets.jsonl").open("w") as tout, (folder / "alerts.jsonl").open("w") as aout:
        for i in range(tenants):
            tenant = f"client-{i:03d}"
            clients.append({"id": tenant, "name": f"Client {i:03d}", "channels": {"slack": [f"C{i:05d}"]}})
            for n, t in enumerate(rng.choices(demo_tickets, k=tickets)):
                tid = f"{i + 1:03d}{n:04d}"
                copy = dict(t, id=tid, tenant=tenant, url=f"https://psa.example.com/tickets/{tid}",
                            notes=[dict(note, id=f"{tid}-{k}") for k, note in enumerate(t.get("notes", []))])
                tout.write(json.dumps(copy) + "\n")
            for n, a in enumerate(rng.sample(demo_alerts, k=min(alerts, len(demo_alerts)))):
                aout.write(json.dumps(dict(a, id=f"{i}-{n}", tenant=tenant)) + "\n")
            rows["tickets"] += tickets
            rows["alerts"] += min(alerts, len(demo_alerts))
            owner = folder / "docs" / tenant
            shutil.copytree(demo / "docs" / demo_clients[i % len(demo_clients)], owner)
            have = 30  # about what a demo client's notes chunk to
            for path, text, n in rng.sample(kb, k=len(kb)):
                if have >= chunks:
                    break
                (owner / f"kb-{path.stem}.md").write_text(text)
                have += n
                rows["docs"] += 1
    (folder / "tenants.yaml").write_text(yaml.safe_dump({"tenants": clients}, sort_keys=False))
    return rows


def memo_embedder(data_dir: Path):  # type: ignore[no-untyped-def]
    """The real embedder, computing each distinct text once (ticket numbers masked)."""
    from retrieval.embed import Embedder

    class Memo(Embedder):
        cache_dense: dict[str, object] = {}
        cache_sparse: dict[str, object] = {}

        def _keys(self, texts):  # type: ignore[no-untyped-def]
            return [re.sub(r"#?\b\d{7}\b(-\d+)?", "#", t) for t in texts]

        def dense(self, texts):  # type: ignore[no-untyped-def]
            keys = self._keys(texts)
            todo = sorted({k for k in keys if k not in self.cache_dense})
            if todo:
                self.cache_dense.update(zip(todo, super().dense(todo), strict=True))
            return [self.cache_dense[k] for k in keys]

        def sparse(self, texts):  # type: ignore[no-untyped-def]
            keys = self._keys(texts)
            todo = sorted({k for k in keys if k not in self.cache_sparse})
            if todo:
                self.cache_sparse.update(zip(todo, super().sparse(todo), strict=True))
            return [self.cache_sparse[k] for k in keys]

    return Memo(data_dir=data_dir).load()


CHILD = r"""
import json, random, statistics, sys, time
sys.path.insert(0, {root!r})
from sqlmodel import Session, select
from bot.config import Settings
from bot.core import Core
from bot.db.models import Ticket
from bot.packets.builder import build_packet
core = Core(Settings(data_dir={data!r}, qdrant_max_open_tenants={max_open}))
with Session(core.engine) as s:
    tickets = list(s.exec(select(Ticket)))
rng = random.Random(9)
owners = sorted({{t.tenant_id for t in tickets}})[:{warm_clients}] if {warm} else None
pool = [t for t in tickets if owners is None or t.tenant_id in owners]
picks = [rng.choice(pool) for _ in range({packets})]
times, claims = [], []
for t in picks[:5]:  # load models and open the first folders outside the timing
    with Session(core.engine) as s:
        build_packet(session=s, ticket=t, retriever=core.retriever)
for t in picks:
    started = time.perf_counter()
    with Session(core.engine) as s:  # one session per request, as Core.packet_for does
        p = build_packet(session=s, ticket=t, retriever=core.retriever)
    times.append((time.perf_counter() - started) * 1000)
    claims.append(len(p.claims))
    assert p.tenants_cited() <= {{t.tenant_id, "_global"}}
import resource
print(json.dumps({{"times_ms": times, "claims": claims,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
core.close()
"""


def measure(data_dir: Path, *, warm: bool, packets: int, max_open: int, warm_clients: int) -> dict:
    code = CHILD.format(root=str(ROOT), data=str(data_dir), max_open=max_open, warm=warm, packets=packets,
                        warm_clients=warm_clients)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=200, help="per client")
    parser.add_argument("--alerts", type=int, default=2000, help="per client")
    parser.add_argument("--chunks", type=int, default=500, help="about this many indexed chunks per client")
    parser.add_argument("--packets", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the generated data directory here")
    args = parser.parse_args()

    from bot.config import Settings
    from bot.core import Core
    from bot.ingest.loader import ingest_folder
    from retrieval import Retriever

    work = args.keep or Path(tempfile.mkdtemp(prefix="handoff-packet-bench-"))
    data_dir = work / "data"
    if not (data_dir / "handoff.db").exists():
        started = time.perf_counter()
        rows = generate(work / "msp", tenants=args.tenants, tickets=args.tickets, alerts=args.alerts,
                        chunks=args.chunks)
        print(f"generated {rows} in {time.perf_counter() - started:.0f} s", flush=True)
        settings = Settings(data_dir=data_dir)
        core = Core(settings, retriever=Retriever(settings, embedder=memo_embedder(data_dir)))
        started = time.perf_counter()
        summary = ingest_folder(work / "msp", engine=core.engine)
        assert summary.ok, summary.errors[:3]
        print(f"ingested and classified {summary.classified} alerts in {time.perf_counter() - started:.0f} s",
              flush=True)
        started = time.perf_counter()
        report = core.retriever.sync(engine=core.engine, progress=False)
        print(f"indexed: {report} in {time.perf_counter() - started:.0f} s", flush=True)
        core.close()
    for label, warm, max_open in (("clients with open index folders", True, 32),
                                  ("random clients, 32 folders open (default)", False, 32)):
        result = measure(data_dir, warm=warm, packets=args.packets, max_open=max_open, warm_clients=20)
        times = result["times_ms"]
        print(f"{label}: packets {len(times)}, median {statistics.median(times):.0f} ms, "
              f"p95 {pct(times, 0.95):.0f} ms, max {max(times):.0f} ms; "
              f"claims/packet median {statistics.median(result['claims']):.0f}; RSS {result['rss_mb']:.0f} MB")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
