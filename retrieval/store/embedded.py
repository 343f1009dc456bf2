"""The embedded layout: one Qdrant Edge shard in the data directory.

Qdrant Edge (``qdrant-edge-py``, pinned in pyproject.toml) is the Rust Qdrant
engine running inside this process. The shard in ``<data_dir>/index/`` has
the server layout's schema (``retrieval/store/base.py``): one collection for
every owner, a ``tenant`` keyword index with ``is_tenant``, ``dense`` cosine
and ``bm25`` sparse vectors with the IDF modifier. Every request carries the
tenant filter, BM25 uses the IDF of the tenant's own points
(``SearchParams(idf=IdfParams(corpus=<tenant filter>))``), a search asks for
the dense and the BM25 lists in one ``query_batch`` (so each hit keeps both
scores), and every returned point passes ``check_tenant``.

This is the only module that imports ``qdrant_edge``: a new Edge release, or
a fallback to qdrant-client's local mode (``SharedStore`` on a
``QdrantClient(path=...)``), is a change here or in ``build_store`` only.
``tests/unit/test_edge_contract.py`` fails loudly if the binding's behaviour
this relies on changes. Binding quirks of 0.9.0, each named where it is used:
``retrieve`` needs ``with_vector`` (the stub says optional), ids come back as
``uuid.UUID``, and the shard's write-ahead log takes a lock that refuses a
second opener ("Can't init WAL: Kind(WouldBlock)").

One process owns the shard (see README, "One process per data directory"):
a second opener gets ``IndexBusy``, a ``HandoffError`` saying which process
to stop or to use a Qdrant server, never a degraded answer.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from retrieval.embed import SparseVec
from retrieval.fusion import RRF_K
from retrieval.store.base import (
    CANDIDATE_FIELDS,
    DENSE,
    KEYWORD_INDEXES,
    SOURCE_FIELDS,
    SPARSE,
    TENANT,
    Candidate,
    IndexBusy,
    IndexStore,
    PointIn,
    SourceTally,
    check_tenant,
    check_writes,
    is_owner,
    log,
    require_owner,
)

CONFIG_FILE = "edge_config.json"  # where Edge persists the shard's config (read for the dense size)
PAYLOAD_MEMORY = "cached"  # Edge's name for it in edge_config.json (see ``_config``)
_LOCKED = "WouldBlock"  # in the error Edge raises when another process holds the shard's WAL lock


class EdgeStore(IndexStore):
    """Every owner's points in one Qdrant Edge shard at ``path`` (see module doc)."""

    layout = "embedded"

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self._shard: Any = None

    # --- the shard -----------------------------------------------------------------------

    def exists(self) -> bool:
        return (self.path / CONFIG_FILE).is_file()

    def _open(self) -> Any | None:
        """The open shard, loading it on first use; None when there is none on disk yet.

        A shard made before payloads were kept in memory (``_config``) is loaded with the current
        config, which Edge checks and writes back, and optimized once so that its segments are rewritten
        in that placement (about 20 s per 50,000 chunks, once).
        """
        if self._shard is None and self.exists():
            on_disk = json.loads((self.path / CONFIG_FILE).read_text(encoding="utf-8"))
            config = None
            if on_disk.get("payload_memory") != PAYLOAD_MEMORY:
                config = _config(int(on_disk["vectors"][DENSE]["size"]))
            shard = self._guard(lambda: qe.EdgeShard.load(str(self.path), config))
            if config is not None:
                log.warning("index in %s: moving payloads to memory and indexing its segments (once)", self.path)
                shard.optimize()
            self._shard = shard
        return self._shard

    def _guard(self, opener: Any) -> Any:
        try:
            return opener()
        except Exception as exc:
            if _LOCKED in str(exc):
                raise IndexBusy(
                    f"the index in {self.path} is open in another Handoff process (the embedded index has one "
                    "owner: the process that serves). Stop that process and run this again, or point every "
                    "process at a Qdrant server with HANDOFF_QDRANT_URL."
                ) from None
            raise

    def _create(self, dim: int) -> Any:
        self.path.mkdir(parents=True, exist_ok=True)
        shard = self._guard(lambda: qe.EdgeShard.create(str(self.path), _config(dim)))
        shard.update(qe.UpdateOperation.create_field_index(TENANT, qe.KeywordIndexParams(is_tenant=True)))
        for key in KEYWORD_INDEXES:
            shard.update(qe.UpdateOperation.create_field_index(key, qe.PayloadSchemaType.Keyword))
        shard.flush()
        return shard

    def ensure(self, *, tenant_id: str, dim: int) -> bool:
        require_owner(tenant_id)
        with self._lock:
            if self._open() is None:
                self._shard = self._create(dim)
                return False
            size = self.dense_size(tenant_id=tenant_id)
            if size == dim:
                return False
            # Built for another model: useless to every owner, so the whole shard goes.
            log.warning("index was built for %s-dimensional vectors, now %s: recreating it", size, dim)
            self.drop_all()
            self._shard = self._create(dim)
            return True

    def dense_size(self, *, tenant_id: str) -> int | None:
        require_owner(tenant_id)
        if not self.exists():
            return None
        config = json.loads((self.path / CONFIG_FILE).read_text(encoding="utf-8"))
        return int(config["vectors"][DENSE]["size"])

    def owners(self) -> list[str]:
        with self._lock:
            shard = self._open()
            if shard is None:
                return []
            hits = shard.facet(qe.FacetRequest(key=TENANT, limit=1_000_000, exact=True)).hits
        return sorted(str(hit.value) for hit in hits if hit.count and is_owner(str(hit.value)))

    def drop(self, *, tenant_id: str) -> None:
        with self._lock:
            shard = self._open()
            if shard is not None:
                shard.update(qe.UpdateOperation.delete_points_by_filter(_tenant_filter(require_owner(tenant_id))))

    def drop_all(self) -> None:
        with self._lock:
            self._open()  # raises IndexBusy if another process owns the shard: never delete it under them
            self.close()
            shutil.rmtree(self.path, ignore_errors=True)

    def acquire(self, *, dim: int) -> None:
        with self._lock:
            if self._open() is None:
                self._shard = self._create(dim)

    def close(self) -> None:
        with self._lock:
            if self._shard is not None:
                shard, self._shard = self._shard, None
                shard.flush()
                shard.close()

    def optimize(self) -> None:
        """Let Edge merge and index its segments. Edge has no background optimizer: without this, a bulk
        load stays one appendable segment whose payloads are read from disk point by point, and the first
        search of each client took 10 to 20 ms in the engine instead of under 1 (``bench/bench_retrieval.py``).
        Below Edge's thresholds it does nothing, in microseconds; above them it holds the interpreter while
        it works (seconds), which is why ``Indexer.sync`` calls it only after a bulk write."""
        with self._lock:
            shard = self._open()
            if shard is not None:
                shard.optimize()

    # --- writes ------------------------------------------------------------------------

    def upsert(self, *, tenant_id: str, points: Sequence[PointIn]) -> None:
        check_writes(tenant_id, points)
        if not points:
            return
        with self._lock:
            shard = self._open()
            if shard is None:
                raise RuntimeError("no index yet: call ensure() first")
            shard.update(qe.UpdateOperation.upsert_points([
                qe.Point(p.id, {DENSE: [float(x) for x in p.dense], SPARSE: _sparse(p.sparse)}, p.payload)
                for p in points
            ]))

    def delete_sources(self, *, tenant_id: str, sources: Iterable[str]) -> None:
        wanted = sorted(set(sources))
        require_owner(tenant_id)
        if not wanted:
            return
        with self._lock:
            shard = self._open()
            if shard is None:
                return
            for start in range(0, len(wanted), 256):
                shard.update(qe.UpdateOperation.delete_points_by_filter(qe.Filter(must=[
                    _tenant_condition(tenant_id),
                    qe.FieldCondition(key="source", match=qe.MatchAny(wanted[start:start + 256])),
                ])))

    # --- reads ---------------------------------------------------------------------------

    def source_state(self, *, tenant_id: str) -> dict[str, str | None]:
        tally = SourceTally(require_owner(tenant_id))
        with self._lock:
            shard = self._open()
            if shard is None:
                return {}
            offset = None
            while True:
                records, offset = shard.scroll(qe.ScrollRequest(
                    offset=offset, limit=2048, filter=self._filter(tenant_id, None), with_payload=SOURCE_FIELDS,
                    with_vector=False))
                for record in records:
                    tally.add(record.payload)
                if offset is None:
                    break
        return tally.result()

    def count(self, *, tenant_id: str) -> int:
        with self._lock:
            shard = self._open()
            if shard is None:
                return 0
            return int(shard.count(qe.CountRequest(exact=True, filter=self._filter(require_owner(tenant_id), None))))

    def candidates(
        self, *, tenant_id: str, dense: Sequence[float] | Any | None, sparse: SparseVec | None, limit: int,
        kinds: Sequence[str] | None = None,
    ) -> tuple[list[Candidate], list[Candidate]]:
        with self._lock:
            shard = self._open()
            if shard is None:
                return [], []
            flt = self._filter(require_owner(tenant_id), kinds)
            requests, which = [], []
            if dense is not None:
                requests.append(qe.QueryRequest(limit=limit, query=qe.Query.Nearest([float(x) for x in dense],
                                                                                   using=DENSE),
                                                filter=flt, with_payload=CANDIDATE_FIELDS, with_vector=False))
                which.append(DENSE)
            if sparse is not None and sparse.indices:
                requests.append(qe.QueryRequest(limit=limit, query=qe.Query.Nearest(_sparse(sparse), using=SPARSE),
                                                filter=flt, params=_idf(tenant_id), with_payload=CANDIDATE_FIELDS,
                                                with_vector=False))
                which.append(SPARSE)
            responses = shard.query_batch(qe.QueryBatchRequest(requests)) if requests else []
        out: dict[str, list[Candidate]] = {DENSE: [], SPARSE: []}
        for kind, points in zip(which, responses, strict=True):
            out[kind] = [_candidate(tenant_id, point) for point in points]
        return out[DENSE], out[SPARSE]

    def fetch(self, *, tenant_id: str, ids: Sequence[str], with_dense: bool = False) -> dict[str, Candidate]:
        require_owner(tenant_id)
        if not ids:
            return {}
        with self._lock:
            shard = self._open()
            if shard is None:
                return {}
            # 0.9.0: with_vector is required at run time although the stub marks it optional.
            records = shard.retrieve(list(ids), with_payload=True, with_vector=[DENSE] if with_dense else False)
        out = {}
        for record in records:
            check_tenant(tenant_id, record.payload)
            dense = (record.vector or {}).get(DENSE) if isinstance(record.vector, dict) else None
            out[str(record.id)] = Candidate(id=str(record.id), score=0.0, payload=dict(record.payload or {}),
                                            dense=list(dense) if dense is not None else None)
        return out

    def sparse_scores(self, *, tenant_id: str, sparse: SparseVec, ids: Sequence[str]) -> dict[str, float]:
        if not ids or not sparse.indices:
            return {}
        with self._lock:
            shard = self._open()
            if shard is None:
                return {}
            flt = qe.Filter(must=[*self._filter(require_owner(tenant_id), None).must,
                                  qe.HasIdCondition(set(ids))])
            points = shard.query(qe.QueryRequest(limit=len(ids), query=qe.Query.Nearest(_sparse(sparse), using=SPARSE),
                                                 filter=flt, params=_idf(tenant_id), with_payload=[TENANT],
                                                 with_vector=False))
        scores = {}
        for point in points:
            check_tenant(tenant_id, point.payload)
            scores[str(point.id)] = float(point.score)
        return scores

    def fused(
        self, *, tenant_id: str, dense: Sequence[float], sparse: SparseVec, limit: int, prefetch_limit: int,
        kinds: Sequence[str] | None = None, fusion: str = "rrf",
    ) -> list[Candidate]:
        with self._lock:
            shard = self._open()
            if shard is None:
                return []
            flt = self._filter(require_owner(tenant_id), kinds)
            prefetch = [qe.Prefetch(limit=prefetch_limit, query=qe.Query.Nearest([float(x) for x in dense],
                                                                                   using=DENSE), filter=flt)]
            if sparse.indices:
                prefetch.append(qe.Prefetch(limit=prefetch_limit, query=qe.Query.Nearest(_sparse(sparse), using=SPARSE),
                                            filter=flt, params=_idf(tenant_id)))
            # 0.9.0's stub types the query as ``Fusion``; the runtime takes its members ``Fusion.Rrf``/``Dbsf``.
            how: Any = qe.Fusion.Dbsf() if fusion == "dbsf" else qe.Fusion.Rrf(k=RRF_K)
            points = shard.query(qe.QueryRequest(limit=limit, query=how, prefetches=prefetch, filter=flt,
                                                 with_payload=True, with_vector=False))
        return [_candidate(tenant_id, point) for point in points]

    def _filter(self, tenant_id: str, kinds: Sequence[str] | None) -> Any:
        """The filter of every request: the tenant (and kinds)."""
        must: list[Any] = [_tenant_condition(tenant_id)]
        if kinds:
            must.append(qe.FieldCondition(key="kind", match=qe.MatchAny(list(kinds))))
        return qe.Filter(must=must)


def _config(dim: int) -> Any:
    return qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        # As on a server (Qdrant's multitenancy guide): no global HNSW graph, one per tenant.
        hnsw_config=qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10_000, payload_m=16),
        # Payloads in memory (Edge's default is "cold": read from disk per point): every candidate's
        # section fields are read to deduplicate sections, 80 reads per search. Costs about 5 KB of RSS
        # per chunk (250 MB at 50,000 chunks), measured by ``bench/bench_retrieval.py``.
        payload_memory=getattr(qe.Memory, PAYLOAD_MEMORY.capitalize()),
    )


def _tenant_condition(tenant_id: str) -> Any:
    return qe.FieldCondition(key=TENANT, match=qe.MatchValue(tenant_id))


def _tenant_filter(tenant_id: str) -> Any:
    return qe.Filter(must=[_tenant_condition(tenant_id)])


def _idf(tenant_id: str) -> Any:
    """BM25's IDF counted over the tenant's own points (as v0.1's folder per tenant did), not every client's."""
    return qe.SearchParams(idf=qe.IdfParams(corpus=_tenant_filter(tenant_id)))


def _sparse(vector: SparseVec) -> Any:
    return qe.SparseVector(list(vector.indices), [float(v) for v in vector.values])


def _candidate(tenant_id: str, point: Any) -> Candidate:
    check_tenant(tenant_id, point.payload)
    return Candidate(id=str(point.id), score=float(point.score), payload=dict(point.payload or {}))
