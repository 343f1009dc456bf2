"""From a PSA ticket to Handoff's ticket: which client, which status, which notes.

The client comes only from tenants.yaml ``psa:`` (the PSA's company identifier
per connector). A company that maps to no client is not guessed from names:
its tickets are stored nowhere and the company is logged once per process.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db.models import Tenant
from bot.ingest.records import NoteRecord, TicketRecord
from bot.psa.base import PsaTicket

log = logging.getLogger("handoff.psa")

_CLOSED = re.compile(r"clos|cancel", re.IGNORECASE)
_RESOLVED = re.compile(r"resolv|complete|done", re.IGNORECASE)
_NEW = re.compile(r"^\s*new\b", re.IGNORECASE)
_PRIORITY = re.compile(r"^\s*(?:priority\s*|p)(\d)\b", re.IGNORECASE)


def short_priority(name: str | None) -> str | None:
    """"Priority 1 - Critical" -> "P1", the form HANDOFF_RESPONSE_TARGETS uses; other names as they are."""
    if not name:
        return None
    match = _PRIORITY.match(name)
    return f"P{match.group(1)}" if match else name[:20]


class EscalationRule:
    """Board or status name matching ``pattern`` (case-insensitive), or the PSA's escalation flag."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._regex = re.compile(pattern, re.IGNORECASE)

    def matches(self, ticket: PsaTicket) -> bool:
        if ticket.closed:
            return False  # a closed ticket on a Tier 2 board is history, not an escalation
        if ticket.escalation_flag:
            return True
        return any(self._regex.search(name) for name in (ticket.board, ticket.status) if name)


class TenantMap:
    """PSA company identifier -> tenant id, for one connector; unmapped companies logged once."""

    def __init__(self, engine: Engine, connector: str) -> None:
        self.engine = engine
        self.connector = connector
        self._logged: set[str] = set()
        self._lock = threading.Lock()
        self.unmapped_seen: dict[str, int] = {}

    def lookup(self) -> dict[str, str]:
        with Session(self.engine) as session:
            out: dict[str, str] = {}
            for tenant_id, psa in session.exec(select(Tenant.id, Tenant.psa)):
                company = (psa or {}).get(self.connector)
                if company:
                    out[str(company).casefold()] = tenant_id
            return out

    def tenant_for(self, company: str, table: dict[str, str] | None = None) -> str | None:
        table = self.lookup() if table is None else table
        tenant = table.get(company.casefold()) if company else None
        if tenant is None:
            with self._lock:
                self.unmapped_seen[company] = self.unmapped_seen.get(company, 0) + 1
                first = company not in self._logged
                self._logged.add(company)
            if first:
                log.warning("%s company %r maps to no client (tenants.yaml psa.%s); its tickets are not stored",
                            self.connector, company, self.connector)
        return tenant


def handoff_status(ticket: PsaTicket, escalated: bool) -> str:
    status = ticket.status or ""
    if ticket.closed or _CLOSED.search(status):
        return "closed"
    if _RESOLVED.search(status):
        return "resolved"
    if escalated:
        return "escalated"
    if _NEW.search(status):
        return "new"
    return "in_progress"


def to_record(ticket: PsaTicket, tenant_id: str, *, escalated: bool,
              escalated_at: datetime | None = None) -> TicketRecord:
    """The import-format record of a PSA ticket (validated like any imported ticket).

    ``escalated``: the escalation rule matches now; ``escalated_at``: when the
    ticket last moved into such a state (kept after it moves on, for the metrics).
    """
    notes = [n for n in ticket.notes if n.text]
    # The first discussion note is the ticket's description in ConnectWise (the
    # "initial description" is not returned by GET); later ones are the conversation.
    first = None if ticket.description else next(
        (n for n in notes if n.kind in ("description", "discussion")), None)
    description = ticket.description or (first.text if first else None)
    body_notes = [n for n in notes if n is not first]
    status = handoff_status(ticket, escalated)
    return TicketRecord(
        id=ticket.id,
        tenant=tenant_id,
        title=ticket.summary[:500],
        status=status,  # type: ignore[arg-type]
        created_at=ticket.created_at,
        description=description,
        priority=short_priority(ticket.priority),
        category=(ticket.type or None) and ticket.type[:64],
        device=ticket.devices[0].name[:255] if ticket.devices else None,
        contact=(ticket.contact or None) and ticket.contact[:255],
        escalated_at=escalated_at,
        resolved_at=ticket.resolved_at if status in ("resolved", "closed") else None,
        url=ticket.url,
        notes=[NoteRecord(id=n.id, at=n.at, author=n.author, text=n.text,
                          visibility="customer" if n.customer_visible else "internal") for n in body_notes],
    )
