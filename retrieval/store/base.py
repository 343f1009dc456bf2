"""The index store's interface and what every layout shares: the tenant check of every point.

Two layouts implement ``IndexStore`` (``retrieval/store/embedded.py`` and
``retrieval/store/server.py``):

- ``PerTenantStore`` (embedded default): every owner (a client, or ``_global``)
  has its own embedded Qdrant folder ``<data_dir>/qdrant/<owner>/`` with one
  collection. Isolation is physical, and a query touches only the points of
  its owner (embedded Qdrant evaluates filters point by point in Python, so
  one big filtered collection would be slow; see DESIGN.md). Folders open on
  first use and at most ``max_open`` stay open, so start-up does not load
  every client's points.
- ``SharedStore`` (Qdrant server, or any client given explicitly): one
  collection for everyone, with a ``tenant`` keyword payload index marked
  ``is_tenant`` and per-tenant HNSW graphs (``m=0``, ``payload_m=16``), as in
  Qdrant's multitenancy guide.

In both, the tenant is a required keyword argument of every call, every point
written must carry the tenant it is written for, and every point read is
checked against the requested tenant: a mismatch raises ``TenantMismatch``
(it is never silently dropped). In the shared layout every query carries the
``tenant`` filter. In the embedded layout the folder is the tenant: search
requests carry no tenant condition (embedded Qdrant would evaluate it point by
point in Python, about 15 ms per request on 500 chunks, and it could only
match everything), and instead each folder is checked whole when it opens;
see ``PerTenantStore._read_filter``.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.db.models import GLOBAL_TENANT
from bot.errors import HandoffError, TenantMismatch
from retrieval.embed import SparseVec

log = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "bm25"
KINDS = ("runbook", "client-note", "kb", "ticket")
_OWNER = re.compile(r"^(_global|[a-z0-9][a-z0-9-]{0,63})$")
_POINT_NS = uuid.UUID("6f1c2a52-8d0e-4c1b-9a43-2b8f0e7d5a11")


class IndexBusy(HandoffError):
    """The embedded index is open in another process."""


@dataclass(frozen=True)
class PointIn:
    id: str
    dense: Sequence[float]
    sparse: SparseVec
    payload: dict[str, Any]


@dataclass(frozen=True)
class Candidate:
    """A point a query returned: its score in that query, payload and (some) vectors."""

    id: str
    score: float
    payload: dict[str, Any]
    dense: list[float] | None = None
    sparse: SparseVec | None = None


def point_id(tenant_id: str, source: str, seq: int) -> str:
    return str(uuid.uuid5(_POINT_NS, f"{tenant_id}\x00{source}\x00{seq}"))


def require_owner(tenant_id: str) -> str:
    if not isinstance(tenant_id, str) or not _OWNER.match(tenant_id):
        raise ValueError(f"tenant_id must be a client id or {GLOBAL_TENANT!r}, got {tenant_id!r}")
    return tenant_id


def check_tenant(requested: str, payload: dict[str, Any] | None, *, writing: bool = False) -> None:
    """The one check every point read (and written) passes: it belongs to the requested tenant.

    Retrieval's half of the tenant guard; the core's half is ``bot/tenancy/guard.py``."""
    found = (payload or {}).get("tenant")
    if found != requested:
        if writing:
            raise TenantMismatch(f"refusing to write a point of tenant {found!r} into {requested!r}")
        raise TenantMismatch(f"index returned a point of tenant {found!r} for a query of tenant {requested!r}")


class IndexStore(ABC):
    """The Qdrant side of the index; subclasses decide where an owner's points live."""

    layout = "abstract"

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # --- where points live (subclasses) --------------------------------------------

    @abstractmethod
    def _target(self, tenant_id: str, *, create: bool) -> tuple[Any, str] | None:
        """(client, collection) holding ``tenant_id``'s points; None if there are none yet."""

    def _create_collection(self, client: Any, name: str, dim: int) -> None:
        from qdrant_client import models as m

        client.create_collection(
            name,
            vectors_config={DENSE: m.VectorParams(size=dim, distance=m.Distance.COSINE)},
            sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
            **self._collection_options(),
        )

    def _collection_options(self) -> dict[str, Any]:
        return {}

    def _changed(self, tenant_id: str) -> None:  # noqa: B027 (a hook: most layouts cache nothing)
        """Called before every write to ``tenant_id``'s points (caches drop here)."""

    @abstractmethod
    def owners(self) -> list[str]:
        """The tenants (and ``_global``) that have points."""

    @abstractmethod
    def drop(self, *, tenant_id: str) -> None:
        """Remove every point of ``tenant_id``."""

    @abstractmethod
    def close(self) -> None:
        """Release the Qdrant clients (and the embedded folders' locks)."""

    # --- schema ----------------------------------------------------------------------

    @abstractmethod
    def ensure(self, *, tenant_id: str, dim: int) -> bool:
        """Make ``tenant_id``'s collection exist with ``dim``-sized dense vectors.

        Points built for another model size are useless: they are dropped
        (returns True when that happened) and the next index run rebuilds them.
        """

    def drop_all(self) -> None:
        for owner in self.owners():
            self.drop(tenant_id=owner)

    def dense_size(self, *, tenant_id: str) -> int | None:
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return None
            vectors = target[0].get_collection(target[1]).config.params.vectors
            return vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None

    # --- writes ------------------------------------------------------------------------

    def upsert(self, *, tenant_id: str, points: Sequence[PointIn]) -> None:
        from qdrant_client import models as m

        require_owner(tenant_id)
        for point in points:
            check_tenant(tenant_id, point.payload, writing=True)
        if not points:
            return
        with self._lock:
            target = self._target(tenant_id, create=True)
            assert target is not None
            client, name = target
            self._changed(tenant_id)
            client.upsert(name, points=[
                m.PointStruct(
                    id=p.id,
                    vector={DENSE: list(map(float, p.dense)),
                            SPARSE: m.SparseVector(indices=p.sparse.indices, values=p.sparse.values)},
                    payload=p.payload,
                )
                for p in points
            ], wait=True)

    def delete_sources(self, *, tenant_id: str, sources: Iterable[str]) -> None:
        from qdrant_client import models as m

        wanted = sorted(set(sources))
        if not wanted:
            return
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return
            client, name = target
            self._changed(tenant_id)
            for start in range(0, len(wanted), 256):
                flt = m.Filter(must=[
                    self._tenant_condition(tenant_id),
                    m.FieldCondition(key="source", match=m.MatchAny(any=wanted[start:start + 256])),
                ])
                client.delete(name, points_selector=m.FilterSelector(filter=flt), wait=True)

    # --- reads ---------------------------------------------------------------------------

    def source_state(self, *, tenant_id: str) -> dict[str, str | None]:
        """source -> hash of what is indexed for it; None when its chunks are not all there.

        An incomplete source (an interrupted run, a changed source half
        rewritten) is reported with None, so the next run deletes and redoes it.
        """
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return {}
            client, name = target
            seen: dict[str, tuple[str, int, set[int]]] = {}
            broken: set[str] = set()
            offset = None
            while True:
                points, offset = client.scroll(
                    name, scroll_filter=self._read_filter(tenant_id, None), limit=2048, offset=offset,
                    with_payload=["tenant", "source", "source_hash", "source_chunks", "seq"], with_vectors=False,
                )
                for point in points:
                    check_tenant(tenant_id, point.payload)
                    p = point.payload
                    source, digest = p["source"], p["source_hash"]
                    if source in seen and seen[source][0] != digest:
                        broken.add(source)
                    entry = seen.setdefault(source, (digest, int(p["source_chunks"]), set()))
                    entry[2].add(int(p["seq"]))
                if offset is None:
                    break
        return {
            source: (digest if source not in broken and seqs == set(range(total)) else None)
            for source, (digest, total, seqs) in seen.items()
        }

    def count(self, *, tenant_id: str) -> int:
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return 0
            return int(target[0].count(target[1], count_filter=self._read_filter(tenant_id, None), exact=True).count)

    def candidates(
        self, *, tenant_id: str, dense: Sequence[float] | Any | None, sparse: SparseVec | None, limit: int,
        kinds: Sequence[str] | None = None,
    ) -> tuple[list[Candidate], list[Candidate]]:
        """The dense and the sparse top-``limit`` of one owner, in one round trip: ids and scores.

        Candidates carry only their ``tenant`` (checked); ``fetch`` reads the
        payloads of the few that become hits.
        """
        from qdrant_client import models as m

        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return [], []
            client, name = target
            flt = self._read_filter(tenant_id, kinds)
            requests, which = [], []
            if dense is not None:
                requests.append(m.QueryRequest(query=list(map(float, dense)), using=DENSE, filter=flt, limit=limit,
                                               with_payload=["tenant"]))
                which.append(DENSE)
            if sparse is not None and sparse.indices:
                requests.append(m.QueryRequest(query=m.SparseVector(indices=sparse.indices, values=sparse.values),
                                               using=SPARSE, filter=flt, limit=limit, with_payload=["tenant"]))
                which.append(SPARSE)
            responses = client.query_batch_points(name, requests=requests) if requests else []
        out: dict[str, list[Candidate]] = {DENSE: [], SPARSE: []}
        for kind, response in zip(which, responses, strict=True):
            out[kind] = [self._candidate(tenant_id, point) for point in response.points]
        return out[DENSE], out[SPARSE]

    def fetch(self, *, tenant_id: str, ids: Sequence[str], with_dense: bool = False) -> dict[str, Candidate]:
        """Full payloads (and dense vectors if asked) of ``ids``, each checked against ``tenant_id``."""
        if not ids:
            return {}
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return {}
            client, name = target
            records = client.retrieve(name, ids=list(ids), with_payload=True,
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
        """The exact BM25 score of the given points for ``sparse`` (0 for points that match no term)."""
        from qdrant_client import models as m

        if not ids or not sparse.indices:
            return {}
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return {}
            client, name = target
            base = self._read_filter(tenant_id, None)
            flt = m.Filter(must=[*((base.must or []) if base is not None else []), m.HasIdCondition(has_id=list(ids))])
            response = client.query_points(
                name, query=m.SparseVector(indices=sparse.indices, values=sparse.values), using=SPARSE,
                query_filter=flt, limit=len(ids), with_payload=["tenant"],
            )
        scores = {}
        for point in response.points:
            check_tenant(tenant_id, point.payload)
            scores[str(point.id)] = float(point.score)
        return scores

    def fused(
        self, *, tenant_id: str, dense: Sequence[float], sparse: SparseVec, limit: int, prefetch_limit: int,
        kinds: Sequence[str] | None = None, fusion: str = "rrf",
    ) -> list[Candidate]:
        """Qdrant's own hybrid query: prefetch dense and sparse, fuse with RRF or DBSF (Query API)."""
        from qdrant_client import models as m

        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return []
            client, name = target
            flt = self._read_filter(tenant_id, kinds)
            prefetch = [m.Prefetch(query=list(map(float, dense)), using=DENSE, filter=flt, limit=prefetch_limit)]
            if sparse.indices:
                prefetch.append(m.Prefetch(query=m.SparseVector(indices=sparse.indices, values=sparse.values),
                                           using=SPARSE, filter=flt, limit=prefetch_limit))
            how = m.Fusion.DBSF if fusion == "dbsf" else m.Fusion.RRF
            response = client.query_points(name, prefetch=prefetch, query=m.FusionQuery(fusion=how),
                                           query_filter=flt, limit=limit, with_payload=True)
        return [self._candidate(tenant_id, point) for point in response.points]

    # --- helpers -----------------------------------------------------------------------

    def _tenant_condition(self, tenant_id: str) -> Any:
        from qdrant_client import models as m

        return m.FieldCondition(key="tenant", match=m.MatchValue(value=tenant_id))

    def _filter(self, tenant_id: str, kinds: Sequence[str] | None) -> Any:
        from qdrant_client import models as m

        must: list[Any] = [self._tenant_condition(tenant_id)]
        if kinds:
            must.append(m.FieldCondition(key="kind", match=m.MatchAny(any=list(kinds))))
        return m.Filter(must=must)

    def _read_filter(self, tenant_id: str, kinds: Sequence[str] | None) -> Any:
        """The filter of search requests: the tenant (and kinds), see PerTenantStore for its exception."""
        return self._filter(tenant_id, kinds)

    @staticmethod
    def _candidate(tenant_id: str, point: Any) -> Candidate:
        check_tenant(tenant_id, point.payload)
        vectors = point.vector if isinstance(point.vector, dict) else {}
        dense = vectors.get(DENSE)
        sparse = vectors.get(SPARSE)
        return Candidate(
            id=str(point.id), score=float(point.score), payload=dict(point.payload),
            dense=list(dense) if dense is not None else None,
            sparse=SparseVec(list(sparse.indices), list(sparse.values)) if sparse is not None else None,
        )
