"""Writes of PSA data: tickets and notes upserted by content hash, PSA state, sync cursors.

The same rules as the folder import (``bot.ingest.loader``): an unchanged
ticket is not written, a changed one replaces its row and notes, and a ticket
never moves between clients (a conflict is reported, not applied).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from bot.db.models import PsaSyncState, PsaTicketState, Ticket, TicketNote, utcnow
from bot.ingest.loader import _note_row, _ticket_row
from bot.ingest.records import TicketRecord

_CHUNK = 500


@dataclass
class UpsertResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # ids stored under another client

    def merge(self, other: UpsertResult) -> None:
        for name in ("added", "updated", "unchanged", "conflicts"):
            getattr(self, name).extend(getattr(other, name))


def upsert_tickets(session: Session, records: Sequence[TicketRecord]) -> UpsertResult:
    result = UpsertResult()
    latest: dict[str, TicketRecord] = {}
    for record in records:  # the same ticket twice in one batch: the later one wins
        latest[record.id] = record
    ids = list(latest)
    existing: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for tid, tenant, digest in session.exec(
            select(Ticket.id, Ticket.tenant_id, Ticket.content_hash).where(col(Ticket.id).in_(chunk))
        ):
            existing[tid] = (tenant, digest)
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    new_notes: list[dict[str, Any]] = []
    changed: list[str] = []
    for record in latest.values():
        stored = existing.get(record.id)
        if stored and stored[0] != record.tenant:
            result.conflicts.append(record.id)
            continue
        digest = record.content_hash()
        if stored and stored[1] == digest:
            result.unchanged.append(record.id)
            continue
        row = _ticket_row(record, digest, now)
        if stored is None:
            new_rows.append(row)
            result.added.append(record.id)
        else:
            session.execute(update(Ticket).where(col(Ticket.id) == record.id).values(**row))
            changed.append(record.id)
            result.updated.append(record.id)
        new_notes.extend(_note_row(record, seq, note) for seq, note in enumerate(record.notes))
    for start in range(0, len(changed), _CHUNK):
        session.execute(delete(TicketNote).where(col(TicketNote.ticket_id).in_(changed[start:start + _CHUNK])))
    if new_rows:
        session.execute(insert(Ticket), new_rows)
    if new_notes:
        session.execute(insert(TicketNote), new_notes)
    return result


# --- PSA ticket state ----------------------------------------------------------

def ticket_states(session: Session, connector: str, external_ids: Sequence[str]) -> dict[str, PsaTicketState]:
    out: dict[str, PsaTicketState] = {}
    ids = list(external_ids)
    for start in range(0, len(ids), _CHUNK):
        stmt = select(PsaTicketState).where(PsaTicketState.connector == connector,
                                            col(PsaTicketState.external_id).in_(ids[start:start + _CHUNK]))
        for state in session.exec(stmt):
            out[state.external_id] = state
    return out


# --- sync cursor -----------------------------------------------------------------

def sync_state(session: Session, connector: str) -> PsaSyncState:
    state = session.get(PsaSyncState, connector)
    if state is None:
        state = PsaSyncState(connector=connector, updated_at=utcnow())
        session.add(state)
        session.flush()
    return state


def start_run(session: Session, connector: str, since: datetime | None, full: bool) -> PsaSyncState:
    state = sync_state(session, connector)
    state.run_since, state.run_full, state.run_page, state.run_max_seen = since, full, 0, None
    state.updated_at = utcnow()
    return state


def page_done(session: Session, connector: str, page: int, max_seen: datetime | None) -> None:
    state = sync_state(session, connector)
    state.run_page = page
    if max_seen is not None and (state.run_max_seen is None or max_seen > state.run_max_seen):
        state.run_max_seen = max_seen
    state.updated_at = utcnow()


def finish_run(session: Session, connector: str) -> datetime | None:
    """Close the running sync: its newest ``lastUpdated`` becomes the watermark."""
    state = sync_state(session, connector)
    if state.run_max_seen is not None and (state.watermark is None or state.run_max_seen > state.watermark):
        state.watermark = state.run_max_seen
    state.run_since, state.run_full, state.run_page, state.run_max_seen = None, False, 0, None
    state.updated_at = utcnow()
    return state.watermark


def running(state: PsaSyncState) -> bool:
    return state.run_page > 0
