"""The service review behind both versions of a client report: numbers, trends, incidents, recommendations.

``review(...)`` adds its evidence statements to the draft (``bot.reporting.reports``:
every one cited, the client's data only) and returns a ``ServiceReview``: plain
JSON-able data both versions render from (stored as ``Report.document``). Every
number and item of the client version carries the id ("E7") of the internal
statement it rests on, so the reviewer can check it, and every piece of text from
the data passes ``ClientGate`` or is replaced by a plain phrase (the internal
version lists what was left out and why).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.db import store
from bot.db.models import Alert, Signal, Ticket, TicketNote
from bot.packets.notes import is_customer_author, sentences, staff_authors
from bot.packets.sources import alert_source, ticket_source
from bot.reporting import plain_words as plain
from bot.reporting.client_check import ClientGate
from bot.reporting.reports import (
    _FIXED,
    ReportDraft,
    Statement,
    _signal_ref,
    first_response,
    month_window,
    period_label,
)

BURST_GAP = timedelta(hours=6)  # alerts further apart than this are separate episodes
RECOMMENDATIONS = 5
TREND_BEFORE = 3  # months before the period in the trend


@dataclass
class ServiceReview:
    tenant: str
    client_name: str
    msp_name: str
    period: str
    period_label: str
    months: list[str]  # the trend's months, oldest first; the period's are the last
    categories: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    alerts: dict[str, Any] = field(default_factory=dict)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    still_open: list[dict[str, Any]] = field(default_factory=list)
    narrative: dict[str, Any] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServiceReview:
        return cls(**data)

    def leave_out(self, what: str, why: str, evidence: str | None) -> None:
        self.left_out.append({"what": what, "why": why, "evidence": evidence})


def _month_key(at: datetime) -> str:
    return f"{at:%Y-%m}"


def _months(period: str) -> list[str]:
    start, end = month_window(period)
    first = start
    for _ in range(TREND_BEFORE):
        first = (first - timedelta(days=1)).replace(day=1)
    out, at = [], first
    while at < end:
        out.append(_month_key(at))
        at = (at + timedelta(days=32)).replace(day=1)
    return out


def _previous(period: str) -> tuple[datetime, datetime]:
    start, end = month_window(period)
    span = len(_months(period)) - TREND_BEFORE
    first = start
    for _ in range(span):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, start


def gate_for(session: Session, tenant_id: str) -> ClientGate:
    """The client checks for one client: its internal notes, the other clients' names and aliases."""
    notes = session.exec(select(TicketNote.text).where(TicketNote.tenant_id == tenant_id,
                                                      TicketNote.visibility == "internal"))
    tenants = store.list_tenants(session=session)
    own = [n for t in tenants if t.id == tenant_id for n in [t.name, *t.aliases]]
    others = [n for t in tenants if t.id != tenant_id for n in [t.name, t.id, *t.aliases]]
    return ClientGate.build(internal_notes=notes, other_names=others, own_names=own)


def review(session: Session, draft: ReportDraft, *, msp_name: str, gate: ClientGate,
           response_targets: dict[str, float], resolution_targets: dict[str, float]) -> ServiceReview:
    tenant_id, period = draft.tenant, draft.month
    start, end = month_window(period)
    months = _months(period)
    trend_start = month_window(months[0])[0]
    out = ServiceReview(tenant=tenant_id, client_name=draft.client_name, msp_name=msp_name, period=period,
                        period_label=period_label(period), months=months)
    opened_all = store.list_tickets(session=session, tenant_id=tenant_id, since=trend_start, until=end)
    resolved_all = list(session.exec(select(Ticket).where(
        Ticket.tenant_id == tenant_id, col(Ticket.resolved_at) >= trend_start, col(Ticket.resolved_at) < end)))
    opened = sorted((t for t in opened_all if t.created_at >= start), key=lambda t: (t.created_at, t.id))
    resolved = [t for t in resolved_all if t.resolved_at and t.resolved_at >= start]
    prev_start, prev_end = _previous(period)
    notes = store.notes_for_tickets(session=session, tenant_id=tenant_id, ticket_ids=sorted({t.id for t in opened}))
    _categories(out, draft, opened_all, resolved_all, opened, resolved, prev_start, prev_end)
    _targets(out, draft, opened, notes, response_targets, resolution_targets)
    _alerts(out, draft, session, start, end)
    _incidents_and_open(out, draft, opened, notes, gate, end)
    ids = {id(s): f"E{i + 1}" for i, s in enumerate(draft.statements)}
    out.evidence = [{"id": ids[id(s)], "section": title, "text": s.text,
                     "sources": [src.to_json() for src in s.sources],
                     "confidence": s.confidence.label if s.confidence else None}
                    for title, items in draft.sections for s in items]
    _resolve_refs(out, ids)
    return out


def _resolve_refs(out: ServiceReview, ids: dict[int, str]) -> None:
    """Statements are referred to by object while building; the stored review names them E1, E2, ..."""
    items: list[dict[str, Any]] = [out.totals, out.alerts, *out.categories, *out.targets, *out.incidents,
                                   *out.recommendations, *out.still_open, *out.left_out]
    for item in items:
        ref = item.get("evidence")
        if isinstance(ref, Statement):
            item["evidence"] = ids[id(ref)]


def _add(draft: ReportDraft, section: str, statement: Statement) -> Statement:
    for title, items in draft.sections:
        if title == section:
            items.append(statement)
            return statement
    draft.sections.append((section, [statement]))
    return statement


def _find(draft: ReportDraft, section: str, startswith: str = "", source_id: str | None = None) -> Statement | None:
    for title, items in draft.sections:
        if title != section:
            continue
        for s in items:
            if s.text.startswith(startswith) and (source_id is None or s.sources[0].id == source_id):
                return s
    return None


def _categories(out: ServiceReview, draft: ReportDraft, opened_all: list[Ticket], resolved_all: list[Ticket],
                opened: list[Ticket], resolved: list[Ticket], prev_start: datetime, prev_end: datetime) -> None:
    keys = sorted({t.category or "none" for t in opened_all + resolved_all})
    for key in keys:
        mine = [t for t in opened if (t.category or "none") == key]
        done = [t for t in resolved if (t.category or "none") == key]
        last = [t for t in opened_all if (t.category or "none") == key and prev_start <= t.created_at < prev_end]
        by_month = Counter(_month_key(t.created_at) for t in opened_all if (t.category or "none") == key)
        done_by_month = Counter(_month_key(t.resolved_at) for t in resolved_all
                                if (t.category or "none") == key and t.resolved_at)
        cited = mine + [t for t in done if t not in mine] + [t for t in last if t not in mine]
        if not cited:  # only in the trend's earlier months: a chart line, no row
            evidence = None
        else:
            evidence = _add(draft, "Tickets by category", Statement(
                f"{key}: {len(mine)} opened this period, {len(done)} resolved this period, {len(last)} opened in "
                "the period before.", tuple(ticket_source(t) for t in cited)))
        out.categories.append({"key": key, "label": plain.category(key), "opened": len(mine), "resolved": len(done),
                               "last": len(last), "trend": [by_month.get(m, 0) for m in out.months],
                               "trend_resolved": [done_by_month.get(m, 0) for m in out.months],
                               "evidence": evidence})
    still = [t for t in opened if t.resolved_at is None or t.resolved_at >= month_window(out.period)[1]]
    out.totals = {"opened": len(opened), "resolved": len(resolved), "still_open": len(still),
                  "last": sum(c["last"] for c in out.categories),
                  "evidence": _find(draft, "Tickets", f"{len(opened)} ticket")}


def _targets(out: ServiceReview, draft: ReportDraft, opened: list[Ticket], notes: dict[str, list[TicketNote]],
             response: dict[str, float], resolution: dict[str, float]) -> None:
    # The same definitions as the internal statements (reports._time_statements), computed here as numbers.
    for key in sorted({t.priority or "none" for t in opened}):
        group = [t for t in opened if (t.priority or "none") == key]
        waits = [(n.at - t.created_at).total_seconds() for t in group
                 if (n := first_response(t, notes.get(t.id, []))) is not None and n.at is not None]
        fixes = [(t.resolved_at - t.created_at).total_seconds() for t in group if t.resolved_at]
        r_target, f_target = response.get(key), resolution.get(key)
        out.targets.append({
            "key": key, "label": plain.priority(key), "tickets": len(group),
            "response_n": len(waits), "response_met": sum(1 for s in waits if r_target and max(0.0, s) <= r_target),
            "response_target": plain.hours(r_target) if r_target else None,
            "resolution_n": len(fixes), "resolution_met": sum(1 for s in fixes if f_target and s <= f_target),
            "resolution_target": plain.hours(f_target) if f_target else None,
            "resolution_median": plain.hours(statistics.median(fixes)) if fixes else None,
            "evidence": _find(draft, "Response and resolution times", f"{key}:")})


def _alerts(out: ServiceReview, draft: ReportDraft, session: Session, start: datetime, end: datetime) -> None:
    rows = list(session.exec(select(Alert).where(Alert.tenant_id == out.tenant, Alert.at >= start,
                                                 Alert.at < end).order_by(col(Alert.at))))
    signal_ids = {a.signal_id for a in rows if a.signal_id is not None}
    signals = {s.pk: s for s in session.exec(select(Signal).where(
        Signal.tenant_id == out.tenant, col(Signal.pk).in_(sorted(signal_ids))))} if signal_ids else {}
    week0 = start - timedelta(days=start.weekday())
    weeks: dict[str, dict[str, Any]] = {}
    at = week0
    while at < end:
        weeks[f"{at:%b %d}"] = {"alerts": 0, "issues": set(), "actionable": set()}
        at += timedelta(days=7)
    for a in rows:
        w = weeks[f"{a.at - timedelta(days=a.at.weekday()):%b %d}"]
        w["alerts"] += 1
        if a.signal_id is not None:
            w["issues"].add(a.signal_id)
            if signals.get(a.signal_id) is not None and signals[a.signal_id].noise is None:
                w["actionable"].add(a.signal_id)
    actionable = sorted(pk for pk, s in signals.items() if s.noise is None and pk is not None)
    evidence = None
    if signals:
        cited = sorted(signals.values(), key=lambda s: -s.alert_count)[:25]
        evidence = _add(draft, "Alert volume", Statement(
            f"{len(rows)} alerts this period, grouped by triage into {len(signals)} signals, {len(actionable)} "
            f"actionable (the {len(cited)} largest cited).", tuple(_signal_ref(s) for s in cited)))
    out.alerts = {"weeks": list(weeks), "alerts": [w["alerts"] for w in weeks.values()],
                  "issues": [len(w["issues"]) for w in weeks.values()],
                  "actionable": [len(w["actionable"]) for w in weeks.values()],
                  "total": len(rows), "signals": len(signals), "actionable_total": len(actionable),
                  "evidence": evidence}
    _recurring(out, draft, rows, signals)


def _recurring(out: ServiceReview, draft: ReportDraft, rows: list[Alert], signals: dict[int | None, Signal]) -> None:
    """Alert sources (a device's check) that came back in separate episodes: recommendations."""
    groups: dict[tuple[str | None, str | None], list[Alert]] = defaultdict(list)
    for a in rows:
        groups[(a.device, a.check_name)].append(a)
    found = []
    for (device, check), alerts in groups.items():
        bursts: list[list[Alert]] = []
        for a in alerts:
            if bursts and a.at - bursts[-1][-1].at <= BURST_GAP:
                bursts[-1].append(a)
            else:
                bursts.append([a])
        if (len(bursts) >= 2 and len(alerts) >= 3) or len(alerts) >= 20:
            found.append((device, check, alerts, bursts))
    found.sort(key=lambda f: (-len(f[2]), -len(f[3]), f[0] or "", f[1] or ""))
    for device, check, alerts, bursts in found[:RECOMMENDATIONS]:
        kind = plain.problem_kind(check)
        title, text = plain.recommendation(kind, device, len(alerts), len(bursts))
        sigs = [signals[pk] for pk in dict.fromkeys(a.signal_id for a in alerts) if pk in signals]
        days = ", ".join(f"{b[0].at:%b %d}" for b in bursts[:6]) + (" ..." if len(bursts) > 6 else "")
        evidence = _add(draft, "Recurring alert sources", Statement(
            f"{device or 'no device'} · {check or 'unnamed check'}: {len(alerts)} alerts in {len(bursts)} episodes "
            f"(more than {BURST_GAP.total_seconds() / 3600:.0f} h apart), starting {days}.",
            tuple(_signal_ref(s) for s in sigs[:5]) + tuple(alert_source(b[0], out.tenant) for b in bursts[:5])))
        out.recommendations.append({"title": title, "text": text, "device": device, "kind": kind,
                                    "alerts": len(alerts), "episodes": len(bursts), "evidence": evidence})


def _client_words(out: ServiceReview, gate: ClientGate, text: str, fallback: str, what: str,
                  evidence: Any) -> str:
    problem = gate.problem(text)
    if problem is None:
        return text
    out.leave_out(what, problem, evidence)
    return fallback


def _done_note(ticket: Ticket, notes: list[TicketNote]) -> str | None:
    """The last customer-visible sentence by MSP staff saying what was fixed: the client has read it already."""
    staff = staff_authors(notes)
    for note in reversed(notes):
        if note.visibility == "customer" and not is_customer_author(note, ticket, staff):
            first = next((s for s in sentences(note.text) if _FIXED.search(s)), None)
            if first:
                return first.strip()
    return None


def _incidents_and_open(out: ServiceReview, draft: ReportDraft, opened: list[Ticket],
                        notes: dict[str, list[TicketNote]], gate: ClientGate, end: datetime) -> None:
    by_device = {r["device"]: i + 1 for i, r in enumerate(out.recommendations) if r["device"]}
    for title, items in draft.sections:
        if title != "Notable incidents":
            continue
        for statement in items:
            t = next(t for t in opened if t.id == statement.sources[0].id)
            felt = _client_words(out, gate, t.title, f"A problem with {plain.category(t.category).lower()}",
                                 f"the title of ticket #{t.id}", statement)
            if t.resolved_at is not None and t.resolved_at < end:
                done = f"Resolved in {plain.hours((t.resolved_at - t.created_at).total_seconds())}."
                said = _done_note(t, notes.get(t.id, []))
                if said:
                    said = _client_words(out, gate, said, "", f"the update to the client on #{t.id}", statement)
                    done = f"{done} {said}".strip() if said else done
            else:
                done = f"Still open: {plain.status(t.status)}."
            rec = by_device.get(t.device)
            out.incidents.append({"when": f"{t.created_at:%b %d}", "felt": felt, "done": done,
                                  "prevent": f"See recommendation {rec}." if rec else None,
                                  "priority": plain.priority(t.priority), "evidence": statement})
    still = next((s for _, items in draft.sections for s in items if "still open" in s.text), None)
    for t in opened:
        if t.resolved_at is not None and t.resolved_at < end:
            continue
        felt = _client_words(out, gate, t.title, f"A request about {plain.category(t.category).lower()}",
                             f"the title of ticket #{t.id}", still)
        out.still_open.append({"text": felt, "since": f"{t.created_at:%b %d}", "state": plain.status(t.status),
                               "evidence": still})
