"""The server layout: one collection for every tenant, partitioned by an ``is_tenant`` index.

Qdrant's multitenancy guidance for many tenants on a server or cluster: a
single collection, a keyword payload index on ``tenant`` marked ``is_tenant``
(so Qdrant co-locates each tenant's points), and HNSW built per tenant rather
than globally. Every query carries the tenant filter (``IndexStore`` builds
it), and every returned point is checked against the requested tenant.
"""

from __future__ import annotations

import warnings
from typing import Any

from retrieval.store.base import IndexStore, log, require_owner


class SharedStore(IndexStore):
    """One collection for every tenant, partitioned by an ``is_tenant`` payload index (server mode)."""

    layout = "shared"

    def __init__(self, client: Any, *, collection: str = "handoff_chunks"):
        super().__init__()
        self.client = client
        self.collection = collection
        self._dims: int | None = None

    def _collection_options(self) -> dict[str, Any]:
        from qdrant_client import models as m

        # Qdrant's multitenancy guide: no global HNSW graph, one per tenant.
        return {"hnsw_config": m.HnswConfigDiff(m=0, payload_m=16)}

    def _target(self, tenant_id: str, *, create: bool) -> tuple[Any, str] | None:
        if not self.client.collection_exists(self.collection):
            if not create:
                return None
            raise RuntimeError("no index collection yet: call ensure() first")
        return self.client, self.collection

    def ensure(self, *, tenant_id: str, dim: int) -> bool:
        require_owner(tenant_id)
        with self._lock:
            if not self.client.collection_exists(self.collection):
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
        from qdrant_client import models as m

        self._create_collection(self.client, self.collection, dim)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # embedded Qdrant says payload indexes have no effect there
            self.client.create_payload_index(
                self.collection, "tenant", field_schema=m.KeywordIndexParams(type=m.KeywordIndexType.KEYWORD,
                                                                           is_tenant=True))
            for key in ("kind", "source"):
                self.client.create_payload_index(self.collection, key, field_schema=m.PayloadSchemaType.KEYWORD)

    def owners(self) -> list[str]:
        if not self.client.collection_exists(self.collection):
            return []
        owners: set[str] = set()
        offset = None
        while True:
            points, offset = self.client.scroll(self.collection, limit=4096, offset=offset, with_payload=["tenant"])
            owners.update(str(p.payload.get("tenant")) for p in points)
            if offset is None:
                return sorted(owners)

    def drop(self, *, tenant_id: str) -> None:
        from qdrant_client import models as m

        with self._lock:
            if self.client.collection_exists(self.collection):
                self.client.delete(self.collection, points_selector=m.FilterSelector(
                    filter=self._filter(require_owner(tenant_id), None)), wait=True)

    def drop_all(self) -> None:
        with self._lock:
            if self.client.collection_exists(self.collection):
                self.client.delete_collection(self.collection)

    def close(self) -> None:
        self.client.close()


