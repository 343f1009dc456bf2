"""Monthly customer report drafts: every statement a cited claim, one client's data only.

A draft covers one client and one calendar month (UTC): tickets opened and
closed, response and resolution times against the priority targets in
settings, the top alert signals and what was done about them, and notable
incidents. Each statement carries the sources it was computed from (tickets,
notes, signals, alerts), like a packet's claims; a statement that would have
no source is not written. Every read filters on the client's ``tenant_id``,
and ``draft`` refuses to return a draft citing anything of another client.

Drafts are for internal review: the core posts them only to the review channel
or a NOC channel (``bot.tenancy.policy.internal_scope``), never to a client, and Handoff
never sends them anywhere. An engineer sends the report and marks it sent;
requested -> ready -> marked sent is the turnaround the metrics report.

"Response" is the first note written by MSP staff (internal or customer-visible:
the ticket was picked up); "resolution" is created to ``resolved_at``. Both are
wall-clock against the targets, which say so in the draft.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.alerts import signals as signal_store
from bot.db import store
from bot.db.models import Alert, Signal, Ticket, TicketNote, utcnow
from bot.errors import BadInput
from bot.packets.model import Confidence, Source
from bot.packets.notes import is_customer_author, sentences, staff_authors
from bot.packets.sources import alert_source, note_source, ticket_source
from bot.reporting import signal_summary
from bot.reporting.metrics_view import duration
from bot.tenancy.guard import require_same_tenant
from bot.tenancy.secrets import redact
from bot.text import clip

TOP_SIGNALS = 5
NOTABLE = 8
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_FIXED = re.compile(r"\b(fixed|resolved|replaced|updated|applied|restored|renewed|confirmed|working|now|cleared|"
                    r"disabled|enabled|changed|granted|reset)\b", re.IGNORECASE)
_MD_ACTIVE = re.compile(r"([\\`*_\[\]<>#|])")


@dataclass(frozen=True)
class Statement:
    text: str  # Markdown-safe: client-written text in it is escaped
    sources: tuple[Source, ...]
    confidence: Confidence | None = None  # for inferred links (a signal "handled in" a ticket)

    def __post_init__(self) -> None:
        if not self.sources:
            raise ValueError(f"statement without a source: {self.text[:60]!r}")


@dataclass
class ReportDraft:
    tenant: str
    client_name: str
    month: str
    sections: list[tuple[str, list[Statement]]]
    notes: list[str] = field(default_factory=list)  # unsourced context lines (targets used), not statements
    report_id: int | None = None
    requested_at: datetime | None = None
    ready_at: datetime | None = None
    sent_at: datetime | None = None
    markdown: str = ""
    # One report per client and period: revisions until it is marked sent (``report_store.save``).
    report_no: int | None = None
    revision: int = 1
    restarted_after: int | None = None  # a request after report N was marked sent starts a new report
    review: Any = None  # the ``ServiceReview`` both versions render from
    client_markdown: str = ""
    # Set by the core for the internal place it is posted in, never stored (see ``Packet.links``).
    links: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    web_url: str | None = field(default=None, repr=False, compare=False)

    @property
    def statements(self) -> list[Statement]:
        return [s for _, items in self.sections for s in items]

    def sources(self) -> list[Source]:
        seen: dict[tuple[str, str], Source] = {}
        for s in self.statements:
            for src in s.sources:
                seen.setdefault((src.kind, src.id), src)
        return list(seen.values())


def month_window(month: str) -> tuple[datetime, datetime]:
    """The UTC window of a period: a month ``YYYY-MM`` or a quarter ``YYYY-Qn`` (three months)."""
    quarter = _QUARTER.match(month)
    if quarter is not None:
        year, first = int(quarter.group(1)), 3 * int(quarter.group(2)) - 2
        return month_window(f"{year}-{first:02d}")[0], month_window(f"{year}-{first + 2:02d}")[1]
    match = _MONTH.match(month)
    if match is None:
        raise BadInput(f"month: expected YYYY-MM like 2026-10 (or a quarter YYYY-Qn like 2026-Q4), got {month!r}")
    year, mon = int(match.group(1)), int(match.group(2))
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + (mon == 12), 1 if mon == 12 else mon + 1, 1, tzinfo=UTC)
    return start, end


def period_label(period: str) -> str:
    """"October 2026" or "Q4 2026"."""
    start, _ = month_window(period)
    return f"{period[5:]} {period[:4]}" if _QUARTER.match(period) else f"{start:%B %Y}"


def esc(text: str, limit: int = 200) -> str:
    """Client-written text made literal in Markdown, on one line, clipped, without credentials."""
    return _MD_ACTIVE.sub(r"\\\1", clip(redact(text), limit))


def draft(*, session: Session, tenant_id: str, month: str, response_targets: dict[str, float],
          resolution_targets: dict[str, float]) -> ReportDraft:
    start, end = month_window(month)
    tenant = store.get_tenant(session=session, tenant_id=tenant_id)
    opened = sorted(store.list_tickets(session=session, tenant_id=tenant_id, since=start, until=end),
                    key=lambda t: (t.created_at, t.id))
    closed = list(session.exec(select(Ticket).where(
        Ticket.tenant_id == tenant_id, col(Ticket.resolved_at) >= start, col(Ticket.resolved_at) < end
    ).order_by(col(Ticket.resolved_at), Ticket.id)))
    notes = store.notes_for_tickets(session=session, tenant_id=tenant_id,
                                    ticket_ids=sorted({t.id for t in opened + closed}))
    report = ReportDraft(tenant=tenant_id, client_name=tenant.name, month=month, sections=[])
    report.sections.append(("Tickets", _ticket_statements(opened, closed, end)))
    times, targets_note = _time_statements(opened, notes, response_targets, resolution_targets)
    report.sections.append(("Response and resolution times", times))
    report.notes.append(targets_note)
    report.sections.append(("Top alert signals and what was done", _signal_statements(session, tenant_id, start, end)))
    report.sections.append(("Notable incidents", _incident_statements(opened, notes)))
    for source in report.sources():  # impossible by the queries above; a bug if it ever happens, so refuse loudly
        require_same_tenant(tenant_id, source.tenant, what=f"report for {tenant_id}: {source.kind} {source.id}")
    return report


def _refs(tickets: list[Ticket]) -> tuple[Source, ...]:
    return tuple(ticket_source(t) for t in tickets)


def _counts(values: list[str | None]) -> str:
    counts = Counter(v or "none" for v in values)
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def _ticket_statements(opened: list[Ticket], closed: list[Ticket], end: datetime) -> list[Statement]:
    out = []
    if opened:
        out.append(Statement(
            f"{len(opened)} ticket{'s' if len(opened) != 1 else ''} opened (by priority: "
            f"{_counts([t.priority for t in opened])}; by category: {_counts([t.category for t in opened])}).",
            _refs(opened)))
    if closed:
        out.append(Statement(f"{len(closed)} ticket{'s' if len(closed) != 1 else ''} resolved or closed.",
                             _refs(closed)))
    still_open = [t for t in opened if t.resolved_at is None or t.resolved_at >= end]
    if still_open:
        # A report for the running month is drafted before its end: say what is known.
        when = "at month end" if end <= utcnow() else "when this was drafted"
        out.append(Statement(f"{len(still_open)} of the tickets opened this month were still open {when}.",
                             _refs(still_open)))
    reopened = [t for t in opened if t.reopened_count > 0]
    if reopened:
        out.append(Statement(f"{len(reopened)} ticket{'s were' if len(reopened) != 1 else ' was'} reopened after "
                             "being resolved.", _refs(reopened)))
    return out


def first_response(ticket: Ticket, notes: list[TicketNote]) -> TicketNote | None:
    """The first note by MSP staff: any internal note, or a customer-visible one not by the client."""
    staff = staff_authors(notes)
    dated = sorted((n for n in notes if n.at is not None), key=lambda n: n.at)  # type: ignore[arg-type,return-value]
    for note in dated:
        if note.visibility == "internal" or not is_customer_author(note, ticket, staff):
            return note
    return None


def _time_statements(opened: list[Ticket], notes: dict[str, list[TicketNote]], response: dict[str, float],
                     resolution: dict[str, float]) -> tuple[list[Statement], str]:
    out = []
    for priority in sorted({t.priority or "none" for t in opened}):
        group = [t for t in opened if (t.priority or "none") == priority]
        responses = []
        for t in group:
            note = first_response(t, notes.get(t.id, []))
            if note is not None and note.at is not None:
                responses.append((t, note, max(0.0, (note.at - t.created_at).total_seconds())))
        resolved = [(t, (t.resolved_at - t.created_at).total_seconds()) for t in group if t.resolved_at]
        parts = [f"{priority}: {len(group)} ticket{'s' if len(group) != 1 else ''}"]
        target = response.get(priority)
        if responses:
            median = statistics.median(s for _, _, s in responses)
            met = sum(1 for _, _, s in responses if target is not None and s <= target)
            parts.append(f"first response median {duration(median)}" + (
                f", {met} of {len(responses)} within the {duration(target)} target" if target else ""))
        target = resolution.get(priority)
        if resolved:
            median = statistics.median(s for _, s in resolved)
            met = sum(1 for _, s in resolved if target is not None and s <= target)
            parts.append(f"resolution median {duration(median)}" + (
                f", {met} of {len(resolved)} within the {duration(target)} target" if target else ""))
        unresolved = len(group) - len(resolved)
        if unresolved:
            parts.append(f"{unresolved} not resolved yet")
        sources = _refs(group) + tuple(note_source(t, n) for t, n, _ in responses)
        out.append(Statement("; ".join(parts) + ".", sources))
        late = [(t, s) for t, s in resolved if target is not None and s > target]
        if late:
            out.append(Statement(f"{priority} resolved outside the {duration(target)} target: " + ", ".join(
                f"#{esc(t.id)} after {duration(s)}" for t, s in late) + ".", _refs([t for t, _ in late])))
    targets = ", ".join(f"{p} {duration(response[p])} / {duration(resolution.get(p))}" for p in sorted(response))
    explained = (f"Targets (response / resolution, wall-clock, from Handoff's settings): {targets}. First response "
                 "is the first note by MSP staff on the ticket.")
    return out, explained


def _signal_statements(session: Session, tenant_id: str, start: datetime, end: datetime) -> list[Statement]:
    """Alert sources that led to a ticket, came back or still fire, one line each (at most ``TOP_SIGNALS``);
    the ones that cleared once on their own counted in one line (``signal_summary``)."""
    signal_store.classify_pending(session=session, tenant_id=tenant_id, since=start - timedelta(days=1), until=end)
    found = signal_summary.sources(session, tenant_id, start, end)
    listed = [s for s in found if not s.quiet][:TOP_SIGNALS]
    out = [_source_statement(session, tenant_id, source, start, end) for source in listed]
    more = [s for s in found if not s.quiet and s not in listed]
    if more:
        out.append(_counted(more, "more alert sources that led to a ticket, came back or still fire", None))
    quiet = [s for s in found if s.quiet]
    if quiet:
        out.append(_counted(quiet, "other alert sources cleared on their own in a single episode, without a ticket",
                            Confidence.of(0.6, "no ticket on these devices about them near their alerts")))
    return out


def _counted(group: list[signal_summary.AlertSource], what: str, confidence: Confidence | None) -> Statement:
    alerts = sum(s.alerts for s in group)
    named = ", ".join(f"{esc(s.title, 80)} ({s.alerts})" for s in group[:4])
    rest = f" and {len(group) - 4} more" if len(group) > 4 else ""
    return Statement(f"{len(group)} {what} ({alerts} alert{'s' if alerts != 1 else ''}): {named}{rest}.",
                     tuple(_signal_ref(sig) for s in group for sig in s.signals)[:25], confidence)


def _source_statement(session: Session, tenant_id: str, source: signal_summary.AlertSource, start: datetime,
                      end: datetime) -> Statement:
    sigs, n = source.signals, source.alerts
    devices = ", ".join(source.devices[:3]) + (f" and {len(source.devices) - 3} more" if len(source.devices) > 3
                                                else "")
    first, last = min(s.first_seen for s in sigs), max(s.last_seen for s in sigs)
    days = f"{first:%b %d}" + ("" if first.date() == last.date() else f"–{last:%b %d}")
    came_back = [f"{source.episodes} episodes ({', '.join(f'{d:%b %d}' for d in source.episode_days[:6])})"] \
        if source.episodes >= 2 else []
    came_back += ["also alerted in the two months before"] if source.seen_before else []
    text = (f"{esc(source.title, 120)} ({sigs[0].severity}, {n} alert{'s' if n != 1 else ''}"
            f"{' on ' + esc(devices, 80) if devices else ''}, {days}{'; ' if came_back else ''}{'; '.join(came_back)}). ")
    if source.handling is not None:
        done, done_sources, confidence = _what_was_done(session, tenant_id, source.handling)
    else:
        state = "the alerts were still firing when this was drafted" if source.firing else \
            "worth a look, since it came back"
        done, done_sources = f"No ticket was opened for it; {state}.", ()
        confidence = Confidence.of(0.6, "no ticket on these devices about this near these alerts")
    alerts = list(session.exec(select(Alert).where(
        Alert.tenant_id == tenant_id, col(Alert.signal_id).in_([s.pk for s in sigs]), Alert.at >= start,
        Alert.at < end).order_by(col(Alert.at)).limit(3)))
    sources = tuple(_signal_ref(s) for s in sigs) + tuple(alert_source(a, tenant_id) for a in alerts) + done_sources
    return Statement(text + done, sources, confidence)


def _signal_ref(sig: Signal) -> Source:
    return Source(kind="signal", id=str(sig.pk), title=sig.title, url=f"handoff://signals/{sig.pk}",
                  tenant=sig.tenant_id)


def _what_was_done(session: Session, tenant_id: str,
                  handling: signal_summary.Handling) -> tuple[str, tuple[Source, ...], Confidence]:
    """The ticket that handled an alert source, and what its fix note says; an inference, so it has a confidence."""
    ticket, gap_h = handling.ticket, handling.gap_h
    confidence = Confidence.of(0.5 + (0.25 if gap_h <= 1 else 0) + (0.15 if handling.same_topic else 0),
                               f"same device, opened {gap_h:.1f} h from the first alert"
                               + (", same topic" if handling.same_topic else ""))
    notes = store.list_notes(session=session, tenant_id=tenant_id, ticket_id=ticket.id)
    done = ticket.status in ("resolved", "closed")
    fix = next((n for n in reversed(notes) if n.visibility == "internal" and _FIXED.search(n.text)), None) \
        if done else None
    sources: tuple[Source, ...] = (ticket_source(ticket),)
    text = f"Handled in ticket #{esc(ticket.id)} ({esc(ticket.title, 100)}), " \
        + (ticket.status if done else f"{ticket.status}, not resolved yet")
    if fix is not None:
        first = next((s for s in sentences(fix.text) if _FIXED.search(s)), fix.text)
        text += f": {esc(first, 220)}"
        sources += (note_source(ticket, fix),)
    return text.rstrip(".") + ".", sources, confidence


def _incident_statements(opened: list[Ticket], notes: dict[str, list[TicketNote]]) -> list[Statement]:
    notable = [t for t in opened if (t.priority or "") in ("P1", "P2") or t.escalated_at or t.reopened_count]
    out = []
    for t in sorted(notable, key=lambda t: ((t.priority or "P9"), t.created_at))[:NOTABLE]:
        facts = [f"opened {t.created_at:%b %d %H:%M} UTC"]
        if t.escalated_at:
            facts.append(f"escalated after {duration((t.escalated_at - t.created_at).total_seconds())}")
        if t.resolved_at:
            facts.append(f"resolved after {duration((t.resolved_at - t.created_at).total_seconds())}")
        else:
            facts.append("not resolved yet")
        if t.reopened_count:
            facts.append(f"reopened {t.reopened_count}×")
        sources = [ticket_source(t)]
        text = f"#{esc(t.id)} {esc(t.title, 120)} ({t.priority or 'no priority'}): {', '.join(facts)}"
        fix = next((n for n in reversed(notes.get(t.id, [])) if n.visibility == "internal"
                    and _FIXED.search(n.text)), None) if t.resolved_at else None
        if fix is not None:
            first = next((s for s in sentences(fix.text) if _FIXED.search(s)), fix.text)
            text += f". What was done: {esc(first, 220)}"
            sources.append(note_source(t, fix))
        out.append(Statement(text.rstrip(".") + ".", tuple(sources)))
    return out


# --- Markdown ---------------------------------------------------------------------------------

def source_label(src: Source) -> str:
    if src.kind == "ticket":
        return f"#{src.id}"
    if src.kind == "note":
        return f"note {src.id}"
    if src.kind == "signal":
        return f"signal {src.id}"
    return esc(src.title, 60)


def source_link(src: Source) -> str:
    url = src.url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{source_label(src)}]({url})"


_INTERNAL_LINK = re.compile(r"\[([^\]]*)\]\((handoff://[^)\s]*)\)")


def public_markdown(markdown: str, links: dict[str, str] | None = None) -> str:
    """A draft as it may leave Handoff: every ``[label](handoff://...)`` becomes its signed https link
    (``links``, minted for the place it goes to) or just the label. Stored drafts keep the URIs."""
    links = links or {}

    def swap(match: re.Match[str]) -> str:
        label, uri = match.group(1), match.group(2)
        href = links.get(uri)
        return f"[{label}]({href})" if href else label

    return _INTERNAL_LINK.sub(swap, markdown)


def revision_line(report: ReportDraft) -> str:
    """Which report and revision this draft is; says so when a sent report made this a new one."""
    line = f"Revision {report.revision} of report {report.report_no}."
    if report.revision > 1:
        line += " Asking again for the same period updated this report; the earlier revisions are kept."
    if report.restarted_after is not None:
        line += (f" Report {report.restarted_after} for this period was already marked sent, so this request "
                 "started a new report.")
    return line


def render_markdown(report: ReportDraft, *, drafted_at: datetime | None = None) -> str:
    """The draft as Markdown: every bullet is one statement ending in its source links."""
    lines = [
        f"# {'Quarterly' if _QUARTER.match(report.month) else 'Monthly'} service report: "
        f"{esc(report.client_name)}, {period_label(report.month)}",
        "",
        "_Draft for internal review. Handoff never sends reports to clients: an engineer checks every "
        "statement against its sources, sends the report, then marks it sent._",
        "",
        f"Report {report.report_id if report.report_id is not None else '(unsaved)'} · {len(report.statements)} "
        f"statements · {len(report.sources())} sources"
        + (f" · drafted {drafted_at:%Y-%m-%d %H:%M} UTC" if drafted_at else ""),
        "",
        revision_line(report),
    ]
    number = 0  # statements are E1, E2, ... in this order (``service_review`` refers to them so)
    for title, statements in report.sections:
        lines += ["", f"## {title}", ""]
        if title == "Response and resolution times":
            lines += [f"_{n}_" for n in report.notes] + [""]
        if not statements:
            lines.append("_Nothing this month._")
        for s in statements:
            number += 1
            confidence = f" _({s.confidence.label} confidence: {esc(s.confidence.reason, 120)})_" if s.confidence \
                else ""
            lines.append(f"- **E{number}** {s.text}{confidence} Sources: " + ", ".join(source_link(src) for src in s.sources))
    return "\n".join(lines) + "\n"
