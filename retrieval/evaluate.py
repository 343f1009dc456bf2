"""Retrieval quality: recall@1, recall@5 and MRR per mode, and leakage.

A query file is JSONL, one object per line::

    {"tenant": "acme", "query": "DC02 can't pull changes from DC01, repadmin says 1722",
     "expected": ["handoff://docs/acme/replication-error-1722-rpc-server-unavailable.md"]}

``expected`` lists document urls (a hit counts when its url, without the
``#anchor``, is one of them). recall@k is the share of the expected documents
among the documents of the top k hits, out of at most k (so a query with two
expected documents can reach 1.0 at k=1 by finding either); MRR uses the rank
of the first hit of an expected document. A query with an empty ``expected`` is a leakage
probe only: it is not scored for recall, but its hits are checked.

Leakage is counted independently of the retriever's own tenant check: every
hit's url is looked up in the corpus (which owner's folder the document came
from) and a hit whose document belongs to any owner other than the query's
tenant or ``_global`` counts as a leak. It must be 0.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.db.models import GLOBAL_TENANT
from bot.errors import BadInput


@dataclass(frozen=True)
class EvalQuery:
    tenant: str
    query: str
    expected: tuple[str, ...]
    line: int = 0


@dataclass
class ModeResult:
    name: str
    scored: int = 0
    recall_1: float = 0.0
    recall_5: float = 0.0
    mrr: float = 0.0
    hits_checked: int = 0
    leaks: int = 0
    latency_ms_median: float = 0.0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.name, "queries": self.scored, "recall@1": round(self.recall_1, 4),
            "recall@5": round(self.recall_5, 4), "mrr": round(self.mrr, 4), "hits_checked": self.hits_checked,
            "leakage": self.leaks, "latency_ms_median": round(self.latency_ms_median, 2),
        }


def load_queries(path: Path) -> list[EvalQuery]:
    queries = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            raw = json.loads(line)
            expected = raw.get("expected", [])
            if not isinstance(raw.get("tenant"), str) or not isinstance(raw.get("query"), str):
                raise ValueError("tenant and query are required strings")
            if not isinstance(expected, list) or not all(isinstance(u, str) for u in expected):
                raise ValueError("expected must be a list of urls")
        except (ValueError, AttributeError) as exc:
            raise BadInput(f"{path}:{number}: {exc}") from None
        queries.append(EvalQuery(raw["tenant"], raw["query"], tuple(expected), number))
    if not queries:
        raise BadInput(f"{path}: no queries")
    return queries


def _doc_url(url: str) -> str:
    return url.split("#", 1)[0]


def score_ranking(urls: Sequence[str], expected: Sequence[str], k: int) -> tuple[float, float]:
    """(recall@k, reciprocal rank) of one ranked list of hit urls."""
    wanted = set(expected)
    docs = [_doc_url(u) for u in urls]
    found = {d for d in docs[:k] if d in wanted}
    rank = next((i for i, d in enumerate(docs, 1) if d in wanted), None)
    return len(found) / min(len(wanted), k), (1.0 / rank if rank else 0.0)


def evaluate(
    search: Callable[..., list[Any]], queries: Sequence[EvalQuery], *, url_owner: dict[str, str],
    modes: Sequence[tuple[str, dict[str, Any]]], depth: int = 10,
) -> list[ModeResult]:
    """Run every query in every mode; ``search`` is ``Retriever.search_knowledge``."""
    results = []
    for name, options in modes:
        result = ModeResult(name)
        r1, r5, rr, times = [], [], [], []
        for q in queries:
            started = time.perf_counter()
            hits = search(tenant_id=q.tenant, query=q.query, limit=depth, **options)
            times.append((time.perf_counter() - started) * 1000)
            for hit in hits:
                result.hits_checked += 1
                owner = url_owner.get(_doc_url(hit.url), hit.tenant)
                if owner not in (q.tenant, GLOBAL_TENANT) or hit.tenant not in (q.tenant, GLOBAL_TENANT):
                    result.leaks += 1
            if not q.expected:
                continue
            urls = [hit.url for hit in hits]
            at1, _ = score_ranking(urls, q.expected, 1)
            at5, reciprocal = score_ranking(urls, q.expected, 5)
            r1.append(at1)
            r5.append(at5)
            rr.append(reciprocal)
            if at5 < 1.0:
                result.misses.append({"line": q.line, "tenant": q.tenant, "query": q.query,
                                      "expected": list(q.expected), "got": [_doc_url(u) for u in urls[:5]]})
        result.scored = len(r1)
        result.recall_1 = statistics.fmean(r1) if r1 else 0.0
        result.recall_5 = statistics.fmean(r5) if r5 else 0.0
        result.mrr = statistics.fmean(rr) if rr else 0.0
        result.latency_ms_median = statistics.median(times) if times else 0.0
        results.append(result)
    return results


DEFAULT_MODES: list[tuple[str, dict[str, Any]]] = [
    ("dense", {"mode": "dense"}),
    ("sparse", {"mode": "sparse"}),
    ("hybrid", {"mode": "hybrid", "fusion": "rrf"}),
    ("hybrid-dbsf", {"mode": "hybrid", "fusion": "dbsf"}),
]


def table(results: Sequence[ModeResult]) -> str:
    lines = [f"{'mode':<12} {'queries':>7} {'recall@1':>9} {'recall@5':>9} {'MRR':>7} {'leakage':>8} {'ms/query':>9}"]
    for r in results:
        lines.append(f"{r.name:<12} {r.scored:>7} {r.recall_1:>9.3f} {r.recall_5:>9.3f} {r.mrr:>7.3f} "
                     f"{r.leaks:>8} {r.latency_ms_median:>9.1f}")
    return "\n".join(lines)


def run_eval(
    *, dataset: Path, queries_file: Path, data_dir: Path, modes: Sequence[tuple[str, dict[str, Any]]] = DEFAULT_MODES,
    embedding_model: str = "bundled", progress: bool | None = None,
) -> tuple[list[ModeResult], dict[str, Any]]:
    """Ingest ``dataset`` into a fresh store and index under ``data_dir``, then evaluate ``queries_file``."""
    from bot.config import Settings
    from bot.core import Core
    from bot.db.models import Doc
    from bot.ingest.loader import ingest_folder

    queries = load_queries(queries_file)
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'eval.db'}",
                        embedding_model=embedding_model)
    core = Core(settings)
    try:
        summary = ingest_folder(dataset, engine=core.engine)
        if not summary.ok:
            raise BadInput("the evaluation dataset has errors: " + "; ".join(str(e) for e in summary.errors[:5]))
        report = core.retriever.sync(engine=core.engine, progress=progress)
        with core.session() as session:
            from sqlmodel import select

            rows = list(session.exec(select(Doc.tenant_id, Doc.url)))
        url_owner = {url: tenant for tenant, url in rows}
        if len(url_owner) != len(rows):
            raise BadInput("the evaluation dataset gives two documents the same url; leakage could not be told apart")
        results = evaluate(core.retriever.search_knowledge, queries, url_owner=url_owner, modes=modes)
        store = core.retriever.store
        info = {"documents": len(url_owner), "chunks": sum(store.count(tenant_id=o) for o in store.owners()),
                "chunks_embedded_now": report.chunks, "index_seconds": round(report.seconds, 1),
                "queries": len(queries), "probes": sum(1 for q in queries if not q.expected)}
        return results, info
    finally:
        core.close()
