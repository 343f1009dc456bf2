"""``handoff ingest DIR``: a dataset folder into the store.

Each file is applied in its own transaction and only if it has no errors at
all, so a bad line rejects its file and nothing else. Records are compared by
content hash: an unchanged record is not written, a changed one is updated in
place, and ingesting the same folder twice changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.db.engine import session_scope
from bot.db.models import GLOBAL_TENANT, Doc, Tenant, Ticket, TicketNote, utcnow
from bot.errors import BadInput
from bot.ingest.alert_store import store_alerts
from bot.ingest.dataset import IngestError, ParsedFile, read_alertmanager, read_docs, read_jsonl, read_tenants
from bot.ingest.global_docs import global_doc_warnings
from bot.ingest.note_topology import apply_note_topologies
from bot.ingest.records import AlertRecord, DocRecord, TenantRecord, TicketRecord, as_utc

_CHUNK = 500  # keys per IN (...) query; far below every backend's parameter limit


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0


@dataclass
class IngestSummary:
    counts: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[IngestError] = field(default_factory=list)
    rejected_files: list[str] = field(default_factory=list)
    # What changed, for the retrieval index: (tenant, key) pairs.
    changed_docs: set[tuple[str, str]] = field(default_factory=set)
    deleted_docs: set[tuple[str, str]] = field(default_factory=set)
    changed_tickets: set[tuple[str, str]] = field(default_factory=set)
    changed_alert_tenants: set[str] = field(default_factory=set)
    classified: int = 0  # alerts triage assigned to signals after the import
    # Imported anyway, but worth a look: shared runbooks naming one client's devices (bot/ingest/global_docs.py),
    # topology in client notes that conflicts or does not hold together (bot/ingest/note_topology.py).
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": {kind: vars(c) for kind, c in sorted(self.counts.items())},
            "rejected_files": self.rejected_files,
            "alerts_classified": self.classified,
            "errors": [str(e) for e in self.errors],
            "warnings": self.warnings,
        }


def ingest_folder(
    root: Path,
    *,
    engine: Engine,
    on_changed: Callable[[IngestSummary], None] | None = None,
) -> IngestSummary:
    """Apply every valid file of ``root``; report the rest. See the module doc."""
    root = Path(root)
    if not root.is_dir():
        raise BadInput(f"{root}: not a folder (expected a dataset folder with tenants.yaml, tickets.jsonl, ...)")
    summary = IngestSummary()
    tenants_file = read_tenants(root)
    tickets_file = read_jsonl(root, "tickets.jsonl", TicketRecord, "tickets")
    alerts_file = read_jsonl(root, "alerts.jsonl", AlertRecord, "alerts")
    alertmanager_files = read_alertmanager(root)
    doc_owners, doc_files = read_docs(root)
    if not any([tenants_file, tickets_file, alerts_file, alertmanager_files, doc_files]):
        raise BadInput(f"{root}: no tenants.yaml, tickets.jsonl, alerts.jsonl, alertmanager/ or docs/ found")

    if tenants_file:
        _apply(tenants_file, engine, summary, _apply_tenants)
    with Session(engine) as session:
        known = set(session.exec(select(Tenant.id)))
    if tickets_file:
        _check_tenants(tickets_file, known)
        _apply(tickets_file, engine, summary, _apply_tickets)
    for alert_file in [f for f in [alerts_file, *alertmanager_files] if f]:
        _check_tenants(alert_file, known)
        _apply(alert_file, engine, summary, _apply_alerts)
    for doc_file in doc_files:
        if doc_file.tenant != GLOBAL_TENANT and doc_file.tenant not in known:
            doc_file.error(None, "(folder)", f"docs/{doc_file.tenant}: no tenant {doc_file.tenant!r} in tenants.yaml or the store")
        _apply(doc_file, engine, summary, _apply_doc)
    _delete_missing_docs(doc_owners, doc_files, engine, summary)
    with session_scope(engine) as session:  # before classifying: the alerts just imported use it
        topology_warnings = apply_note_topologies(session)
    _classify_new_alerts(engine, summary)
    with Session(engine) as session:
        summary.warnings = topology_warnings + global_doc_warnings(session)
    if on_changed is not None:
        on_changed(summary)
    return summary


def _check_tenants(parsed: ParsedFile[Any], known: set[str]) -> None:
    for line, record in parsed.records:
        if record.tenant not in known:
            parsed.error(line or None, "tenant", f"unknown tenant {record.tenant!r} (not in tenants.yaml or the store)")


def _apply(parsed: ParsedFile[Any], engine: Engine, summary: IngestSummary, apply: Callable[..., None]) -> None:
    counts = summary.counts[parsed.kind]
    if not parsed.errors:
        try:
            with session_scope(engine) as session:
                apply(parsed, session, summary, counts)
        except _Reject:
            pass
    if parsed.errors:
        summary.errors.extend(parsed.errors)
        summary.rejected_files.append(parsed.name)
        counts.rejected += max(len(parsed.records), 1)


class _Reject(Exception):
    """Raised inside a file's transaction to roll it back after recording errors."""


# --- tenants -----------------------------------------------------------------

def _apply_tenants(parsed: ParsedFile[TenantRecord], session: Session, summary: IngestSummary, counts: Counts) -> None:
    existing = {t.id: t for t in session.exec(select(Tenant))}
    now = utcnow()
    for _, record in parsed.records:
        digest = record.content_hash()
        values: dict[str, Any] = {
            "name": record.name,
            "aliases": record.aliases,
            "slack_channels": record.channels.slack,
            "teams_channels": record.channels.teams,
            "psa": record.psa.as_dict(),
            "topology": record.topology() if record.sites or record.depends_on else None,
            "content_hash": digest,
            "updated_at": now,
        }
        current = existing.get(record.id)
        if current is None:
            session.add(Tenant(id=record.id, created_at=now, **values))
            counts.added += 1
        elif current.content_hash != digest:
            for key, value in values.items():
                setattr(current, key, value)
            counts.updated += 1
        else:
            counts.unchanged += 1


# --- tickets -----------------------------------------------------------------

def _apply_tickets(parsed: ParsedFile[TicketRecord], session: Session, summary: IngestSummary, counts: Counts) -> None:
    ids = [record.id for _, record in parsed.records]
    existing: dict[str, tuple[str, str]] = {}
    for chunk in _chunks(ids):
        for tid, tenant, digest in session.exec(
            select(Ticket.id, Ticket.tenant_id, Ticket.content_hash).where(col(Ticket.id).in_(chunk))
        ):
            existing[tid] = (tenant, digest)
    for line, record in parsed.records:
        stored = existing.get(record.id)
        if stored and stored[0] != record.tenant:
            parsed.error(line, "tenant", f"ticket {record.id} is already stored under another client; tickets never move between clients")
    if parsed.errors:
        raise _Reject

    now = utcnow()
    new_rows, new_notes, changed = [], [], []
    for _, record in parsed.records:
        digest = record.content_hash()
        stored = existing.get(record.id)
        if stored and stored[1] == digest:
            counts.unchanged += 1
            continue
        row = _ticket_row(record, digest, now)
        notes = [_note_row(record, seq, note) for seq, note in enumerate(record.notes)]
        if stored is None:
            new_rows.append(row)
            counts.added += 1
        else:
            changed.append(record.id)
            session.execute(update(Ticket).where(col(Ticket.id) == record.id).values(**row))
            counts.updated += 1
        new_notes.extend(notes)
        summary.changed_tickets.add((record.tenant, record.id))
    for chunk in _chunks(changed):
        session.execute(delete(TicketNote).where(col(TicketNote.ticket_id).in_(chunk)))
    if new_rows:
        session.execute(insert(Ticket), new_rows)
    if new_notes:
        session.execute(insert(TicketNote), new_notes)


def _ticket_row(record: TicketRecord, digest: str, now: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "tenant_id": record.tenant,
        "title": record.title,
        "description": record.description,
        "status": record.status,
        "priority": record.priority,
        "category": record.category,
        "device": record.device,
        "contact": record.contact,
        "created_at": as_utc(record.created_at),
        "escalated_at": as_utc(record.escalated_at),
        "resolved_at": as_utc(record.resolved_at),
        "reopened_count": record.reopened_count,
        "url": record.url,
        "content_hash": digest,
        "updated_at": now,
    }


def _note_row(ticket: TicketRecord, seq: int, note: Any) -> dict[str, Any]:
    return {
        "tenant_id": ticket.tenant,
        "ticket_id": ticket.id,
        "note_id": note.id,
        "seq": seq,
        "at": as_utc(note.at),
        "author": note.author,
        "visibility": note.visibility,
        "text": note.text,
    }


# --- alerts ------------------------------------------------------------------

def _apply_alerts(parsed: ParsedFile[AlertRecord], session: Session, summary: IngestSummary, counts: Counts) -> None:
    records = [record for _, record in parsed.records]
    new_pks, updated, unchanged, conflicts = store_alerts(records, session=session)
    if conflicts:
        lines = {(r.source, r.id): line for line, r in parsed.records}
        for key in conflicts:
            source, _, ext = key.partition("/")
            parsed.error(lines.get((source, ext)) or None, "tenant", f"alert {key} is already stored under another client")
        raise _Reject
    counts.added += len(new_pks)
    counts.updated += len(updated)
    counts.unchanged += unchanged
    if new_pks or updated:
        summary.changed_alert_tenants.update(r.tenant for r in records)


def _classify_new_alerts(engine: Engine, summary: IngestSummary) -> None:
    """Triage imported alerts right away, as the webhooks do, so that signals and
    time-to-classify exist for them and packets don't classify on the read path."""
    from bot.alerts.signals import classify_pending

    for tenant_id in sorted(summary.changed_alert_tenants):
        with session_scope(engine) as session:
            summary.classified += classify_pending(session=session, tenant_id=tenant_id)


# --- documents ---------------------------------------------------------------

def _apply_doc(parsed: ParsedFile[DocRecord], session: Session, summary: IngestSummary, counts: Counts) -> None:
    for _, record in parsed.records:
        digest = record.content_hash()
        current = session.exec(select(Doc).where(Doc.tenant_id == record.tenant, Doc.path == record.path)).first()
        values: dict[str, Any] = {
            "title": record.title,
            "kind": record.kind,
            "url": record.url,
            "tags": record.tags,
            "devices": record.devices,
            "meta": record.meta,
            "body": record.body,
            "content_hash": digest,
            "updated_at": utcnow(),
        }
        if current is None:
            session.add(Doc(tenant_id=record.tenant, path=record.path, **values))
            counts.added += 1
        elif current.content_hash != digest:
            for key, value in values.items():
                setattr(current, key, value)
            counts.updated += 1
        else:
            counts.unchanged += 1
            continue
        summary.changed_docs.add((record.tenant, record.path))


def _delete_missing_docs(
    owners: Iterable[str], files: list[ParsedFile[DocRecord]], engine: Engine, summary: IngestSummary
) -> None:
    """A document removed from a tenant's folder is removed from the store.

    Only for tenant folders present in this import (a folder that is absent is
    not a deletion), and never for a document whose file was rejected: a typo
    must not delete knowledge.
    """
    present: dict[str, set[str]] = defaultdict(set)
    for parsed in files:
        if parsed.tenant is not None:
            present[parsed.tenant].add(parsed.name.split("/", 2)[2] if parsed.name.count("/") >= 2 else "")
    with session_scope(engine) as session:
        for owner in owners:
            for doc in session.exec(select(Doc).where(Doc.tenant_id == owner)):
                if doc.path not in present[owner]:
                    session.delete(doc)
                    summary.counts["docs"].deleted += 1
                    summary.deleted_docs.add((owner, doc.path))


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
