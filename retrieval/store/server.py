"""The server layout: qdrant-client against a Qdrant server or cluster (or its local mode).

Qdrant's multitenancy guidance for many tenants: a single collection, a
keyword payload index on ``tenant`` marked ``is_tenant`` (so Qdrant co-locates
each tenant's points), and HNSW built per tenant rather than globally
(``m=0``, ``payload_m=16``). Every request carries the tenant filter, BM25
uses the IDF of the tenant's own points (``IdfCorpusParams``, the same scores
as the embedded shard), and every returned point is checked against the
requested tenant.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from qdrant_client import models as m

from retrieval.embed import SparseVec
from retrieval.store.base import (
    CANDIDATE_FIELDS,
    DENSE,
    KEYWORD_INDEXES,
    SOURCE_FIELDS,
    SPARSE,
    TENANT,
    Candidate,
    IndexStore,
    PointIn,
    SourceTally,
    check_tenant,
    check_writes,
    log,
    require_owner,
)


class SharedStore(IndexStore):
    """One collection for every tenant, partitioned by an ``is_tenant`` payload index (server mode)."""

    layout = "shared"

    def __init__(self, client: Any, *, collection: str = "handoff_chunks"):
        super().__init__()
        self.client = client
        self.collection = collection

    # --- schema --------------------------------------------------------------------------

    def _exists(self) -> bool:
        return bool(self.client.collection_exists(self.collection))

    def ensure(self, *, tenant_id: str, dim: int) -> bool:
        require_owner(tenant_id)
        with self._lock:
            if not self._exists():
                self._create(dim)
                return False
            size = self.dense_size(tenant_id=tenant_id)
            if size == dim:
                return False
            # The whole collection was built for another model: it is useless to everyone.
            log.warning("shared index was built for %s-dimensional vectors, now %s: recreating it", size, dim)
            self.client.delete_collection(self.collection)
            self._create(dim)
            return True

    def _create(self, dim: int) -> None:
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: m.VectorParams(size=dim, distance=m.Distance.COSINE)},
            sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            # Qdrant's multitenancy guide: no global HNSW graph, one per tenant.
            hnsw_config=m.HnswConfigDiff(m=0, payload_m=16),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # qdrant-client's local mode says payload indexes have no effect there
            self.client.create_payload_index(
                self.collection, TENANT, field_schema=m.KeywordIndexParams(type=m.KeywordIndexType.KEYWORD,
                                                                         is_tenant=True))
            for key in KEYWORD_INDEXES:
                self.client.create_payload_index(self.collection, key, field_schema=m.PayloadSchemaType.KEYWORD)

    def dense_size(self, *, tenant_id: str) -> int | None:
        require_owner(tenant_id)
        with self._lock:
            if not self._exists():
                return None
            vectors = self.client.get_collection(self.collection).config.params.vectors
            return vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None

    def owners(self) -> list[str]:
        if not self._exists():
            return []
        owners: set[str] = set()
        offset = None
        while True:
            points, offset = self.client.scroll(self.collection, limit=4096, offset=offset, with_payload=[TENANT])
            owners.update(str(p.payload.get(TENANT)) for p in points)
            if offset is None:
                return sorted(owners)

    def drop(self, *, tenant_id: str) -> None:
        with self._lock:
            if self._exists():
                self.client.delete(self.collection, points_selector=m.FilterSelector(
                    filter=self._filter(require_owner(tenant_id), None)), wait=True)

    def drop_all(self) -> None:
        with self._lock:
            if self._exists():
                self.client.delete_collection(self.collection)

    def close(self) -> None:
        self.client.close()

    # --- writes ------------------------------------------------------------------------

    def upsert(self, *, tenant_id: str, points: Sequence[PointIn]) -> None:
        check_writes(tenant_id, points)
        if not points:
            return
        with self._lock:
            if not self._exists():
                raise RuntimeError("no index collection yet: call ensure() first")
            self.client.upsert(self.collection, points=[
                m.PointStruct(
                    id=p.id,
                    vector={DENSE: list(map(float, p.dense)),
                            SPARSE: m.SparseVector(indices=p.sparse.indices, values=p.sparse.values)},
                    payload=p.payload,
                )
                for p in points
            ], wait=True)

    def delete_sources(self, *, tenant_id: str, sources: Iterable[str]) -> None:
        wanted = sorted(set(sources))
        require_owner(tenant_id)
        if not wanted:
            return
        with self._lock:
            if not self._exists():
                return
            for start in range(0, len(wanted), 256):
                flt = m.Filter(must=[
                    self._tenant_condition(tenant_id),
                    m.FieldCondition(key="source", match=m.MatchAny(any=wanted[start:start + 256])),
                ])
                self.client.delete(self.collection, points_selector=m.FilterSelector(filter=flt), wait=True)

    # --- reads ---------------------------------------------------------------------------

    def source_state(self, *, tenant_id: str) -> dict[str, str | None]:
        tally = SourceTally(require_owner(tenant_id))
        with self._lock:
            if not self._exists():
                return {}
            offset = None
            while True:
                points, offset = self.client.scroll(
                    self.collection, scroll_filter=self._filter(tenant_id, None), limit=2048, offset=offset,
                    with_payload=SOURCE_FIELDS, with_vectors=False,
                )
                for point in points:
                    tally.add(point.payload)
                if offset is None:
                    break
        return tally.result()

    def count(self, *, tenant_id: str) -> int:
        with self._lock:
            if not self._exists():
                return 0
            return int(self.client.count(self.collection, count_filter=self._filter(require_owner(tenant_id), None),
                                         exact=True).count)

    def candidates(
        self, *, tenant_id: str, dense: Sequence[float] | Any | None, sparse: SparseVec | None, limit: int,
        kinds: Sequence[str] | None = None,
    ) -> tuple[list[Candidate], list[Candidate]]:
        with self._lock:
            if not self._exists():
                return [], []
            flt = self._filter(require_owner(tenant_id), kinds)
            requests, which = [], []
            if dense is not None:
                requests.append(m.QueryRequest(query=list(map(float, dense)), using=DENSE, filter=flt, limit=limit,
                                               with_payload=CANDIDATE_FIELDS))
                which.append(DENSE)
            if sparse is not None and sparse.indices:
                requests.append(m.QueryRequest(query=_sparse(sparse), using=SPARSE, filter=flt, limit=limit,
                                               params=self._idf(tenant_id), with_payload=CANDIDATE_FIELDS))
                which.append(SPARSE)
            responses = self.client.query_batch_points(self.collection, requests=requests) if requests else []
        out: dict[str, list[Candidate]] = {DENSE: [], SPARSE: []}
        for kind, response in zip(which, responses, strict=True):
            out[kind] = [_candidate(tenant_id, point) for point in response.points]
        return out[DENSE], out[SPARSE]

    def fetch(self, *, tenant_id: str, ids: Sequence[str], with_dense: bool = False) -> dict[str, Candidate]:
        require_owner(tenant_id)
        if not ids:
            return {}
        with self._lock:
            if not self._exists():
                return {}
            records = self.client.retrieve(self.collection, ids=list(ids), with_payload=True,
                                           with_vectors=[DENSE] if with_dense else False)
        out = {}
        for record in records:
            check_tenant(tenant_id, record.payload)
            vectors = record.vector if isinstance(record.vector, dict) else {}
            dense = vectors.get(DENSE)
            out[str(record.id)] = Candidate(id=str(record.id), score=0.0, payload=dict(record.payload or {}),
                                            dense=list(dense) if dense is not None else None)
        return out

    def sparse_scores(self, *, tenant_id: str, sparse: SparseVec, ids: Sequence[str]) -> dict[str, float]:
        if not ids or not sparse.indices:
            return {}
        with self._lock:
            if not self._exists():
                return {}
            flt = m.Filter(must=[self._tenant_condition(require_owner(tenant_id)), m.HasIdCondition(has_id=list(ids))])
            response = self.client.query_points(self.collection, query=_sparse(sparse), using=SPARSE,
                                                query_filter=flt, limit=len(ids), search_params=self._idf(tenant_id),
                                                with_payload=[TENANT])
        scores = {}
        for point in response.points:
            check_tenant(tenant_id, point.payload)
            scores[str(point.id)] = float(point.score)
        return scores

    def fused(
        self, *, tenant_id: str, dense: Sequence[float], sparse: SparseVec, limit: int, prefetch_limit: int,
        kinds: Sequence[str] | None = None, fusion: str = "rrf",
    ) -> list[Candidate]:
        with self._lock:
            if not self._exists():
                return []
            flt = self._filter(require_owner(tenant_id), kinds)
            prefetch = [m.Prefetch(query=list(map(float, dense)), using=DENSE, filter=flt, limit=prefetch_limit)]
            if sparse.indices:
                prefetch.append(m.Prefetch(query=_sparse(sparse), using=SPARSE, filter=flt, limit=prefetch_limit,
                                           params=self._idf(tenant_id)))
            how = m.Fusion.DBSF if fusion == "dbsf" else m.Fusion.RRF
            response = self.client.query_points(self.collection, prefetch=prefetch, query=m.FusionQuery(fusion=how),
                                                query_filter=flt, limit=limit, with_payload=True)
        return [_candidate(tenant_id, point) for point in response.points]

    # --- filters -------------------------------------------------------------------------

    def _tenant_condition(self, tenant_id: str) -> Any:
        return m.FieldCondition(key=TENANT, match=m.MatchValue(value=tenant_id))

    def _filter(self, tenant_id: str, kinds: Sequence[str] | None) -> Any:
        """The filter of every request: the tenant (and kinds)."""
        must: list[Any] = [self._tenant_condition(tenant_id)]
        if kinds:
            must.append(m.FieldCondition(key="kind", match=m.MatchAny(any=list(kinds))))
        return m.Filter(must=must)

    def _idf(self, tenant_id: str) -> Any:
        """BM25's IDF counted over the tenant's own points, not over every client's."""
        return m.SearchParams(idf=m.IdfCorpusParams(corpus=m.Filter(must=[self._tenant_condition(tenant_id)])))


def _sparse(vector: SparseVec) -> Any:
    return m.SparseVector(indices=vector.indices, values=vector.values)


def _candidate(tenant_id: str, point: Any) -> Candidate:
    check_tenant(tenant_id, point.payload)
    vectors = point.vector if isinstance(point.vector, dict) else {}
    dense = vectors.get(DENSE)
    return Candidate(id=str(point.id), score=float(point.score), payload=dict(point.payload),
                     dense=list(dense) if dense is not None else None)
