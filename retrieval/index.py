"""Incremental indexing: the store's documents and past tickets into the index.

Every indexed chunk carries the hash of the source it came from (the record's
content hash, the chunker version and the embedding model). A run compares,
owner by owner, the sources the SQL store has with the hashes the index has:

- a source that is new, or whose hash changed, is chunked, embedded and
  written (its old chunks deleted first);
- a source the store no longer has (a deleted document, a ticket reopened
  out of ``resolved``) is deleted from the index;
- everything else is left alone, so a second run with nothing changed embeds
  nothing.

A source whose chunks are not all present (an interrupted run) does not count
as indexed and is redone. ``rebuild`` drops the index first.

Knowledge indexed: every document of a client or ``_global``; for clients,
the tickets with status ``resolved`` or ``closed`` (their notes say how a
problem was fixed).
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from bot.db import store as sql
from bot.db.engine import session_scope
from bot.db.models import GLOBAL_TENANT
from retrieval.chunk import CHUNKER_VERSION, TICKET_KINDS_INDEXED, Chunk, doc_chunks, ticket_chunks
from retrieval.embed import Embedder
from retrieval.store import IndexStore, PointIn, point_id

log = logging.getLogger(__name__)


# Chunks written by one sync from which the store is asked to optimize (index and merge segments) at its end.
# Edge's optimize holds the interpreter while it runs (0.9 s for 80,000 small points, 20 s for 50,000 chunks),
# so a serving process that indexes a few changed documents must not trigger it; a bulk ingest or reindex does.
OPTIMIZE_FROM = 1000


@dataclass
class IndexReport:
    owners: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks: int = 0
    seconds: float = 0.0
    rebuilt: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "owners": self.owners, "sources_added": self.added, "sources_updated": self.updated,
            "sources_deleted": self.deleted, "sources_unchanged": self.unchanged,
            "chunks_indexed": self.chunks, "seconds": round(self.seconds, 3), "rebuilt": self.rebuilt,
        }

    def __str__(self) -> str:
        return (f"index: {self.added} added, {self.updated} updated, {self.deleted} deleted, "
                f"{self.unchanged} unchanged sources; {self.chunks} chunks embedded in {self.seconds:.1f}s")


@dataclass
class _Pending:
    owner: str
    source: str
    digest: str
    chunks: list[Chunk]


def source_hash(*, content_hash: str, model_id: str) -> str:
    return hashlib.sha256(f"{CHUNKER_VERSION}\x00{model_id}\x00{content_hash}".encode()).hexdigest()


class Indexer:
    def __init__(self, *, embedder: Embedder, store: IndexStore, engine: Engine):
        self.embedder = embedder
        self.store = store
        self.engine = engine

    def sync(self, *, tenants: Iterable[str] | None = None, progress: bool | None = None) -> IndexReport:
        """Bring the index in line with the store for ``tenants`` (default: every owner)."""
        started = time.perf_counter()
        report = IndexReport()
        owners = self._owners(tenants)
        report.owners = len(owners)
        pending: list[_Pending] = []
        for owner in owners:
            pending.extend(self._plan(owner, report))
        total = sum(len(p.chunks) for p in pending)
        self._write(pending, total, progress)
        if total >= OPTIMIZE_FROM:
            self.store.optimize()
        report.chunks = total
        report.seconds = time.perf_counter() - started
        log.info("%s", report)
        return report

    def rebuild(self, *, tenants: Iterable[str] | None = None, progress: bool | None = None) -> IndexReport:
        """Drop the index (of ``tenants``, default all) and index everything again."""
        if tenants is None:
            self.store.drop_all()
        else:
            for owner in tenants:
                self.store.drop(tenant_id=owner)
        report = self.sync(tenants=tenants, progress=progress)
        report.rebuilt = sorted(self._owners(tenants))
        return report

    # --- planning ---------------------------------------------------------------------

    def _owners(self, tenants: Iterable[str] | None) -> list[str]:
        if tenants is not None:
            return sorted(set(tenants))
        with session_scope(self.engine) as session:
            known = {t.id for t in sql.list_tenants(session=session)}
        # Owners only the index knows (e.g. after the database was reset) are
        # synced too: the store has nothing for them, so their points go.
        return sorted(known | {GLOBAL_TENANT} | set(self.store.owners()))

    def _expected(self, owner: str) -> dict[str, tuple[str, Any]]:
        """source -> (hash, the Doc or Ticket row) for everything the store holds for ``owner``."""
        model_id = self.embedder.model_id
        expected: dict[str, tuple[str, Any]] = {}
        with session_scope(self.engine) as session:
            for doc in sql.list_docs(session=session, tenant_id=owner):
                expected[f"doc:{doc.path}"] = (source_hash(content_hash=doc.content_hash, model_id=model_id), doc)
            if owner != GLOBAL_TENANT:
                for ticket in sql.list_tickets(session=session, tenant_id=owner, status=list(TICKET_KINDS_INDEXED)):
                    expected[f"ticket:{ticket.id}"] = (
                        source_hash(content_hash=ticket.content_hash, model_id=model_id), ticket)
        return expected

    def _plan(self, owner: str, report: IndexReport) -> list[_Pending]:
        expected = self._expected(owner)
        if expected and self.store.ensure(tenant_id=owner, dim=self.embedder.dim):
            report.rebuilt.append(owner)
        indexed = self.store.source_state(tenant_id=owner)
        # Gone, changed, or left incomplete by an interrupted run: delete first.
        stale = [s for s, digest in indexed.items() if s not in expected or digest != expected[s][0]]
        self.store.delete_sources(tenant_id=owner, sources=stale)
        report.deleted += sum(1 for s in stale if s not in expected)
        todo = []
        for source, (digest, row) in expected.items():
            if indexed.get(source) == digest:
                report.unchanged += 1
                continue
            if source in indexed:
                report.updated += 1
            else:
                report.added += 1
            todo.append((source, digest, row))
        ticket_ids = [row.id for source, _, row in todo if source.startswith("ticket:")]
        notes: dict[str, list[Any]] = {}
        if ticket_ids:
            with session_scope(self.engine) as session:
                notes = sql.notes_for_tickets(session=session, tenant_id=owner, ticket_ids=ticket_ids)
        pending = []
        for source, digest, row in todo:
            if source.startswith("ticket:"):
                chunks = ticket_chunks(
                    tenant=owner, ticket_id=row.id, title=row.title, description=row.description,
                    device=row.device, category=row.category, url=row.url,
                    notes=[n.text for n in notes.get(row.id, [])],
                )
            else:
                chunks = doc_chunks(tenant=owner, path=row.path, title=row.title, kind=row.kind, url=row.url,
                                    body=row.body, devices=list(row.devices))
            pending.append(_Pending(owner, source, digest, chunks))
        return pending

    # --- writing ------------------------------------------------------------------------

    def _write(self, pending: Sequence[_Pending], total: int, progress: bool | None) -> None:
        if not total:
            return
        from tqdm import tqdm

        show = sys.stderr.isatty() if progress is None else progress
        group = max(self.embedder.batch_size * 4, 64)
        with tqdm(total=total, unit="chunk", desc="indexing", file=sys.stderr, disable=not show,
                  dynamic_ncols=True) as bar:
            buffer: list[tuple[_Pending, Chunk]] = []
            for item in pending:
                for chunk in item.chunks:
                    buffer.append((item, chunk))
                    if len(buffer) >= group:
                        self._flush(buffer)
                        bar.update(len(buffer))
                        buffer = []
            if buffer:
                self._flush(buffer)
                bar.update(len(buffer))

    def _flush(self, buffer: Sequence[tuple[_Pending, Chunk]]) -> None:
        texts = [chunk.embed_text for _, chunk in buffer]
        dense = self.embedder.dense(texts)
        sparse = self.embedder.sparse(texts)
        by_owner: dict[str, list[PointIn]] = {}
        for (item, chunk), vector, sparse_vec in zip(buffer, dense, sparse, strict=True):
            by_owner.setdefault(item.owner, []).append(PointIn(
                id=point_id(item.owner, item.source, chunk.seq), dense=vector, sparse=sparse_vec,
                payload=_payload(chunk, item.digest, len(item.chunks)),
            ))
        for owner, points in by_owner.items():
            self.store.upsert(tenant_id=owner, points=points)


def _payload(chunk: Chunk, digest: str, total: int) -> dict[str, Any]:
    return {
        "tenant": chunk.tenant, "kind": chunk.kind, "source": chunk.source, "source_hash": digest,
        "source_chunks": total, "seq": chunk.seq, "title": chunk.title, "heading_path": list(chunk.heading_path),
        "anchor": chunk.anchor, "url": chunk.url, "text": chunk.text, "doc_path": chunk.doc_path,
        "ticket_id": chunk.ticket_id, "devices": list(chunk.devices),
    }
