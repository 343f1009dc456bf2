"""Retrieval benchmark on the embedded default (one Qdrant Edge shard): 100 tenants x 500 chunks.

    python bench/bench_retrieval.py [--tenants 100] [--chunks 500] [--queries 300]
                                    [--throughput-chunks 256] [--keep DIR] [--skip-throughput]

Prints, from one run:

1. indexing throughput: raw fastembed (``TextEmbedding.passage_embed``,
   batch 64) on a set of chunk texts, and Handoff's incremental indexer
   (SQL store -> chunking -> dense + BM25 -> Qdrant upserts) on documents that
   chunk to exactly those texts, interleaved slice by slice; and the ratio;
2. an index of ``--tenants`` clients with ``--chunks`` chunks each, plus
   ``_global`` with as many, built from the chunks of the real runbooks in
   ../shared/data/runbooks (each unique text embedded once; a client's
   chunks are ``--chunks`` distinct texts sampled from that pool under the
   client's own paths, so vectors are real but shared between clients; when
   the runbooks have fewer chunks than that, their chunks' halves are added
   to the pool as further distinct texts);
3. cold start of a fresh search process (interpreter start to first
   ``search_knowledge`` answer), three times;
4. in a fresh process: hybrid ``search_knowledge`` latency (client + _global,
   limit 5) for queries phrased like alerts, first on 8 clients searched just
   before and then on clients picked at random among all, median and p95;
   and the RSS of that (serving) process. Each latency line is followed by
   where a search's time went (``bot/runtime/stages.py``), median / p95 per
   query: ``embed`` (dense and BM25 query vectors), ``engine`` (Edge's batched
   candidate queries), ``fetch`` (payloads of the hits and their missing exact
   scores) and ``fusion`` (the rest: fusion, section dedup, hit building).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support.shared_data import shared_data_dir  # noqa: E402
from bench.support.stage_report import pct, stage_line  # noqa: E402

RUNBOOKS = (shared_data_dir() or ROOT / "missing-shared-data") / "runbooks"
QUERIES = ROOT / "bench" / "data" / "eval_queries.jsonl"


def corpus_chunks() -> list[tuple[str, str, str]]:
    """(title, relative path, body) of every chunk of the real runbooks."""
    from bot.ingest.dataset import ParsedFile, split_front_matter
    from retrieval.chunk import doc_chunks

    out = []
    files = sorted((RUNBOOKS / "prometheus-operator" / "content").rglob("*.md"))
    files += sorted(p for p in (RUNBOOKS / "ms-support").glob("*.md") if p.name not in ("SOURCES.md", "TOPICS.md"))
    for number, path in enumerate(files):
        _, body, _ = split_front_matter(path.read_text(encoding="utf-8"), ParsedFile(path.name, "docs"))
        title = path.stem.replace("-", " ")
        for chunk in doc_chunks(tenant="x", path=path.name, title=title, kind="kb", url="u", body=body or ""):
            out.append((title, f"{number:03d}-{path.stem}-{chunk.seq}", chunk.text))
    return out


def distinct_pool(chunks: list[tuple[str, str, str]], n: int) -> list[tuple[str, str, str]]:
    """At least ``n`` chunks with distinct texts: the runbooks' chunks, then halves of them if needed."""
    pool, seen = [], set()
    for title, path, body in chunks:
        if body not in seen:
            seen.add(body)
            pool.append((title, path, body))
    for title, path, body in chunks:
        if len(pool) >= n:
            break
        lines = body.splitlines()
        if len(lines) < 2:
            words = body.split()
            lines = [" ".join(words[:len(words) // 2]), " ".join(words[len(words) // 2:])]
        middle = len(lines) // 2
        for half, part in (("a", lines[:middle]), ("b", lines[middle:])):
            text = "\n".join(part).strip()
            if len(text) > 40 and text not in seen:
                seen.add(text)
                pool.append((title, f"{path}-{half}", text))
    if len(pool) < n:
        raise SystemExit(f"only {len(pool)} distinct chunk texts for {n} chunks per client")
    return pool


# --- 1. throughput -----------------------------------------------------------------------------

def throughput(chunks: list[tuple[str, str, str]], n: int, work: Path, rounds: int = 4) -> dict:
    """Raw fastembed and the indexer on the same texts, interleaved in ``rounds`` slices.

    The machine is shared, so its speed drifts: each slice is embedded raw and
    indexed right after each other (alternating which goes first) and the
    ratio is taken over the summed times.
    """
    import shutil

    import qdrant_edge  # noqa: F401  (imported before timing, as a running process has it)
    from sqlmodel import Session

    from bot.config import Settings
    from bot.db.engine import make_engine, upgrade
    from bot.db.models import Doc, Tenant, utcnow
    from retrieval import Retriever
    from retrieval.chunk import doc_chunks
    from retrieval.embed import Embedder

    sample = sorted(chunks[:n], key=lambda c: c[1])  # the order the indexer reads them (by path)
    embedder = Embedder(data_dir=work / "models").load()
    (work / "tp.db").unlink(missing_ok=True)
    shutil.rmtree(work / "tp", ignore_errors=True)
    engine = make_engine(f"sqlite:///{work / 'tp.db'}")
    upgrade(engine)
    now = utcnow()
    with Session(engine) as session:
        session.add(Tenant(id="t", name="T", content_hash="x", created_at=now, updated_at=now))
        session.commit()
    retriever = Retriever(Settings(data_dir=work / "tp", database_url=f"sqlite:///{work / 'tp.db'}"), embedder=embedder)
    retriever.sync(engine=engine, progress=False)  # opens the (empty) index once, outside the timing
    size = -(-len(sample) // rounds)
    raw_s = index_s = 0.0
    total = 0
    for number in range(rounds):
        part = sample[number * size:(number + 1) * size]
        # Exactly the texts the indexer will embed for these documents.
        texts = [c.embed_text for t, p, b in part
                 for c in doc_chunks(tenant="t", path=p, title=t, kind="kb", url=f"handoff://{p}", body=b)]
        with Session(engine) as session:
            for title, path, body in part:
                session.add(Doc(tenant_id="t", path=path, title=title, kind="kb", url=f"handoff://{path}", body=body,
                                content_hash=path, updated_at=now))
            session.commit()

        def raw(texts: list[str] = texts) -> float:
            started = time.perf_counter()
            list(embedder.dense_model.passage_embed(texts, batch_size=64))
            return time.perf_counter() - started

        def index(texts: list[str] = texts) -> float:
            report = retriever.sync(engine=engine, progress=False)
            assert report.chunks == len(texts), (report.chunks, len(texts))
            return report.seconds

        if number % 2:
            index_s += index()
            raw_s += raw()
        else:
            raw_s += raw()
            index_s += index()
        total += len(texts)
        print(f"  slice {number + 1}/{rounds}: {len(texts)} chunks; so far raw {total / raw_s:.1f}/s, "
              f"indexing {total / index_s:.1f}/s", flush=True)
    retriever.close()
    engine.dispose()
    return {"chunks": total, "raw_per_s": total / raw_s, "index_per_s": total / index_s, "ratio": raw_s / index_s}


# --- 2. the big index --------------------------------------------------------------------------

def build_index(chunks: list[tuple[str, str, str]], tenants: int, per_tenant: int, data_dir: Path,
                pool: int) -> float:
    from retrieval.chunk import Chunk
    from retrieval.embed import Embedder
    from retrieval.index import _payload, source_hash
    from retrieval.store import EdgeStore, PointIn, point_id

    embedder = Embedder(data_dir=data_dir).load()
    chunks = distinct_pool(chunks, max(pool, per_tenant))
    chunks = random.Random(11).sample(chunks, max(pool, per_tenant))
    texts = [f"{t}\n{b}" for t, _, b in chunks]
    started = time.perf_counter()
    dense = embedder.dense(texts)
    sparse = embedder.sparse(texts)
    print(f"  embedded {len(texts)} unique chunks in {time.perf_counter() - started:.0f} s", flush=True)
    store = EdgeStore(data_dir / "index")
    rng = random.Random(7)
    started = time.perf_counter()
    owners = ["_global"] + [f"client-{i:03d}" for i in range(tenants)]
    for number, owner in enumerate(owners):
        store.ensure(tenant_id=owner, dim=embedder.dim)
        picks = rng.sample(range(len(chunks)), per_tenant)  # distinct texts: the pool has at least per_tenant
        points = []
        for seq, index in enumerate(picks):
            title, path, body = chunks[index]
            chunk = Chunk(tenant=owner, source=f"doc:{path}.md", seq=0, kind="kb", title=title,
                          url=f"handoff://docs/{owner}/{path}.md", text=body, doc_path=f"{path}.md")
            digest = source_hash(content_hash=f"{owner}{seq}", model_id=embedder.model_id)
            points.append(PointIn(id=point_id(owner, chunk.source, 0), dense=dense[index], sparse=sparse[index],
                                  payload=_payload(chunk, digest, 1)))
        store.upsert(tenant_id=owner, points=points)
        if number % 20 == 0:
            print(f"  {number + 1}/{len(owners)} owners written", flush=True)
    store.optimize()  # as ``handoff ingest`` does after a bulk write (``Indexer.sync``)
    store.close()
    return time.perf_counter() - started


# --- 3 and 4: fresh processes --------------------------------------------------------------------

CHILD = r"""
import json, os, random, statistics, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.config import Settings
from bot.runtime import stages
from retrieval import Retriever
r = Retriever(Settings(data_dir={data!r}, database_url="sqlite:///" + {data!r} + "/none.db"))
hits = r.search_knowledge(tenant_id="client-000", query="DC02 cannot replicate from DC01, RPC server unavailable")
first = time.perf_counter() - t0
assert hits and all(h.tenant in ("client-000", "_global") for h in hits)
out = {{"first_answer_s": first}}
if {latency}:
    queries = [json.loads(line)["query"] for line in open({queries!r}) if line.strip()]
    rng = random.Random(3)
    def run(name, tenants, n, fn=r.search_knowledge):
        times, per_stage = [], []
        for i in range(n):
            tenant, query = rng.choice(tenants), rng.choice(queries)
            stages.reset()
            s = time.perf_counter()
            hits = fn(tenant_id=tenant, query=query, limit=5)
            times.append((time.perf_counter() - s) * 1000)
            per_stage.append(stages.totals_ms())
            assert hits and all(h.tenant in (tenant, "_global") for h in hits)
        out[name], out[name + "_stages"] = times, per_stage
    warm_tenants = ["client-%03d" % i for i in range(min(8, {tenants}))]
    run("warmup", warm_tenants, 20)  # models loaded, these clients' pages in memory
    run("one", warm_tenants, {n}, r.search)
    run("warm", warm_tenants, {n})
    run("random", ["client-%03d" % i for i in range({tenants})], {n})
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    out["rss_mb"] = int(status["VmRSS"].split()[0]) / 1024
    out["peak_rss_mb"] = int(status["VmHWM"].split()[0]) / 1024
r.close()
print(json.dumps(out))
"""


def child(data_dir: Path, *, latency: bool, tenants: int, n: int) -> tuple[float, dict]:
    code = CHILD.format(root=str(ROOT), data=str(data_dir), latency=latency, queries=str(QUERIES), n=n,
                        tenants=tenants)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=1800)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=500)
    parser.add_argument("--queries", type=int, default=300, help="queries per latency run")
    parser.add_argument("--throughput-chunks", type=int, default=256)
    parser.add_argument("--pool", type=int, default=800,
                        help="unique chunk texts embedded for the big index (at least --chunks)")
    parser.add_argument("--keep", type=Path, help="build the index here and keep it (a rerun reuses it)")
    parser.add_argument("--skip-throughput", action="store_true", help="skip part 1")
    args = parser.parse_args()
    if not (RUNBOOKS / "ms-support").is_dir():
        print(f"skipped: the shared runbooks are not at {RUNBOOKS}")
        return 0
    chunks = corpus_chunks()
    print(f"corpus: {len(chunks)} chunks of the real runbooks; {os.cpu_count()} cores; "
          f"load average at start {os.getloadavg()[0]:.1f}\n")
    work = Path(tempfile.mkdtemp(prefix="handoff-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)

    if not args.skip_throughput:
        print(f"1. indexing throughput on {args.throughput_chunks} chunks (same texts, same process)")
        tp = throughput(chunks, args.throughput_chunks, work)
        print(f"   raw fastembed {tp['raw_per_s']:.1f} chunks/s, Handoff indexing {tp['index_per_s']:.1f} chunks/s: "
              f"ratio {tp['ratio']:.3f} (target >= 0.9)\n")

    data_dir = work / "big"
    if not (data_dir / "index").is_dir():
        print(f"2. building {args.tenants} tenants x {args.chunks} chunks (+ _global)")
        seconds = build_index(chunks, args.tenants, args.chunks, data_dir, args.pool)
        print(f"   written in {seconds:.0f} s\n")

    print("3. cold start of a search process (interpreter start to first answer)")
    colds = []
    for _ in range(3):
        wall, out = child(data_dir, latency=False, tenants=args.tenants, n=0)
        colds.append(wall)
        print(f"   {wall:.2f} s (first answer {out['first_answer_s']:.2f} s after the script began)")
    print(f"   median {statistics.median(colds):.2f} s (target < 5 s)\n")

    print(f"4. hybrid search_knowledge latency, {args.queries} queries each, one shard of {args.tenants + 1} owners")
    _, out = child(data_dir, latency=True, tenants=args.tenants, n=args.queries)
    print(f"   (search_knowledge = the client's {args.chunks} chunks + _global's in one ranking; search = one owner)")
    for name, label in (("one", "search, 8 clients"), ("warm", "8 clients searched before"),
                        ("random", f"random of {args.tenants} clients")):
        times = out[name]
        print(f"   {label:<28} median {statistics.median(times):6.1f} ms   p95 {pct(times, 0.95):6.1f} ms"
              f"   max {max(times):6.1f} ms")
        print(f"   {'':<28} {stage_line(out[name + '_stages'])}")
    print(f"   RSS after the runs {out['rss_mb']:.0f} MB, peak {out['peak_rss_mb']:.0f} MB (target < 1024 MB)")
    print(f"   load average at the end {os.getloadavg()[0]:.1f} (the machine is shared: numbers move with it)")
    if args.keep is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
