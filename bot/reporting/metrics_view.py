"""The metrics as the front ends show them: per client, per category, before/after, per week.

``compute`` reads each selected client's facts (``bot.reporting.metrics.load``, one
tenant per query) and arranges them; ``table`` and ``as_json`` are the two
text forms (the chart is ``bot.reporting.charts``). Plain data in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.db import store
from bot.reporting.metrics import (
    Facts,
    Measures,
    Stat,
    categories,
    data_span,
    load,
    measure,
    only_category,
    weekly,
)
from bot.tenancy import rollout


@dataclass(frozen=True)
class Comparison:
    """The measures before and after the date a client (or one of its categories) was switched on."""

    tenant: str
    category: str  # "*" = all of the client's tickets
    at: datetime
    why: str  # "rollout switch acme/* on" or "--compare-at"
    before: Measures
    after: Measures

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "at": _iso(self.at), "why": self.why,
                "before": self.before.as_dict(), "after": self.after.as_dict()}


@dataclass(frozen=True)
class ClientMetrics:
    tenant: str
    name: str
    measures: Measures
    categories: dict[str, Measures] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)


@dataclass(frozen=True)
class MetricsView:
    scope: str  # a client's name, or "all clients"
    since: datetime | None  # as asked (None = from the first data)
    until: datetime | None  # as asked (None = up to the last data)
    first: datetime | None  # the data actually found
    last: datetime | None
    category: str | None
    clients: list[ClientMetrics]
    total: Measures
    weeks: list[tuple[datetime, Measures]]
    markers: list[tuple[datetime, str]]  # switch-on dates, drawn on the chart

    @property
    def window(self) -> str:
        """The time window in words, always explicit about what "all data" was."""
        start = self.since.strftime("%Y-%m-%d") if self.since else \
            f"first data ({self.first:%Y-%m-%d})" if self.first else "the beginning"
        end = self.until.strftime("%Y-%m-%d") if self.until else \
            f"last data ({self.last:%Y-%m-%d})" if self.last else "now"
        return f"{start} to {end}" + ("" if self.until else " inclusive")


def compute(*, session: Session, tenant_ids: list[str], since: datetime | None = None, until: datetime | None = None,
            category: str | None = None, compare_at: datetime | None = None) -> MetricsView:
    clients, total, markers = [], Facts(), []
    for tenant_id in tenant_ids:
        tenant = store.get_tenant(session=session, tenant_id=tenant_id)
        facts = load(session=session, tenant_id=tenant_id, since=since, until=until)
        if category:
            facts = only_category(facts, category)
        total = total + facts
        comparisons = _comparisons(session, tenant_id, facts, since, until, category, compare_at)
        markers += [(c.at, f"{tenant_id}/{c.category}") for c in comparisons if c.why != "--compare-at"]
        clients.append(ClientMetrics(
            tenant=tenant_id, name=tenant.name, measures=measure(facts, since, until),
            categories={c: measure(only_category(facts, c), since, until) for c in categories(facts)},
            comparisons=comparisons,
        ))
    if compare_at is not None:
        markers.append((compare_at, "compare"))
    first, last = data_span(total)
    scope = clients[0].name if len(clients) == 1 else "all clients"
    return MetricsView(scope=scope, since=since, until=until, first=first, last=last, category=category,
                       clients=clients, total=measure(total, since, until), weeks=weekly(total, since, until),
                       markers=sorted(set(markers)))


def _comparisons(session: Session, tenant_id: str, facts: Facts, since: datetime | None, until: datetime | None,
                 category: str | None, compare_at: datetime | None) -> list[Comparison]:
    wanted: list[tuple[str, datetime, str]] = []
    if compare_at is not None:
        wanted.append((category or rollout.ANY, compare_at, "--compare-at"))
    for switch in rollout.switched_on(session=session, tenant_id=tenant_id):
        if category and switch.category not in (rollout.ANY, category):
            continue
        wanted.append((switch.category, switch.changed_at, f"rollout switch {switch.tenant_id}/{switch.category} on"))
    out = []
    for cat, at, why in wanted:
        if (since and at < since) or (until and at >= until):
            continue  # the window holds no "before" or no "after"
        scoped = facts if cat == rollout.ANY else only_category(facts, cat)
        out.append(Comparison(tenant=tenant_id, category=cat, at=at, why=why,
                              before=measure(scoped, since, at), after=measure(scoped, at, until)))
    return out


# --- text forms ---------------------------------------------------------------------------

def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f}m"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def pair(s: Stat) -> str:
    """"median/p90 (n)", the compact form of a distribution in a table cell."""
    return "-" if not s.n else f"{duration(s.median)}/{duration(s.p90)} ({s.n})"


def rate(value: float | None, num: int, den: int) -> str:
    return "-" if value is None else f"{value:.2f} ({num}/{den})"


TIME_HEADERS = ["client", "tickets", "classify", "MTTE", "MTTR after esc.", "report turnaround",
                "correction time"]
RATE_HEADERS = ["client", "reopen rate", "repeat Q/escalated", "packets on/shadow", "accepted/corrected/flagged",
                "shadow correction"]


def time_row(label: str, m: Measures) -> list[str]:
    return [label, str(m.tickets), pair(m.time_to_classify_s), pair(m.mtte_s), pair(m.mttr_after_escalation_s),
            pair(m.report_turnaround_s), pair(m.correction_time_s)]


def rate_row(label: str, m: Measures) -> list[str]:
    return [label, rate(m.reopen_rate, m.reopened, m.resolved),
            rate(m.repeat_questions_per_ticket, m.repeat_questions, m.escalated),
            f"{m.packets_on}/{m.packets_shadow}", f"{m.accepted}/{m.corrections}/{m.flags}",
            pair(m.shadow_correction_time_s)]


def labelled(view: MetricsView, *, per_category: bool = False) -> list[tuple[str, Measures]]:
    """The table's rows: each client (and its categories), then all clients together."""
    out = []
    for client in view.clients:
        out.append((client.tenant, client.measures))
        if per_category:
            out += [(f"  {client.tenant}/{cat}", m) for cat, m in client.categories.items()]
    if len(view.clients) > 1:
        out.append(("(all clients)", view.total))
    return out


def compared(view: MetricsView) -> list[tuple[str, Measures]]:
    out = []
    for client in view.clients:
        for c in client.comparisons:
            label = f"{c.tenant}/{c.category} {c.at:%Y-%m-%d}"
            out += [(f"{label} before", c.before), (f"{label} after", c.after)]
    return out


def as_json(view: MetricsView) -> list[dict[str, Any]]:
    """One object per client (``handoff metrics --json``)."""
    out = []
    for client in view.clients:
        item: dict[str, Any] = {"tenant": client.tenant, "name": client.name, "since": _iso(view.since),
                                "until": _iso(view.until), "category": view.category}
        item.update(client.measures.as_dict())
        item["categories"] = {cat: m.as_dict() for cat, m in client.categories.items()}
        item["before_after"] = [c.as_dict() for c in client.comparisons]
        out.append(item)
    return out


def _iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at else None
