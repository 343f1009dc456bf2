"""Citations: how each kind of evidence becomes a ``Source`` with a link.

Every source carries a URL. When the PSA gave a ticket no URL, the link is a
``handoff://`` URI that ``handoff ticket`` resolves, so a claim is never
without a way to check it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from bot.alerts.signals import SignalView
from bot.db.models import Ticket, TicketNote
from bot.packets.model import Source


def ticket_url(ticket: Ticket) -> str:
    return ticket.url or f"handoff://tickets/{ticket.id}"


def ticket_source(ticket: Ticket) -> Source:
    return Source(kind="ticket", id=ticket.id, title=f"#{ticket.id} {ticket.title}", url=ticket_url(ticket),
                  tenant=ticket.tenant_id)


def note_source(ticket: Ticket, note: TicketNote) -> Source:
    when = note.at.strftime("%Y-%m-%d %H:%M") if note.at else "undated"
    who = note.author or "unknown author"
    kind = "customer-visible" if note.visibility == "customer" else "internal"
    return Source(
        kind="note",
        id=note.note_id,
        title=f"#{ticket.id} note by {who}, {when} ({kind})",
        # PSAs link notes inside the ticket page; the fragment keeps the note id visible.
        url=f"{ticket_url(ticket)}#note-{note.note_id}",
        tenant=note.tenant_id,
    )


class AlertLike(Protocol):
    """An alert as a packet cites it: a signal's ``AlertRef``, or a stored ``Alert`` (reports)."""

    @property
    def source(self) -> str: ...
    @property
    def external_id(self) -> str: ...
    @property
    def device(self) -> str | None: ...
    @property
    def check_name(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def url(self) -> str | None: ...


def alert_source(alert: AlertLike, tenant_id: str) -> Source:
    """An alert of a signal; its RMM link, or a handoff:// URI naming it."""
    what = alert.check_name or alert.source
    where = f" on {alert.device}" if alert.device else ""
    return Source(
        kind="alert",
        id=f"{alert.source}:{alert.external_id}",
        title=f"{what}{where}, {alert.at:%Y-%m-%d %H:%M} UTC",
        url=alert.url or f"handoff://alerts/{quote(alert.source)}/{quote(alert.external_id, safe='')}",
        tenant=tenant_id,
    )


def signal_source(cluster: SignalView) -> Source:
    """A triage signal: ``handoff triage`` lists it by id."""
    return Source(kind="signal", id=str(cluster.signal_id), title=cluster.title,
                  url=f"handoff://signals/{cluster.signal_id}", tenant=cluster.tenant_id)
