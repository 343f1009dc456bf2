"""Converting a v0.1 data directory: a qdrant-client folder per owner into the current store.

v0.1 kept ``<data_dir>/qdrant/<owner>/``, one qdrant-client local-mode folder
per client (and ``_global``) with one collection, ``chunks``. The points, their
vectors and payloads are copied as they are (nothing is embedded again; the
ids are deterministic, so an interrupted run simply starts over), every point
is checked to belong to the folder's owner, and the old folder is then renamed
to ``qdrant.v0.1-migrated`` (kept, not deleted: remove it once satisfied).
Runs when the embedded store is first built (``build_store``), so the first
``handoff serve`` or ``handoff reindex`` after an upgrade converts, with a
progress bar on a terminal.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from retrieval.embed import SparseVec
from retrieval.store.base import DENSE, SPARSE, IndexBusy, IndexStore, PointIn, check_tenant, is_owner

log = logging.getLogger(__name__)

V01_COLLECTION = "chunks"
MIGRATED_SUFFIX = ".v0.1-migrated"
BATCH = 1024


def v01_owners(root: Path) -> list[str]:
    """The owners that have a v0.1 folder under ``root`` (nothing when there is no v0.1 index)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and is_owner(p.name))


def migrate_v01(root: Path, store: IndexStore, *, progress: bool | None = None) -> int:
    """Copy every point of the v0.1 folders under ``root`` into ``store``; returns how many were copied."""
    owners = v01_owners(root)
    if not owners:
        return 0
    from qdrant_client import QdrantClient
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    copied = 0
    log.warning("converting the v0.1 index in %s (%d owners) into %s", root, len(owners), getattr(store, "path", store))
    with tqdm(total=0, unit="chunk", desc="migrating the v0.1 index", file=sys.stderr, disable=not show,
              dynamic_ncols=True) as bar:
        for owner in owners:
            try:
                client = QdrantClient(path=str(root / owner))
            except RuntimeError as exc:
                if "already accessed" in str(exc):
                    raise IndexBusy(f"the v0.1 index in {root} is open in another process (a v0.1 Handoff still "
                                    "running?): stop it, then start again to convert it") from None
                raise
            try:
                copied += _copy_owner(client, owner, store, bar)
            finally:
                client.close()
    store.optimize()
    target = root.with_name(root.name + MIGRATED_SUFFIX)
    root.rename(target)
    log.warning("converted %d chunks; the v0.1 index is kept in %s (delete it when satisfied)", copied, target)
    return copied


def _copy_owner(client: Any, owner: str, store: IndexStore, bar: Any) -> int:
    if not client.collection_exists(V01_COLLECTION):
        return 0
    vectors = client.get_collection(V01_COLLECTION).config.params.vectors
    store.ensure(tenant_id=owner, dim=int(vectors[DENSE].size))
    bar.total += int(client.count(V01_COLLECTION, exact=True).count)
    bar.refresh()
    copied, offset = 0, None
    while True:
        records, offset = client.scroll(V01_COLLECTION, limit=BATCH, offset=offset, with_payload=True,
                                        with_vectors=True)
        points = []
        for record in records:
            check_tenant(owner, record.payload)  # a foreign point in a v0.1 folder is not carried over silently
            sparse = record.vector[SPARSE]
            points.append(PointIn(id=str(record.id), dense=record.vector[DENSE],
                                  sparse=SparseVec(list(sparse.indices), list(sparse.values)),
                                  payload=dict(record.payload)))
        store.upsert(tenant_id=owner, points=points)
        copied += len(points)
        bar.update(len(points))
        if offset is None:
            return copied
