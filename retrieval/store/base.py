"""The index store's interface and what every layout shares: the tenant check of every point.

Two layouts implement ``IndexStore``:

- ``EdgeStore`` (``retrieval/store/embedded.py``, the default): one Qdrant
  Edge shard (the Rust Qdrant engine, in-process) in ``<data_dir>/index/``.
  The only module that imports the ``qdrant_edge`` binding.
- ``SharedStore`` (``retrieval/store/server.py``): qdrant-client against a
  Qdrant server or cluster (or its local mode, ``HANDOFF_QDRANT_LAYOUT=shared``).

Both keep the same collection schema (a dump moves between them): one
collection for every owner, a ``tenant`` keyword payload index marked
``is_tenant``, a ``dense`` cosine vector and a ``bm25`` sparse vector with the
IDF modifier. The tenant is a required keyword argument of every call, every
point written must carry the tenant it is written for, every query carries
the tenant filter, and every point read is checked against the requested
tenant: a mismatch raises ``TenantMismatch`` (it is never silently dropped).
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
TENANT = "tenant"
KINDS = ("runbook", "client-note", "kb", "ticket")
KEYWORD_INDEXES = ("kind", "source")  # besides ``tenant``, which is the is_tenant index
_OWNER = re.compile(r"^(_global|[a-z0-9][a-z0-9-]{0,63})$")
_POINT_NS = uuid.UUID("6f1c2a52-8d0e-4c1b-9a43-2b8f0e7d5a11")
SOURCE_FIELDS = ["tenant", "source", "source_hash", "source_chunks", "seq"]
# What a candidate query returns of each point's payload: the tenant (checked on every point) and what
# tells two windows of one section apart (``retriever.section_key``), so that sections are deduplicated
# before any full payload (text and all) is read; only the hits kept are fetched in full.
CANDIDATE_FIELDS = [TENANT, "kind", "doc_path", "anchor", "ticket_id"]


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


def is_owner(name: str) -> bool:
    return bool(_OWNER.match(name))


def check_tenant(requested: str, payload: dict[str, Any] | None, *, writing: bool = False) -> None:
    """The one check every point read (and written) passes: it belongs to the requested tenant.

    Retrieval's half of the tenant guard; the core's half is ``bot/tenancy/guard.py``."""
    found = (payload or {}).get(TENANT)
    if found != requested:
        if writing:
            raise TenantMismatch(f"refusing to write a point of tenant {found!r} into {requested!r}")
        raise TenantMismatch(f"index returned a point of tenant {found!r} for a query of tenant {requested!r}")


def check_writes(tenant_id: str, points: Sequence[PointIn]) -> None:
    """Every point written must carry the tenant it is written for."""
    require_owner(tenant_id)
    for point in points:
        check_tenant(tenant_id, point.payload, writing=True)


class SourceTally:
    """Builds ``IndexStore.source_state`` from the (checked) payloads of one owner's points."""

    def __init__(self, tenant_id: str):
        self.tenant_id = tenant_id
        self.seen: dict[str, tuple[str, int, set[int]]] = {}
        self.broken: set[str] = set()

    def add(self, payload: dict[str, Any] | None) -> None:
        check_tenant(self.tenant_id, payload)
        assert payload is not None
        source, digest = payload["source"], payload["source_hash"]
        if source in self.seen and self.seen[source][0] != digest:
            self.broken.add(source)
        entry = self.seen.setdefault(source, (digest, int(payload["source_chunks"]), set()))
        entry[2].add(int(payload["seq"]))

    def result(self) -> dict[str, str | None]:
        return {
            source: (digest if source not in self.broken and seqs == set(range(total)) else None)
            for source, (digest, total, seqs) in self.seen.items()
        }


class IndexStore(ABC):
    """The Qdrant side of the index. Every method takes the owner as ``tenant_id`` (keyword-only)."""

    layout = "abstract"

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # --- schema and owners -----------------------------------------------------------

    @abstractmethod
    def ensure(self, *, tenant_id: str, dim: int) -> bool:
        """Make the collection exist with ``dim``-sized dense vectors.

        Points built for another model size are useless: they are dropped
        (returns True when that happened) and the next index run rebuilds them.
        """

    @abstractmethod
    def dense_size(self, *, tenant_id: str) -> int | None:
        """The dense vector size the index was built for (None when there is no index yet)."""

    @abstractmethod
    def owners(self) -> list[str]:
        """The tenants (and ``_global``) that have points."""

    @abstractmethod
    def drop(self, *, tenant_id: str) -> None:
        """Remove every point of ``tenant_id``."""

    def drop_all(self) -> None:
        for owner in self.owners():
            self.drop(tenant_id=owner)

    @abstractmethod
    def close(self) -> None:
        """Release the engine (and the embedded shard's lock)."""

    def acquire(self, *, dim: int) -> None:  # noqa: B027 (a hook: only the embedded layout has an owner)
        """Become the owner of the index now (embedded: take the shard's lock, creating the shard with
        ``dim``-sized vectors if there is none), so a process that cannot own it fails before it starts
        serving or writing, not later. Raises ``IndexBusy`` when another process owns it."""

    def optimize(self) -> None:  # noqa: B027 (a hook: a Qdrant server optimizes in the background)
        """Let the engine index and merge what was written (after a bulk write). Searches work either
        way; an unoptimized embedded shard answers a first search of a client 10 to 40 times slower."""

    # --- writes ------------------------------------------------------------------------

    @abstractmethod
    def upsert(self, *, tenant_id: str, points: Sequence[PointIn]) -> None:
        """Write ``points`` (each checked to carry ``tenant_id``); searchable when this returns."""

    @abstractmethod
    def delete_sources(self, *, tenant_id: str, sources: Iterable[str]) -> None:
        """Delete every chunk of ``sources`` of ``tenant_id``."""

    # --- reads ---------------------------------------------------------------------------

    @abstractmethod
    def source_state(self, *, tenant_id: str) -> dict[str, str | None]:
        """source -> hash of what is indexed for it; None when its chunks are not all there.

        An incomplete source (an interrupted run, a changed source half
        rewritten) is reported with None, so the next run deletes and redoes it.
        """

    @abstractmethod
    def count(self, *, tenant_id: str) -> int:
        """How many points ``tenant_id`` has."""

    @abstractmethod
    def candidates(
        self, *, tenant_id: str, dense: Sequence[float] | Any | None, sparse: SparseVec | None, limit: int,
        kinds: Sequence[str] | None = None,
    ) -> tuple[list[Candidate], list[Candidate]]:
        """The dense and the BM25 top-``limit`` of one owner, in one batched request: ids and scores.

        BM25 scores use the IDF of the owner's own points. Candidates carry
        only their ``tenant`` (checked); ``fetch`` reads the payloads of the
        few that become hits.
        """

    @abstractmethod
    def fetch(self, *, tenant_id: str, ids: Sequence[str], with_dense: bool = False) -> dict[str, Candidate]:
        """Full payloads (and dense vectors if asked) of ``ids``, each checked against ``tenant_id``."""

    @abstractmethod
    def sparse_scores(self, *, tenant_id: str, sparse: SparseVec, ids: Sequence[str]) -> dict[str, float]:
        """The exact BM25 score of the given points for ``sparse`` (points without a query term left out)."""

    @abstractmethod
    def fused(
        self, *, tenant_id: str, dense: Sequence[float], sparse: SparseVec, limit: int, prefetch_limit: int,
        kinds: Sequence[str] | None = None, fusion: str = "rrf",
    ) -> list[Candidate]:
        """Qdrant's own hybrid query: prefetch dense and sparse, fuse with RRF or DBSF (Query API)."""
