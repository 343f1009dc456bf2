"""Qdrant: collections, upserts and candidate search, tenant by tenant.

``base`` holds the interface (``IndexStore``) and the tenant check every point
read passes (``check_tenant``); ``embedded`` is the default layout in the data
directory, ``server`` the one for a Qdrant server or cluster. Nothing here
imports back up from a layout to this package.
"""

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
from retrieval.store.embedded import PerTenantStore
from retrieval.store.server import SharedStore

__all__ = ["IndexStore", "PerTenantStore", "SharedStore", "PointIn", "Candidate", "IndexBusy", "check_tenant",
           "point_id", "require_owner", "DENSE", "SPARSE", "KINDS"]
