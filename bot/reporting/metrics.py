"""Service-delivery measures, per client and ticket category, from the store.

Two halves: ``load`` reads one client's rows into plain facts (thin,
tenant-scoped queries), and everything else is pure arithmetic over facts, so
each measure can be checked against a world small enough to work out by hand
(``tests/unit/test_metrics.py``).

The measures (each a distribution: count, median, p90; p90 is the nearest-rank
value, the ceil(0.9 n)-th smallest):

- ``time_to_classify_s``: alert stored by Handoff (``received_at``) to assigned
  to a triage signal (``classified_at``). Category: the signal's.
- ``mtte_s``: time to escalate, ticket created to escalated.
- ``mttr_after_escalation_s``: escalated to resolved; read next to MTTE it says
  whether time is lost before or after the hand-off.
- ``reopen_rate``: tickets reopened at least once / tickets resolved at least
  once (resolved or closed, or reopened: a reopened ticket was resolved before).
- ``repeat_questions_per_ticket``: questions to the client after the escalation
  that ask again what was asked before it (``bot/reporting/repeats.py``), per escalated ticket.
- ``report_turnaround_s``: customer report requested to marked sent by an
  engineer; ``report_draft_s`` is requested to draft ready. Reports are per
  client, so category rows have none.
- ``correction_time_s``: the honest counter-metric, how long engineers spent
  correcting Handoff's packets (a ✏️ reaction or Correct button to its end), on
  packets posted normally; ``shadow_correction_time_s`` is the same for shadow
  packets, reviewed in the review channel. Packet counts are split the same way.

Time base: a measurement belongs to the window (and the week, for the trend) in
which its interval *starts*: an alert by ``received_at``, a ticket's MTTE and
reopen by ``created_at``, MTTR and repeat questions by ``escalated_at``, a
report by ``requested_at``, a correction by its start, a packet by
``generated_at``. ``since`` is inclusive, ``until`` exclusive; None = unbounded.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.db import store
from bot.db.models import Alert, Feedback, PacketRow, Report, Signal, Ticket
from bot.feedback.reactions import ACCEPT, CORRECTION, FLAG
from bot.reporting.repeats import repeat_questions

NO_CATEGORY = "(none)"


@dataclass(frozen=True)
class Stat:
    n: int
    median: float | None
    p90: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "median": _round(self.median), "p90": _round(self.p90)}


def stat(values: Iterable[float]) -> Stat:
    ordered = sorted(values)
    if not ordered:
        return Stat(0, None, None)
    return Stat(len(ordered), float(statistics.median(ordered)), float(ordered[math.ceil(0.9 * len(ordered)) - 1]))


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# --- facts: one per measured thing, with the time its interval starts -------------------------

@dataclass(frozen=True)
class TicketFact:
    ticket_id: str
    tenant: str
    category: str
    created_at: datetime
    escalated_at: datetime | None
    resolved_at: datetime | None
    resolved_once: bool
    reopened: bool
    repeats: int  # repeat questions after the escalation


@dataclass(frozen=True)
class AlertFact:
    tenant: str
    category: str
    received_at: datetime
    delay_s: float


@dataclass(frozen=True)
class PacketFact:
    tenant: str
    category: str
    generated_at: datetime
    mode: str


@dataclass(frozen=True)
class FeedbackFact:
    tenant: str
    category: str
    started_at: datetime
    kind: str
    duration_s: float | None  # None while a correction is open
    mode: str  # the packet's


@dataclass(frozen=True)
class ReportFact:
    tenant: str
    requested_at: datetime
    draft_s: float | None
    turnaround_s: float | None  # None until marked sent
    category: str = "*"  # reports are per client


@dataclass
class Facts:
    tickets: list[TicketFact] = field(default_factory=list)
    alerts: list[AlertFact] = field(default_factory=list)
    packets: list[PacketFact] = field(default_factory=list)
    feedback: list[FeedbackFact] = field(default_factory=list)
    reports: list[ReportFact] = field(default_factory=list)

    def __add__(self, other: Facts) -> Facts:
        return Facts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass(frozen=True)
class Measures:
    tickets: int
    time_to_classify_s: Stat
    mtte_s: Stat
    mttr_after_escalation_s: Stat
    report_turnaround_s: Stat
    report_draft_s: Stat
    correction_time_s: Stat
    shadow_correction_time_s: Stat
    reopened: int
    resolved: int
    escalated: int
    repeat_questions: int
    packets_on: int
    packets_shadow: int
    accepted: int
    corrections: int
    flags: int

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.resolved if self.resolved else None

    @property
    def repeat_questions_per_ticket(self) -> float | None:
        return self.repeat_questions / self.escalated if self.escalated else None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tickets": self.tickets}
        for name in ("time_to_classify_s", "mtte_s", "mttr_after_escalation_s", "report_turnaround_s",
                     "correction_time_s"):
            out[name] = getattr(self, name).as_dict()
        out["reopen_rate"] = _round(self.reopen_rate, 3)
        out["repeat_questions_per_ticket"] = _round(self.repeat_questions_per_ticket, 3)
        out.update({
            "reopened": self.reopened, "resolved": self.resolved, "escalated": self.escalated,
            "repeat_questions": self.repeat_questions, "report_draft_s": self.report_draft_s.as_dict(),
            "shadow_correction_time_s": self.shadow_correction_time_s.as_dict(),
            "packets": {"on": self.packets_on, "shadow": self.packets_shadow},
            "feedback": {"accepted": self.accepted, "corrections": self.corrections, "flags": self.flags},
        })
        return out


def measure(facts: Facts, since: datetime | None = None, until: datetime | None = None) -> Measures:
    """Every measure over facts, each ticket measure taken at its own start time (see the module doc)."""
    def inside(at: datetime | None) -> bool:
        return at is not None and (since is None or at >= since) and (until is None or at < until)

    created = [t for t in facts.tickets if inside(t.created_at)]
    escalated = [t for t in facts.tickets if inside(t.escalated_at)]
    alerts = [a for a in facts.alerts if inside(a.received_at)]
    packets = [p for p in facts.packets if inside(p.generated_at)]
    feedback = [f for f in facts.feedback if inside(f.started_at)]
    reports = [r for r in facts.reports if inside(r.requested_at)]
    corrections = [f for f in feedback if f.kind == CORRECTION]
    return Measures(
        tickets=len(created),
        time_to_classify_s=stat(a.delay_s for a in alerts),
        mtte_s=stat(_seconds(t.created_at, t.escalated_at) for t in created if t.escalated_at),
        mttr_after_escalation_s=stat(_seconds(t.escalated_at, t.resolved_at) for t in escalated
                                     if t.escalated_at and t.resolved_at),
        report_turnaround_s=stat(r.turnaround_s for r in reports if r.turnaround_s is not None),
        report_draft_s=stat(r.draft_s for r in reports if r.draft_s is not None),
        correction_time_s=stat(f.duration_s for f in corrections if f.duration_s is not None and f.mode == "on"),
        shadow_correction_time_s=stat(f.duration_s for f in corrections
                                      if f.duration_s is not None and f.mode != "on"),
        reopened=sum(1 for t in created if t.reopened),
        resolved=sum(1 for t in created if t.resolved_once),
        escalated=len(escalated),
        repeat_questions=sum(t.repeats for t in escalated),
        packets_on=sum(1 for p in packets if p.mode == "on"),
        packets_shadow=sum(1 for p in packets if p.mode != "on"),
        accepted=sum(1 for f in feedback if f.kind == ACCEPT),
        corrections=len(corrections),
        flags=sum(1 for f in feedback if f.kind == FLAG),
    )


def _seconds(start: datetime, end: datetime | None) -> float:
    assert end is not None
    return max(0.0, (end - start).total_seconds())


def only_category(facts: Facts, category: str) -> Facts:
    """The facts of one ticket category (reports are per client: none)."""
    return Facts(
        tickets=[t for t in facts.tickets if t.category == category],
        alerts=[a for a in facts.alerts if a.category == category],
        packets=[p for p in facts.packets if p.category == category],
        feedback=[f for f in facts.feedback if f.category == category],
    )


def categories(facts: Facts) -> list[str]:
    return sorted({f.category for group in (facts.tickets, facts.alerts, facts.packets, facts.feedback) for f in group})


def week_of(at: datetime) -> datetime:
    """Monday 00:00 UTC of the week ``at`` falls in."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weekly(facts: Facts, since: datetime | None, until: datetime | None) -> list[tuple[datetime, Measures]]:
    """The measures per week, from the first week with data to the last (empty weeks included)."""
    starts = [t.created_at for t in facts.tickets] + [t.escalated_at for t in facts.tickets if t.escalated_at]
    starts += [a.received_at for a in facts.alerts] + [p.generated_at for p in facts.packets]
    starts += [f.started_at for f in facts.feedback] + [r.requested_at for r in facts.reports]
    starts = [s for s in starts if (since is None or s >= since) and (until is None or s < until)]
    if not starts:
        return []
    week, last = week_of(min(starts)), week_of(max(starts))
    out = []
    while week <= last:
        end = week + timedelta(days=7)
        out.append((week, measure(facts, max(week, since) if since else week, min(end, until) if until else end)))
        week = end
    return out


# --- the store side: one client's rows into facts ---------------------------------------

def load(*, session: Session, tenant_id: str, since: datetime | None = None, until: datetime | None = None) -> Facts:
    """One client's facts whose intervals start in [since, until). Every query filters on ``tenant_id``."""
    def window(column: Any) -> list[Any]:
        conds = []
        if since is not None:
            conds.append(column >= since)
        if until is not None:
            conds.append(column < until)
        return conds

    # A ticket counts when created (MTTE, reopen) or escalated (MTTR, repeats) inside the window.
    stmt = select(Ticket).where(Ticket.tenant_id == tenant_id)
    if since is not None or until is not None:
        stmt = stmt.where(or_(and_(*window(Ticket.created_at)), and_(*window(Ticket.escalated_at))))
    tickets = list(session.exec(stmt))
    escalated_ids = [t.id for t in tickets if t.escalated_at is not None]
    notes = store.notes_for_tickets(session=session, tenant_id=tenant_id, ticket_ids=escalated_ids)
    facts = Facts()
    for t in tickets:
        resolved_once = t.status in ("resolved", "closed") or t.resolved_at is not None or t.reopened_count > 0
        facts.tickets.append(TicketFact(
            ticket_id=t.id, tenant=tenant_id, category=t.category or NO_CATEGORY, created_at=t.created_at,
            escalated_at=t.escalated_at, resolved_at=t.resolved_at, resolved_once=resolved_once,
            reopened=t.reopened_count > 0,
            repeats=len(repeat_questions(notes.get(t.id, []), t)) if t.escalated_at else 0,
        ))
    alert_rows = session.exec(
        select(Alert.received_at, Alert.classified_at, Signal.category)
        .outerjoin(Signal, and_(col(Signal.pk) == Alert.signal_id, col(Signal.tenant_id) == Alert.tenant_id))
        .where(Alert.tenant_id == tenant_id, col(Alert.classified_at).is_not(None), *window(Alert.received_at)))
    facts.alerts = [AlertFact(tenant_id, cat or NO_CATEGORY, received, _seconds(received, classified))
                    for received, classified, cat in alert_rows]
    packet_rows = session.exec(
        select(PacketRow.generated_at, PacketRow.mode, Ticket.category)
        .join(Ticket, and_(col(Ticket.id) == PacketRow.ticket_id, col(Ticket.tenant_id) == PacketRow.tenant_id))
        .where(PacketRow.tenant_id == tenant_id, *window(PacketRow.generated_at)))
    facts.packets = [PacketFact(tenant_id, cat or NO_CATEGORY, at, mode) for at, mode, cat in packet_rows]
    feedback_rows = session.execute(  # SQLAlchemy's select: SQLModel's is typed for at most four columns
        sa_select(col(Feedback.started_at), col(Feedback.kind), col(Feedback.duration_s), col(PacketRow.mode),
                  col(Ticket.category))
        .join(PacketRow, and_(col(PacketRow.pk) == Feedback.packet_pk, col(PacketRow.tenant_id) == Feedback.tenant_id))
        .join(Ticket, and_(col(Ticket.id) == PacketRow.ticket_id, col(Ticket.tenant_id) == PacketRow.tenant_id))
        .where(col(Feedback.tenant_id) == tenant_id, *window(Feedback.started_at)))
    facts.feedback = [FeedbackFact(tenant_id, cat or NO_CATEGORY, at, kind, dur, mode)
                      for at, kind, dur, mode, cat in feedback_rows]
    report_rows = session.exec(select(Report).where(Report.tenant_id == tenant_id, *window(Report.requested_at)))
    facts.reports = [ReportFact(
        tenant_id, r.requested_at,
        draft_s=_seconds(r.requested_at, r.ready_at) if r.ready_at else None,
        turnaround_s=_seconds(r.requested_at, r.sent_at) if r.sent_at else None,
    ) for r in report_rows]
    return facts


def data_span(facts: Facts) -> tuple[datetime | None, datetime | None]:
    """The first and last start time in the facts: what "all data" meant, for the output."""
    times: Sequence[datetime] = [t.created_at for t in facts.tickets] + [a.received_at for a in facts.alerts] \
        + [p.generated_at for p in facts.packets] + [f.started_at for f in facts.feedback] \
        + [r.requested_at for r in facts.reports]
    return (min(times), max(times)) if times else (None, None)
