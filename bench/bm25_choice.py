"""Which BM25 to use: fastembed's ``Qdrant/bm25`` or Qdrant Edge's built-in ``Bm25``, by recall.

    python bench/bm25_choice.py --work DIR   # DIR from `bench/eval_retrieval.py --work DIR` (reused, not changed)

The two compute the same sparse vectors except where they tokenize
differently: Edge's ``Bm25`` splits ``HKEY_LOCAL_MACHINE`` into ``hkey``,
``local`` and ``machine``; fastembed keeps snake_case identifiers whole. This
reads every chunk of the evaluation index (the payload has the text the
models read), writes two scratch shards that differ only in their sparse
vectors, and prints, for each BM25, recall@5 (sparse and hybrid) on

- the retrieval evaluation's queries (bench/data/eval_queries.jsonl), all
  of them and those that contain an identifier (``retrieval.fusion.identifiers``);
- identifier probes made from the corpus: every snake_case or dotted
  identifier found in at most three documents of an owner becomes a query
  (the identifier alone), expecting those documents;

and the time each takes to embed the corpus. Nothing of the evaluation
index is changed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.eval_retrieval import DATA  # noqa: E402
from retrieval.evaluate import evaluate, load_queries  # noqa: E402
from retrieval.fusion import identifiers  # noqa: E402

_SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)+\b")


def embed_text(p: dict[str, Any]) -> str:
    """retrieval.chunk.Chunk.embed_text, from a stored payload."""
    context = " > ".join([p.get("title") or "", *(p.get("heading_path") or [])])
    if p.get("devices") and p.get("kind") != "ticket":
        context += "\nDevices: " + ", ".join(p["devices"])
    return f"{context}\n{p.get('text') or ''}"


def read_points(index: Path) -> list[tuple[str, list[float], dict[str, Any]]]:
    import qdrant_edge as qe

    shard = qe.EdgeShard.load(str(index))
    out, offset = [], None
    while True:
        records, offset = shard.scroll(qe.ScrollRequest(offset=offset, limit=1024, with_payload=True,
                                                        with_vector=["dense"]))
        out += [(str(r.id), list(r.vector["dense"]), dict(r.payload)) for r in records]
        if offset is None:
            break
    shard.close()
    return out


def probes(points: list[tuple[str, list[float], dict[str, Any]]]) -> list[dict[str, Any]]:
    """Identifier queries: a snake_case/dotted identifier rare in an owner's documents -> those documents."""
    where: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, _, p in points:
        for token in set(_SNAKE.findall(p.get("text") or "")):
            if "_" in token and len(token) >= 6:
                where[(p["tenant"], token)].add(p["url"])
    out = []
    for (owner, token), urls in sorted(where.items()):
        if len(urls) <= 3 and owner != "_global":
            out.append({"tenant": owner, "query": token, "expected": sorted(urls)})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="an eval_retrieval.py --work folder")
    args = parser.parse_args()
    import json

    import qdrant_edge as qe

    from bot.config import Settings
    from retrieval import Retriever
    from retrieval.embed import Embedder, SparseVec
    from retrieval.store import EdgeStore, PointIn

    points = read_points(args.work / "data" / "index")
    texts = [embed_text(p) for _, _, p in points]
    base = Embedder(data_dir=args.work / "data").load()
    edge_bm25 = qe.Bm25()

    def edge_vec(v: Any) -> SparseVec:
        return SparseVec(list(v.indices), [float(x) for x in v.values])

    started = time.perf_counter()
    fastembed_vectors = base.sparse(texts)
    fastembed_s = time.perf_counter() - started
    started = time.perf_counter()
    edge_vectors = [edge_vec(edge_bm25.embed_document(t)) for t in texts]
    edge_s = time.perf_counter() - started
    same = sum(1 for a, b in zip(fastembed_vectors, edge_vectors, strict=True)
               if rounded(a) == rounded(b))
    print(f"{len(texts)} chunks: fastembed Qdrant/bm25 {fastembed_s:.2f} s, Edge Bm25 {edge_s:.2f} s; "
          f"identical sparse vectors for {same} of {len(texts)} chunks")

    class EdgeSparse(Embedder):
        def sparse_query(self, text: str) -> SparseVec:
            return edge_vec(edge_bm25.embed_query(text))

    eval_queries = load_queries(DATA / "eval_queries.jsonl")
    with_ids = [q for q in eval_queries if q.expected and identifiers(q.query)]
    with tempfile.TemporaryDirectory(prefix="handoff-bm25-") as temp:
        probe_file = Path(temp) / "probes.jsonl"
        probe_rows = probes(points)
        probe_file.write_text("".join(json.dumps(row) + "\n" for row in probe_rows))
        probe_queries = load_queries(probe_file)
        url_owner = {p["url"].split("#")[0]: p["tenant"] for _, _, p in points}
        print(f"{len(eval_queries)} evaluation queries ({len(with_ids)} with identifiers), "
              f"{len(probe_queries)} snake_case identifier probes\n")
        print(f"{'BM25':<22} {'set':<24} {'sparse r@5':>10} {'hybrid r@5':>10} {'leaks':>6}")
        for name, vectors, embedder in (("fastembed Qdrant/bm25", fastembed_vectors, base),
                                        ("Edge Bm25", edge_vectors, EdgeSparse(data_dir=base.data_dir))):
            embedder._dense, embedder._sparse = base.dense_model, base.sparse_model
            store = EdgeStore(Path(temp) / name.replace(" ", "-").replace("/", "-"))
            by_owner: dict[str, list[PointIn]] = defaultdict(list)
            for (pid, dense, payload), sparse in zip(points, vectors, strict=True):
                by_owner[payload["tenant"]].append(PointIn(pid, dense, sparse, payload))
            for owner, owned in by_owner.items():
                store.ensure(tenant_id=owner, dim=len(owned[0].dense))
                store.upsert(tenant_id=owner, points=owned)
            retriever = Retriever(Settings(data_dir=Path(temp)), embedder=embedder, store=store)
            modes = [("sparse", {"mode": "sparse"}), ("hybrid", {"mode": "hybrid"})]
            for label, queries in (("evaluation, all", eval_queries), ("evaluation, identifiers", with_ids),
                                   ("snake_case probes", probe_queries)):
                results = evaluate(retriever.search_knowledge, queries, url_owner=url_owner, modes=modes)
                r = {x.name: x for x in results}
                print(f"{name:<22} {label:<24} {r['sparse'].recall_5:>10.3f} {r['hybrid'].recall_5:>10.3f} "
                      f"{sum(x.leaks for x in results):>6}")
            retriever.close()
    print(f"\n(median of {len(texts)} chunk texts: {statistics.median(len(t) for t in texts):.0f} characters)")
    return 0


def rounded(vector: Any) -> dict[int, float]:
    """Weights rounded, so float noise does not count as a difference."""
    return {k: round(v, 5) for k, v in zip(vector.indices, vector.values, strict=True)}


if __name__ == "__main__":
    raise SystemExit(main())
