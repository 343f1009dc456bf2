"""Citations: how each kind of evidence becomes a ``Source`` with a link.

Every source carries a URL. When the PSA gave a ticket no URL, the link is a
``handoff://`` URI that ``handoff ticket`` resolves, so a claim is never
without a way to check it.
"""

from __future__ import annotations

from bot.packets.model import Source
from bot.db.models import Ticket, TicketNote


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


def alert_source(alert, tenant_id: str) -> Source:  # type: ignore[no-untyped-def]
    """An alert (``bot.alerts.signals.AlertRef``); its RMM link, or a handoff:// URI naming it."""
    from urllib.parse import quote

    what = alert.check_name or alert.source
    where = f" on {alert.device}" if alert.device else ""
    return Source(
        kind="alert",
        id=f"{alert.source}:{alert.external_id}",
        title=f"{what}{where}, {alert.at:%Y-%m-%d %H:%M} UTC",
        url=alert.url or f"handoff://alerts/{quote(alert.source)}/{quote(alert.external_id, safe='')}",
        tenant=tenant_id,
    )


def signal_source(cluster) -> Source:  # type: ignore[no-untyped-def]
    """A triage signal (``bot.alerts.signals.SignalView``): ``handoff triage`` lists it by id."""
    return Source(kind="signal", id=str(cluster.signal_id), title=cluster.title,
                  url=f"handoff://signals/{cluster.signal_id}", tenant=cluster.tenant_id)
