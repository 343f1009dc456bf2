"""The embedded layout: one Qdrant folder per owner (see ``retrieval.store`` for the interface).

``<data_dir>/qdrant/<owner>/`` holds one collection with that owner's points
only. Folders open on first use; at most ``max_open`` stay open (each holds
its points in memory), the least recently used closing first. Only one
process can open a folder.
"""

from __future__ import annotations

import shutil
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from retrieval.embed import SparseVec
from retrieval.sparse import Postings
from retrieval.store.base import (
    _OWNER,
    DENSE,
    SPARSE,
    Candidate,
    IndexBusy,
    IndexStore,
    check_tenant,
    log,
    require_owner,
)


class PerTenantStore(IndexStore):
    """One embedded Qdrant folder per owner under ``root`` (see module doc)."""

    layout = "per-tenant"
    COLLECTION = "chunks"

    def __init__(self, root: Path, *, max_open: int = 32):
        super().__init__()
        self.root = Path(root)
        self.max_open = max(1, max_open)
        self._open: OrderedDict[str, Any] = OrderedDict()
        self._postings: dict[str, Postings] = {}

    def _folder(self, tenant_id: str) -> Path:
        return self.root / require_owner(tenant_id)

    def _client(self, tenant_id: str, *, create: bool) -> Any | None:
        client = self._open.get(tenant_id)
        if client is not None:
            self._open.move_to_end(tenant_id)
            return client
        folder = self._folder(tenant_id)
        if not folder.is_dir():
            if not create:
                return None
            folder.mkdir(parents=True, exist_ok=True)
        from qdrant_client import QdrantClient

        try:
            client = QdrantClient(path=str(folder))
        except RuntimeError as exc:
            if "already accessed" in str(exc):
                raise IndexBusy(
                    f"the index in {self.root} is open in another Handoff process (embedded Qdrant allows one); "
                    "stop that process, or point all of them at a Qdrant server with HANDOFF_QDRANT_URL"
                ) from None
            raise
        try:
            self._verify_folder(tenant_id, client)
        except BaseException:
            client.close()
            raise
        self._open[tenant_id] = client
        while len(self._open) > self.max_open:
            evicted, oldest = self._open.popitem(last=False)
            self._postings.pop(evicted, None)
            oldest.close()
        return client

    def _verify_folder(self, tenant_id: str, client: Any) -> None:
        """Every point of a tenant's folder must be that tenant's: checked whenever the folder opens
        (while reading the sparse vectors for ``Postings``)."""
        self._postings.pop(tenant_id, None)
        if client.collection_exists(self.COLLECTION):
            self._postings[tenant_id] = self._read_postings(tenant_id, client)

    def _read_postings(self, tenant_id: str, client: Any) -> Postings:
        points: list[Any] = []
        offset = None
        while True:
            batch, offset = client.scroll(self.COLLECTION, limit=4096, offset=offset, with_payload=["tenant", "kind"],
                                          with_vectors=[SPARSE])
            for point in batch:
                check_tenant(tenant_id, point.payload)
            points.extend(batch)
            if offset is None:
                return Postings.from_points(points, SPARSE)

    def _postings_of(self, tenant_id: str, client: Any) -> Postings:
        postings = self._postings.get(tenant_id)
        if postings is None:
            postings = self._postings[tenant_id] = self._read_postings(tenant_id, client)
        return postings

    def _changed(self, tenant_id: str) -> None:
        self._postings.pop(tenant_id, None)

    def candidates(
        self, *, tenant_id: str, dense: Sequence[float] | Any | None, sparse: SparseVec | None, limit: int,
        kinds: Sequence[str] | None = None,
    ) -> tuple[list[Candidate], list[Candidate]]:
        """As ``IndexStore.candidates``; the BM25 list comes from ``Postings`` (same scores as Qdrant's)."""
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None:
                return [], []
            client, name = target
            dense_out: list[Candidate] = []
            if dense is not None:
                response = client.query_points(name, query=list(map(float, dense)), using=DENSE,
                                               query_filter=self._read_filter(tenant_id, kinds), limit=limit,
                                               with_payload=["tenant"])
                dense_out = [self._candidate(tenant_id, point) for point in response.points]
            sparse_out: list[Candidate] = []
            if sparse is not None and sparse.indices:
                # Postings were read from this folder with every point's tenant checked.
                sparse_out = [
                    Candidate(id=point, score=score, payload={"tenant": tenant_id})
                    for point, score in self._postings_of(tenant_id, client).search(sparse, limit=limit, kinds=kinds)
                ]
        return dense_out, sparse_out

    def sparse_scores(self, *, tenant_id: str, sparse: SparseVec, ids: Sequence[str]) -> dict[str, float]:
        with self._lock:
            target = self._target(require_owner(tenant_id), create=False)
            if target is None or not ids:
                return {}
            return self._postings_of(tenant_id, target[0]).scores_of(sparse, ids)

    def _read_filter(self, tenant_id: str, kinds: Sequence[str] | None) -> Any:
        """Search requests of the embedded layout carry no tenant condition: the folder is the tenant.

        Embedded Qdrant evaluates a filter in Python for every point of the
        collection (about 30 us a point: 15 ms per request on 500 chunks,
        which alone would break the latency budget), and here it could only
        ever match every point: a folder holds one tenant, every write is
        checked (``upsert``), every folder is checked when it opens
        (``_verify_folder``) and every point a search returns is checked
        (``check_tenant``). A foreign point in a folder therefore raises
        instead of being quietly filtered away. ``kinds`` still filters.
        """
        from qdrant_client import models as m

        if not kinds:
            return None
        return m.Filter(must=[m.FieldCondition(key="kind", match=m.MatchAny(any=list(kinds)))])

    def _target(self, tenant_id: str, *, create: bool) -> tuple[Any, str] | None:
        client = self._client(tenant_id, create=create)
        if client is None:
            return None
        if not client.collection_exists(self.COLLECTION):
            if not create:
                return None
            raise RuntimeError(f"no index collection for {tenant_id!r} yet: call ensure() first")
        return client, self.COLLECTION

    def ensure(self, *, tenant_id: str, dim: int) -> bool:
        with self._lock:
            client = self._client(require_owner(tenant_id), create=True)
            assert client is not None  # create=True always opens one
            if not client.collection_exists(self.COLLECTION):
                self._create_collection(client, self.COLLECTION, dim)
                return False
            size = self.dense_size(tenant_id=tenant_id)
            if size == dim:
                return False
            log.warning("index of %s was built for %s-dimensional vectors, now %s: rebuilding it", tenant_id, size, dim)
            self.drop(tenant_id=tenant_id)
            client = self._client(tenant_id, create=True)
            self._create_collection(client, self.COLLECTION, dim)
            return True

    def owners(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _OWNER.match(p.name))

    def drop(self, *, tenant_id: str) -> None:
        with self._lock:
            self._postings.pop(require_owner(tenant_id), None)
            client = self._open.pop(tenant_id, None)
            if client is not None:
                client.close()
            shutil.rmtree(self._folder(tenant_id), ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._postings.clear()
            while self._open:
                _, client = self._open.popitem()
                client.close()
