"""Packet build latency, without an LLM, on a generated MSP at scale.

    python bench/bench_packet.py [--tenants 100] [--tickets 200] [--alerts 2000] [--chunks 500]
                                 [--packets 300] [--keep DIR] [--rounds 1] [--v01 DIR --v01-data DIR]

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

Latency is reported twice, each in a fresh process that serves from the one
Qdrant Edge shard: for tickets of 20 clients (their data recently read), and
for tickets of random clients among all. RSS is that serving process's.

Each latency line is followed by where a packet's time went
(``bot/runtime/stages.py``), median and p95 per packet: ``embed`` (the
query's dense and BM25 vectors), ``engine`` (Edge's candidate queries),
``fetch`` (payloads of the hits and their missing exact scores), ``fusion``
(the rest of the search: fusion, section dedup, hit building), ``store`` (SQL
reads of the ticket, notes, alerts and documents), ``claims`` (the sections'
claims, with their SQL reads) and ``finish`` (summary and assembly).

``--keep DIR`` reuses a data directory; one built by v0.1 (a qdrant-client
folder per client) is converted into the shard first, and the conversion is
timed (README: upgrading from v0.1).

``--v01 DIR --v01-data DIR`` also runs v0.1's own bench (``DIR/bench/bench_packet.py``,
v0.1's code) against v0.1's own data folder (its ``--keep``) in a subprocess,
alternating with this one ``--rounds`` times (the order flips every round), so
v0.1's numbers are measured in the same run, on the same machine state; a
closing table gives each side's medians over the rounds and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
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
from bench.support.stage_report import PACKET_STAGES, pct, stage_line  # noqa: E402

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
from bot.runtime import stages
core = Core(Settings(data_dir={data!r}))
with Session(core.engine) as s:
    tickets = list(s.exec(select(Ticket)))
rng = random.Random(9)
owners = sorted({{t.tenant_id for t in tickets}})[:{warm_clients}] if {warm} else None
pool = [t for t in tickets if owners is None or t.tenant_id in owners]
picks = [rng.choice(pool) for _ in range({packets})]
times, claims, per_stage, degraded = [], [], [], 0
for t in picks[:5]:  # load the models and open the shard outside the timing
    with Session(core.engine) as s:
        build_packet(session=s, ticket=t, retriever=core.retriever)
for t in picks:
    stages.reset()
    started = time.perf_counter()
    with Session(core.engine) as s:  # one session per request, as Core.packet_for does
        p = build_packet(session=s, ticket=t, retriever=core.retriever)
    times.append((time.perf_counter() - started) * 1000)
    per_stage.append(stages.totals_ms())
    claims.append(len(p.claims))
    degraded += any(n.startswith("Runbooks, client notes and past tickets are missing") for n in p.notes)
    assert p.tenants_cited() <= {{t.tenant_id, "_global"}}
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({{"times_ms": times, "claims": claims, "stages": per_stage, "degraded": degraded, "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                  "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024}}))
core.close()
"""


def measure(data_dir: Path, *, warm: bool, packets: int, warm_clients: int) -> dict:
    code = CHILD.format(root=str(ROOT), data=str(data_dir), warm=warm, packets=packets, warm_clients=warm_clients)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


V01_LINE = re.compile(r"^(?P<label>[^:]+): packets \d+, median (?P<median>\d+) ms, p95 (?P<p95>\d+) ms")


def measure_v01(code: Path, keep: Path, packets: int) -> dict[str, tuple[float, float]]:
    """v0.1's own bench on v0.1's own data folder: {its label: (median, p95)}; its lines are echoed."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # v0.1's script puts its own root first
    done = subprocess.run([sys.executable, str(code / "bench" / "bench_packet.py"), "--keep", str(keep),
                           "--packets", str(packets)], capture_output=True, text=True, env=env, cwd=code)
    if done.returncode != 0:
        raise SystemExit(f"v0.1's bench failed:\n{done.stderr[-2000:]}")
    out = {}
    for line in done.stdout.splitlines():
        print(f"  v0.1 | {line}", flush=True)
        if m := V01_LINE.match(line):
            out[m["label"]] = (float(m["median"]), float(m["p95"]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=200, help="per client")
    parser.add_argument("--alerts", type=int, default=2000, help="per client")
    parser.add_argument("--chunks", type=int, default=500, help="about this many indexed chunks per client")
    parser.add_argument("--packets", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the generated data directory here")
    parser.add_argument("--rounds", type=int, default=1, help="measure this many times (alternating with --v01)")
    parser.add_argument("--v01", type=Path, help="v0.1's code (its bench runs beside this one)")
    parser.add_argument("--v01-data", type=Path, help="v0.1's data folder for its bench (its --keep)")
    args = parser.parse_args()
    if bool(args.v01) != bool(args.v01_data):
        parser.error("--v01 and --v01-data go together")
    if args.v01 and not (args.v01 / "bench" / "bench_packet.py").is_file():
        parser.error(f"--v01 {args.v01}: no bench/bench_packet.py there")
    if args.v01_data and not (args.v01_data / "data" / "handoff.db").is_file():
        parser.error(f"--v01-data {args.v01_data}: no data/handoff.db there (v0.1's --keep folder)")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

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
    settings = Settings(data_dir=data_dir)
    if settings.qdrant_path.is_dir():
        from retrieval.retriever import build_store

        started = time.perf_counter()
        store = build_store(settings, progress=False)
        owners = store.owners()
        chunks = sum(store.count(tenant_id=o) for o in owners)
        store.close()
        print(f"converted the v0.1 index ({chunks} chunks, {len(owners)} owners) in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    ours: dict[str, list[tuple[float, float]]] = {}
    theirs: dict[str, list[tuple[float, float]]] = {}
    for number in range(args.rounds):
        if args.rounds > 1 or args.v01:
            print(f"round {number + 1}/{args.rounds}, load average {os.getloadavg()[0]:.1f}", flush=True)
        if args.v01 and number % 2 == 1:  # alternate which goes first
            for label, value in measure_v01(args.v01, args.v01_data, args.packets).items():
                theirs.setdefault(label, []).append(value)
        for label, warm in (("20 clients", True), ("random clients", False)):
            result = measure(data_dir, warm=warm, packets=args.packets, warm_clients=20)
            times = result["times_ms"]
            ours.setdefault(label, []).append((statistics.median(times), pct(times, 0.95)))
            print(f"{label}: packets {len(times)}, median {statistics.median(times):.0f} ms, "
                  f"p95 {pct(times, 0.95):.0f} ms, max {max(times):.0f} ms; "
                  f"claims/packet median {statistics.median(result['claims']):.0f}; "
                  f"serving process RSS {result['rss_mb']:.0f} MB (peak {result['peak_rss_mb']:.0f} MB)", flush=True)
            print("  " + stage_line(result["stages"], PACKET_STAGES), flush=True)
            if result["degraded"]:  # e.g. another process held the index: these packets had no knowledge
                print(f"  WARNING: {result['degraded']} packets were built without the index", flush=True)
        if args.v01 and number % 2 == 0:
            for label, value in measure_v01(args.v01, args.v01_data, args.packets).items():
                theirs.setdefault(label, []).append(value)
    if args.rounds > 1 or args.v01:
        print(f"medians over {args.rounds} round(s) of each round's median / p95 (ms):")
        v01_labels = {"20 clients": "clients with open index folders", "random clients": "random clients"}
        for label, values in ours.items():
            median, p95 = (statistics.median(v[i] for v in values) for i in (0, 1))
            line = f"  {label}: this {median:.0f} / {p95:.0f}"
            match = next((v for k, v in theirs.items() if k.startswith(v01_labels[label])), None)
            if match:
                them, them95 = (statistics.median(v[i] for v in match) for i in (0, 1))
                line += f"; v0.1 {them:.0f} / {them95:.0f}; ratio v0.1/this {them / median:.2f} / {them95 / p95:.2f}"
            print(line, flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
