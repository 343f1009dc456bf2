"""Qdrant: collections, upserts and candidate search, tenant by tenant.

``base`` holds the interface (``IndexStore``) and the tenant check every point
read passes (``check_tenant``); ``embedded`` is the default, one Qdrant Edge
shard in the data directory; ``server`` is qdrant-client against a Qdrant
server or cluster. ``migrate`` converts a v0.1 data directory (a qdrant-client
folder per owner). Nothing here imports back up from a layout to this package.
"""

from typing import TYPE_CHECKING, Any

from retrieval.store.base import (
    DENSE,
    KINDS,
    SPARSE,
    Candidate,
    IndexBusy,
    IndexStore,
    PointIn,
    check_tenant,
    point_id,
    require_owner,
)

if TYPE_CHECKING:
    from retrieval.store.embedded import EdgeStore
    from retrieval.store.server import SharedStore


def __getattr__(name: str) -> Any:
    # The layouts import their engines (qdrant_edge, qdrant_client) at import
    # time; loading them only when a layout is used keeps CLI start-up light.
    if name == "EdgeStore":
        from retrieval.store.embedded import EdgeStore

        return EdgeStore
    if name == "SharedStore":
        from retrieval.store.server import SharedStore

        return SharedStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["IndexStore", "EdgeStore", "SharedStore", "PointIn", "Candidate", "IndexBusy", "check_tenant",
           "point_id", "require_owner", "DENSE", "SPARSE", "KINDS"]
