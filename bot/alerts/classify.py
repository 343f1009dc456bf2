"""Classification: new or changed alerts into stored signals (``bot/alerts/triage.py`` through the store).

Classification is windowed re-triage. New or changed alerts of one tenant are
re-grouped together with what they can join: every alert of that tenant within
the triage horizon of them (``TriageConfig.horizon``, a few hours: storms,
correlation, re-firing), the tenant's alerts still open when that window starts
(within ``episode_open_reach``: an episode kept open for days, a storm that
still holds) and the alerts of the same checks on the same devices within
``schedule_reach`` (a job failing on every nightly run), each with its whole
signal. Those signals are then replaced by the new grouping. A new signal
keeps the id of the old signal it shares most alerts with, so ids stay stable
while a storm or a correlated incident grows. ``Alert.classified_at`` is set
the first time an alert is assigned to a signal and never moved afterwards:
``classified_at - received_at`` is the time-to-classify.

Every function takes the tenant as a keyword-only ``tenant_id`` and filters by
it in SQL. ``bot.alerts.signals`` re-exports ``classify_alerts`` and ``classify_pending``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.alerts.topology import topology_from
from bot.alerts.triage import Signal as Draft
from bot.alerts.triage import TriageConfig, triage
from bot.db.models import Alert, Signal, Tenant, utcnow
from bot.db.store import require_tenant_id
from bot.tenancy.guard import require_same_tenant

_CHUNK = 500
_ALERT_COLUMNS: tuple[Any, ...] = tuple(col(c) for c in (
    Alert.pk, Alert.tenant_id, Alert.device, Alert.check_name, Alert.severity, Alert.message, Alert.at,
    Alert.resolved_at, Alert.signal_id))


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def classify_alerts(
    *, session: Session, tenant_id: str, pks: Sequence[int], config: TriageConfig | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Re-triage around these alerts of one tenant; returns the pks of the signals written."""
    tenant_id = require_tenant_id(tenant_id)
    config = config or TriageConfig()
    if not pks:
        return []
    _lock_tenant(session, tenant_id)
    lo = hi = None
    checks: set[tuple[str, str | None]] = set()  # (device, check name) of the new alerts
    for chunk in chunks(list(pks)):
        row = session.exec(
            select(func.min(Alert.at), func.max(Alert.at), func.max(Alert.resolved_at)).where(
                Alert.tenant_id == tenant_id, col(Alert.pk).in_(chunk)
            )
        ).one()
        if row[0] is None:
            continue
        top = max(t for t in (row[1], row[2]) if t is not None)
        lo = row[0] if lo is None else min(lo, row[0])
        hi = top if hi is None else max(hi, top)
        checks.update((d, c) for d, c in session.exec(select(Alert.device, Alert.check_name).where(
            Alert.tenant_id == tenant_id, col(Alert.pk).in_(chunk)).distinct()) if d)
    if lo is None or hi is None:
        return []
    return _retriage(session, tenant_id, lo - config.horizon, hi + config.horizon, sorted(checks, key=str), config,
                     now or utcnow())


def classify_pending(
    *, session: Session, tenant_id: str, since: datetime | None = None, until: datetime | None = None,
    config: TriageConfig | None = None, now: datetime | None = None,
) -> int:
    """Classify the tenant's alerts that have no signal yet (after ``handoff ingest``); returns how many."""
    stmt = select(Alert.pk).where(Alert.tenant_id == require_tenant_id(tenant_id), col(Alert.signal_id).is_(None))
    if since is not None:
        stmt = stmt.where(Alert.at >= since)
    if until is not None:
        stmt = stmt.where(Alert.at <= until)
    pending = [pk for pk in session.exec(stmt) if pk is not None]
    if pending:
        classify_alerts(session=session, tenant_id=tenant_id, pks=pending, config=config, now=now)
    return len(pending)


def _lock_tenant(session: Session, tenant_id: str) -> None:
    """Serialise classification per tenant: a row lock on PostgreSQL, the write lock on SQLite.

    Two webhook deliveries for one tenant would otherwise both read the window
    and both write signals for the same alerts.
    """
    session.execute(text("UPDATE tenant SET name = name WHERE id = :t"), {"t": tenant_id})


def _retriage(session: Session, tenant_id: str, lo: datetime, hi: datetime,
              checks: Sequence[tuple[str, str | None]],
              config: TriageConfig, now: datetime) -> list[int]:
    alerts, signal_ids = _window(session, tenant_id, lo, hi, checks, config)
    old: dict[int, Signal] = {}
    for chunk in chunks(sorted(signal_ids)):
        old.update({s.pk: s for s in session.exec(select(Signal).where(
            Signal.tenant_id == tenant_id, col(Signal.pk).in_(chunk))) if s.pk is not None})
    for alert in alerts:
        require_same_tenant(tenant_id, alert.tenant_id, what=f"alert {alert.pk} loaded for re-triage")
    # The topology column alone: loading the whole Tenant row was a sixth of a webhook delivery's CPU.
    topology = topology_from(session.exec(select(Tenant.topology).where(Tenant.id == tenant_id)).first())
    drafts = triage(alerts, config, {tenant_id: topology})

    members: dict[int, set[int]] = defaultdict(set)
    for alert in alerts:
        if alert.signal_id is not None:
            members[alert.signal_id].add(alert.pk)
    taken: set[int] = set()
    assignment: dict[Any, int] = {}
    written: list[int] = []
    for draft in sorted(drafts, key=lambda d: -len(d.alerts)):
        keys: set[Any] = {a.pk for a in draft.alerts}
        best = max((sid for sid in members if sid in old and sid not in taken),
                   key=lambda sid: (len(members[sid] & keys), -sid), default=None)
        values = _signal_values(draft, now)
        if best is not None and members[best] & keys:
            row = old[best]
            for key, value in values.items():
                setattr(row, key, value)
            taken.add(best)
        else:
            row = Signal(tenant_id=tenant_id, created_at=now, **values)
            session.add(row)
            session.flush()
        assert row.pk is not None
        written.append(row.pk)
        for key in keys:
            assignment[key] = row.pk
    stale = [sid for sid in old if sid not in taken]
    for chunk in chunks(stale):
        session.execute(delete(Signal).where(col(Signal.tenant_id) == tenant_id, col(Signal.pk).in_(chunk)))

    moves: dict[int, list[int]] = defaultdict(list)
    for alert in alerts:
        if alert.signal_id != assignment[alert.pk]:
            moves[assignment[alert.pk]].append(alert.pk)
    for signal_pk, alert_pks in moves.items():
        for chunk in chunks(alert_pks):
            session.execute(update(Alert).where(col(Alert.tenant_id) == tenant_id, col(Alert.pk).in_(chunk))
                            .values(signal_id=signal_pk))
    unclassified = [a.pk for a in alerts if a.signal_id is None]
    for chunk in chunks(unclassified):
        session.execute(update(Alert).where(
            col(Alert.tenant_id) == tenant_id, col(Alert.pk).in_(chunk), col(Alert.classified_at).is_(None)
        ).values(classified_at=now))
    session.flush()
    return written


def _window(session: Session, tenant_id: str, lo: datetime, hi: datetime, checks: Sequence[tuple[str, str | None]],
            config: TriageConfig) -> tuple[list[Any], set[int]]:
    """The alerts to re-triage: those in [lo, hi], those beyond it that an alert in it can join
    (see the module docstring), and every alert of each of their signals; and those signals."""
    reach = config.episode_open_reach
    pending: set[int] = set()
    signal_ids: set[int] = {pk for pk in session.exec(select(Signal.pk).where(
        Signal.tenant_id == tenant_id, Signal.first_seen <= hi, Signal.last_seen >= lo)) if pk is not None}
    found: list[tuple[Any, Any]] = list(session.exec(select(Alert.pk, Alert.signal_id).where(
        Alert.tenant_id == tenant_id, Alert.at >= lo - reach, Alert.at < lo,  # still open when the window starts
        or_(col(Alert.resolved_at).is_(None), col(Alert.resolved_at) >= lo))))
    runs = config.schedule_reach
    wanted = set(checks)
    for chunk in chunks(sorted({device for device, _ in checks})):  # other runs of a schedule: same device, check
        found += [(pk, signal_id) for pk, signal_id, device, check in session.execute(
            sa_select(*(col(c) for c in (Alert.pk, Alert.signal_id, Alert.device, Alert.check_name))).where(
                col(Alert.tenant_id) == tenant_id, col(Alert.device).in_(chunk),
                or_(and_(col(Alert.at) >= lo - runs, col(Alert.at) < lo),
                    and_(col(Alert.at) > hi, col(Alert.at) <= hi + runs))))
            if (device, check) in wanted]
    for pk, signal_id in found:
        if signal_id is not None:
            signal_ids.add(signal_id)
        elif pk is not None:
            pending.add(pk)
    # sqlalchemy's select: sqlmodel's is typed for at most four columns.
    base = sa_select(*_ALERT_COLUMNS).where(col(Alert.tenant_id) == tenant_id)
    rows: dict[int, Any] = {a.pk: a for a in session.execute(
        base.where(col(Alert.at) >= lo, col(Alert.at) <= hi)).all()}
    for chunk in chunks(sorted(signal_ids)):
        rows.update({a.pk: a for a in session.execute(base.where(col(Alert.signal_id).in_(chunk))).all()})
    for chunk in chunks(sorted(pending - set(rows))):
        rows.update({a.pk: a for a in session.execute(base.where(col(Alert.pk).in_(chunk))).all()})
    signal_ids.update(a.signal_id for a in rows.values() if a.signal_id is not None)
    return list(rows.values()), signal_ids


def _signal_values(draft: Draft, now: datetime) -> dict[str, Any]:
    main = draft.main
    ordered = [main, *sorted((c for c in draft.clusters if c is not main), key=lambda c: c.first_seen)]
    return {
        "grouping": draft.grouping,
        "title": draft.title,
        "representative": draft.representative,
        "template": main.template,
        "members": [
            {"check": c.check, "template": c.template, "count": len(c.alerts), "devices": c.devices,
             "noise": c.noise, "storm": c.storm}
            for c in ordered
        ],
        "category": draft.category,
        "devices": draft.devices,
        "alert_count": len(draft.alerts),
        "first_seen": draft.first_seen,
        "last_seen": draft.last_seen,
        "severity": draft.severity,
        "firing": draft.firing,
        "noise": draft.noise,
        "correlation": ({"root": draft.root, "effects": draft.effects, "reason": draft.reason, "site": draft.site}
                        if draft.grouping == "outage" else None),
        "updated_at": now,
    }
