"""Tenant-scoped reads and writes.

Every function that returns tickets, notes, alerts or documents takes
``tenant_id`` as a keyword-only argument and filters by it in SQL. The one
exception is ``find_ticket``: PSA ticket numbers are MSP-wide, so a lookup by
number is how a request learns which tenant it concerns; the ticket it returns
carries its ``tenant_id`` for the caller's policy check.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.db.models import GLOBAL_TENANT, Alert, Doc, Tenant, Ticket, TicketNote
from bot.errors import NotFound


def require_tenant_id(tenant_id: str) -> str:
    """Every tenant-scoped query starts here: a missing tenant is a bug, not "all tenants"."""
    if not tenant_id or not isinstance(tenant_id, str):
        raise ValueError("tenant_id is required")
    return tenant_id


# --- tenants -----------------------------------------------------------------

def list_tenants(*, session: Session) -> list[Tenant]:
    return list(session.exec(select(Tenant).order_by(Tenant.id)))


def get_tenant(*, session: Session, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, require_tenant_id(tenant_id))
    if tenant is None:
        raise NotFound(f"no client with id {tenant_id!r}")
    return tenant


def tenant_for_channel(*, session: Session, platform: str, channel_id: str) -> Tenant | None:
    """The client a chat channel belongs to (tenants.yaml ``channels``), if any."""
    for tenant in session.exec(select(Tenant)):
        channels = tenant.slack_channels if platform == "slack" else tenant.teams_channels
        if channel_id in (channels or []):
            return tenant
    return None


def resolve_tenant_name(*, session: Session, name: str) -> Tenant | None:
    """A client by id, name or alias, case-insensitively (for ``ask <client> ...``)."""
    wanted = name.strip().casefold()
    for tenant in list_tenants(session=session):
        names = [tenant.id, tenant.name, *tenant.aliases]
        if any(n.casefold() == wanted for n in names):
            return tenant
    return None


def split_client_name(*, session: Session, text: str, max_words: int = 6) -> tuple[Tenant | None, str]:
    """``(client, rest)`` for text that starts with a client's id, name or alias: the longest such
    prefix wins ("Acme Dental Group what is ..." is Acme Dental Group, not Acme), punctuation after
    the name ("acme: ...") ignored. ``(None, text)`` when no prefix names a client."""
    words = text.split()
    names = {n.casefold(): tenant for tenant in list_tenants(session=session)
             for n in (tenant.id, tenant.name, *tenant.aliases)}
    for n in range(min(max_words, len(words) - 1), 0, -1):
        candidate = " ".join(words[:n]).rstrip(":,;").casefold()
        if candidate in names:
            return names[candidate], " ".join(words[n:])
    return None, text


# --- tickets and notes ---------------------------------------------------------

def find_ticket(*, session: Session, ticket_id: str) -> Ticket:
    """The ticket with this MSP-wide number, whatever its tenant (see module doc)."""
    ticket = session.get(Ticket, str(ticket_id))
    if ticket is None:
        raise NotFound(f"no ticket #{ticket_id}")
    return ticket


def get_ticket(*, session: Session, tenant_id: str, ticket_id: str) -> Ticket:
    ticket = session.exec(
        select(Ticket).where(Ticket.tenant_id == require_tenant_id(tenant_id), Ticket.id == str(ticket_id))
    ).first()
    if ticket is None:
        raise NotFound(f"no ticket #{ticket_id} for this client")
    return ticket


def list_tickets(
    *,
    session: Session,
    tenant_id: str,
    status: str | Sequence[str] | None = None,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[Ticket]:
    stmt = select(Ticket).where(Ticket.tenant_id == require_tenant_id(tenant_id))
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        stmt = stmt.where(col(Ticket.status).in_(statuses))
    if category:
        stmt = stmt.where(Ticket.category == category)
    if since:
        stmt = stmt.where(Ticket.created_at >= since)
    if until:
        stmt = stmt.where(Ticket.created_at < until)
    stmt = stmt.order_by(col(Ticket.created_at).desc(), Ticket.id)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt))


def list_notes(*, session: Session, tenant_id: str, ticket_id: str) -> list[TicketNote]:
    stmt = (
        select(TicketNote)
        .where(TicketNote.tenant_id == require_tenant_id(tenant_id), TicketNote.ticket_id == str(ticket_id))
        .order_by(col(TicketNote.seq))
    )
    return list(session.exec(stmt))


def notes_for_tickets(*, session: Session, tenant_id: str, ticket_ids: Sequence[str]) -> dict[str, list[TicketNote]]:
    """Notes of many tickets of one tenant in one query, keyed by ticket id."""
    out: dict[str, list[TicketNote]] = {tid: [] for tid in ticket_ids}
    if not ticket_ids:
        return out
    stmt = (
        select(TicketNote)
        .where(TicketNote.tenant_id == require_tenant_id(tenant_id), col(TicketNote.ticket_id).in_(list(ticket_ids)))
        .order_by(col(TicketNote.ticket_id), col(TicketNote.seq))
    )
    for note in session.exec(stmt):
        out.setdefault(note.ticket_id, []).append(note)
    return out


# --- alerts --------------------------------------------------------------------

def list_alerts(
    *,
    session: Session,
    tenant_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    device: str | None = None,
    limit: int | None = None,
) -> list[Alert]:
    stmt = select(Alert).where(Alert.tenant_id == require_tenant_id(tenant_id))
    if since:
        stmt = stmt.where(Alert.at >= since)
    if until:
        stmt = stmt.where(Alert.at < until)
    if device:
        stmt = stmt.where(Alert.device == device)
    stmt = stmt.order_by(col(Alert.at), col(Alert.pk))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt))


def get_alerts(*, session: Session, tenant_id: str, pks: Sequence[int]) -> list[Alert]:
    if not pks:
        return []
    stmt = select(Alert).where(Alert.tenant_id == require_tenant_id(tenant_id), col(Alert.pk).in_(list(pks))).order_by(col(Alert.at))
    return list(session.exec(stmt))


# --- documents -----------------------------------------------------------------

def list_docs(*, session: Session, tenant_id: str) -> list[Doc]:
    """One owner's documents: a client's, or ``_global`` for the shared ones."""
    stmt = select(Doc).where(Doc.tenant_id == require_tenant_id(tenant_id)).order_by(Doc.path)
    return list(session.exec(stmt))


def get_doc(*, session: Session, tenant_id: str, path: str) -> Doc:
    doc = session.exec(select(Doc).where(Doc.tenant_id == require_tenant_id(tenant_id), Doc.path == path)).first()
    if doc is None:
        raise NotFound(f"no document {path!r} for this client")
    return doc


def knowledge_owners(tenant_id: str) -> tuple[str, str]:
    """Whose documents a client may read: its own and the shared ``_global`` ones."""
    return (require_tenant_id(tenant_id), GLOBAL_TENANT)
