"""Signals in the store: classify alerts (``bot/triage.py``) and read signals back.

Classification is windowed re-triage. New or changed alerts of one tenant are
re-grouped together with what they can join: every alert of that tenant within
the triage horizon of them (``TriageConfig.horizon``, a few hours: storms,
correlation, re-firing), the tenant's alerts still open when that window starts
(within ``episode_open_reach``: an episode kept open for days, a storm that
still holds) and the alerts of the same checks on the same devices within
``schedule_reach`` (a job failing on every nightly run), each with its whole
signal. Those signals are then replaced
by the new grouping. A new signal
keeps the id of the old signal it shares most alerts with, so ids stay stable
while a storm or a correlated incident grows. ``Alert.classified_at`` is set
the first time an alert is assigned to a signal and never moved afterwards:
``classified_at - received_at`` is the time-to-classify.

Every function takes the tenant as a keyword-only ``tenant_id`` and filters by
it in SQL; the views assert that nothing of another tenant slipped through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.errors import TenantMismatch
from bot.models import Alert, Signal, utcnow
from bot.triage import SEVERITY_RANK, TriageConfig, triage
from bot.triage import Signal as Draft

_CHUNK = 500
MAX_ALERTS_PER_CLUSTER = 50
_ALERT_COLUMNS: tuple[Any, ...] = tuple(col(c) for c in (
    Alert.pk, Alert.tenant_id, Alert.device, Alert.check_name, Alert.severity, Alert.message, Alert.at,
    Alert.resolved_at, Alert.signal_id))


def _require(tenant_id: str) -> str:
    if not tenant_id or not isinstance(tenant_id, str):
        raise ValueError("tenant_id is required")
    return tenant_id


# --- classification ------------------------------------------------------------

def classify_alerts(
    *, session: Session, tenant_id: str, pks: Sequence[int], config: TriageConfig | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Re-triage around these alerts of one tenant; returns the pks of the signals written."""
    tenant_id = _require(tenant_id)
    config = config or TriageConfig()
    if not pks:
        return []
    _lock_tenant(session, tenant_id)
    lo = hi = None
    checks: set[tuple[str, str | None]] = set()  # (device, check name) of the new alerts
    for chunk in _chunks(list(pks)):
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
    stmt = select(Alert.pk).where(Alert.tenant_id == _require(tenant_id), col(Alert.signal_id).is_(None))
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
    for chunk in _chunks(sorted(signal_ids)):
        old.update({s.pk: s for s in session.exec(select(Signal).where(
            Signal.tenant_id == tenant_id, col(Signal.pk).in_(chunk))) if s.pk is not None})
    if any(a.tenant_id != tenant_id for a in alerts):
        raise TenantMismatch("re-triage loaded an alert of another tenant")
    drafts = triage(alerts, config)

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
    for chunk in _chunks(stale):
        session.execute(delete(Signal).where(col(Signal.tenant_id) == tenant_id, col(Signal.pk).in_(chunk)))

    moves: dict[int, list[int]] = defaultdict(list)
    for alert in alerts:
        if alert.signal_id != assignment[alert.pk]:
            moves[assignment[alert.pk]].append(alert.pk)
    for signal_pk, alert_pks in moves.items():
        for chunk in _chunks(alert_pks):
            session.execute(update(Alert).where(col(Alert.tenant_id) == tenant_id, col(Alert.pk).in_(chunk))
                            .values(signal_id=signal_pk))
    unclassified = [a.pk for a in alerts if a.signal_id is None]
    for chunk in _chunks(unclassified):
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
    beyond = [select(Alert.pk, Alert.signal_id).where(  # still open when the window starts
        Alert.tenant_id == tenant_id, Alert.at >= lo - reach, Alert.at < lo,
        or_(col(Alert.resolved_at).is_(None), col(Alert.resolved_at) >= lo))]
    runs = config.schedule_reach
    for chunk in _chunks(list(checks), 100):  # earlier (or later) runs of a schedule: same device and check
        beyond.append(select(Alert.pk, Alert.signal_id).where(
            Alert.tenant_id == tenant_id, Alert.at >= lo - runs, Alert.at <= hi + runs,
            or_(*(and_(Alert.device == device, col(Alert.check_name).is_(None) if check is None
                       else Alert.check_name == check) for device, check in chunk))))
    for stmt in beyond:
        for pk, signal_id in session.exec(stmt):
            if signal_id is not None:
                signal_ids.add(signal_id)
            elif pk is not None:
                pending.add(pk)
    # sqlalchemy's select: sqlmodel's is typed for at most four columns.
    base = sa_select(*_ALERT_COLUMNS).where(col(Alert.tenant_id) == tenant_id)
    rows: dict[int, Any] = {a.pk: a for a in session.execute(
        base.where(col(Alert.at) >= lo, col(Alert.at) <= hi)).all()}
    for chunk in _chunks(sorted(signal_ids)):
        rows.update({a.pk: a for a in session.execute(base.where(col(Alert.signal_id).in_(chunk))).all()})
    for chunk in _chunks(sorted(pending - set(rows))):
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
        "updated_at": now,
    }


# --- reading -------------------------------------------------------------------

@dataclass(frozen=True)
class AlertRef:
    pk: int
    source: str
    external_id: str
    device: str | None
    check_name: str | None
    severity: str
    at: datetime
    resolved_at: datetime | None
    url: str | None
    message: str


@dataclass(frozen=True)
class SignalView:
    signal_id: int
    tenant_id: str
    title: str
    representative: str
    template: str
    members: list[dict[str, Any]]
    category: str
    grouping: str
    devices: list[str]
    count: int
    first_seen: datetime
    last_seen: datetime
    severity: str
    firing: bool
    noise: str | None
    alerts: list[AlertRef]

    @property
    def actionable(self) -> bool:
        return self.noise is None

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["alerts"] = [vars(a) for a in self.alerts]
        out["alert_ids"] = [a.pk for a in self.alerts]
        return out


@dataclass(frozen=True)
class RelatedCluster(SignalView):
    same_device: bool
    minutes_from_around: float


def default_now(*, session: Session, tenant_id: str, wall_clock: datetime | None = None,
                lookback: timedelta = timedelta(hours=24)) -> datetime:
    """"Now" for triage: the wall clock, unless the tenant's newest alert is older than
    ``lookback`` before it (historical or demo data); then the newest alert's time."""
    wall_clock = wall_clock or utcnow()
    latest = session.exec(select(func.max(Alert.at)).where(Alert.tenant_id == _require(tenant_id))).one()
    if latest is None or latest >= wall_clock - lookback:
        return wall_clock
    return latest


def current_signals(
    *, session: Session, tenant_id: str, now: datetime, lookback: timedelta = timedelta(hours=24),
    include_noise: bool = True,
) -> list[SignalView]:
    """Signals as they stood at ``now``: firing then, or seen within ``lookback`` before it.

    Only alerts fired at or before ``now`` count, so a past ``now`` shows the
    past. Order: actionable first, firing first, worst severity, most recent.
    """
    tenant_id = _require(tenant_id)
    ids = set(session.exec(select(Alert.signal_id).where(
        Alert.tenant_id == tenant_id, col(Alert.signal_id).is_not(None), Alert.at <= now,
        or_(col(Alert.at) >= now - lookback, col(Alert.resolved_at).is_(None), col(Alert.resolved_at) > now),
    ).distinct()))
    views = _views(session, tenant_id, [i for i in ids if i is not None], until=now, firing_at=now,
                   max_alerts=None)
    if not include_noise:
        views = [v for v in views if v.actionable]
    views.sort(key=lambda v: (v.noise is not None, not v.firing, -SEVERITY_RANK.get(v.severity, 0),
                              -v.last_seen.timestamp(), v.signal_id))
    return views


def related_alert_clusters(
    *,
    session: Session,
    tenant_id: str,
    device: str | None,
    around: datetime,
    before: timedelta = timedelta(hours=24),
    after: timedelta = timedelta(hours=2),
    limit: int = 10,
    classify: bool = True,
) -> list[RelatedCluster]:
    """The alert clusters of one tenant near a ticket, for the escalation packet.

    Clusters (signals) with at least one alert in [around - before, around +
    after]. Those on ``device`` (case-insensitive) come first, then the same
    client's other devices; within each, actionable before noise, then the
    nearest in time. ``minutes_from_around`` is the distance from ``around`` to
    the cluster's nearest alert. A cluster lists its alerts in time order (at
    most ``MAX_ALERTS_PER_CLUSTER``; ``count`` is the total); ``firing`` means
    some alert of it has not resolved. With ``classify``, alerts of the tenant
    in the window that have no signal yet are classified first.
    Never returns another tenant's alerts, whatever the device is called.
    """
    tenant_id = _require(tenant_id)
    if around.tzinfo is None:
        raise ValueError("around must carry a time zone")
    lo, hi = around - before, around + after
    if classify:
        classify_pending(session=session, tenant_id=tenant_id, since=lo, until=hi)
    rows = session.exec(select(Alert.signal_id, Alert.at).where(
        Alert.tenant_id == tenant_id, col(Alert.signal_id).is_not(None), Alert.at >= lo, Alert.at <= hi)).all()
    nearest: dict[int, float] = {}
    for signal_id, at in rows:
        if signal_id is None:
            continue
        minutes = abs((at - around).total_seconds()) / 60
        nearest[signal_id] = min(minutes, nearest.get(signal_id, minutes))
    wanted = device.casefold() if device else None
    out: list[RelatedCluster] = []
    for view in _views(session, tenant_id, list(nearest), until=None, firing_at=None,
                       max_alerts=MAX_ALERTS_PER_CLUSTER):
        same = wanted is not None and any(d.casefold() == wanted for d in view.devices)
        out.append(RelatedCluster(**{k: getattr(view, k) for k in view.__dataclass_fields__},
                                  same_device=same, minutes_from_around=round(nearest[view.signal_id], 1)))
    out.sort(key=lambda c: (not c.same_device, c.noise is not None, c.minutes_from_around, c.signal_id))
    return out[:limit]


def classification_delays(*, session: Session, tenant_id: str, since: datetime | None = None,
                          until: datetime | None = None) -> list[float]:
    """Time-to-classify in seconds (``classified_at - received_at``) of the tenant's classified
    alerts received in [since, until), oldest first: for the metrics."""
    stmt = select(Alert.received_at, Alert.classified_at).where(
        Alert.tenant_id == _require(tenant_id), col(Alert.classified_at).is_not(None))
    if since is not None:
        stmt = stmt.where(Alert.received_at >= since)
    if until is not None:
        stmt = stmt.where(Alert.received_at < until)
    return [(classified - received).total_seconds()
            for received, classified in session.exec(stmt.order_by(col(Alert.received_at)))
            if classified is not None]


def _views(session: Session, tenant_id: str, signal_ids: Iterable[int], *, until: datetime | None,
           firing_at: datetime | None, max_alerts: int | None) -> list[SignalView]:
    signal_ids = list(signal_ids)
    signals: list[Signal] = []
    alerts: dict[int, list[Alert]] = defaultdict(list)
    for chunk in _chunks(signal_ids):
        signals.extend(session.exec(select(Signal).where(Signal.tenant_id == tenant_id, col(Signal.pk).in_(chunk))))
        stmt = select(Alert).where(Alert.tenant_id == tenant_id, col(Alert.signal_id).in_(chunk))
        if until is not None:
            stmt = stmt.where(Alert.at <= until)
        for alert in session.exec(stmt.order_by(col(Alert.at), col(Alert.pk))):
            alerts[alert.signal_id or 0].append(alert)
    views = []
    for signal in signals:
        mine = alerts.get(signal.pk or 0, [])
        if signal.tenant_id != tenant_id or any(a.tenant_id != tenant_id for a in mine):
            raise TenantMismatch(f"signal {signal.pk} holds data of another tenant")
        if not mine:
            continue
        if firing_at is None:
            firing = any(a.resolved_at is None for a in mine)
        else:
            firing = any(a.resolved_at is None or a.resolved_at > firing_at for a in mine)
        views.append(SignalView(
            signal_id=signal.pk or 0, tenant_id=signal.tenant_id, title=signal.title,
            representative=signal.representative, template=signal.template, members=signal.members,
            category=signal.category, grouping=signal.grouping,
            devices=sorted({a.device for a in mine if a.device}), count=len(mine),
            first_seen=mine[0].at, last_seen=max(a.at for a in mine),
            severity=max((a.severity for a in mine), key=lambda s: SEVERITY_RANK.get(s, 0)),
            firing=firing, noise=signal.noise,
            alerts=[_ref(a) for a in (mine if max_alerts is None else mine[:max_alerts])],
        ))
    return views


def _ref(alert: Alert) -> AlertRef:
    return AlertRef(pk=alert.pk or 0, source=alert.source, external_id=alert.external_id, device=alert.device,
                    check_name=alert.check_name, severity=alert.severity, at=alert.at,
                    resolved_at=alert.resolved_at, url=alert.url, message=alert.message)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


__all__ = ["AlertRef", "RelatedCluster", "SignalView", "classification_delays", "classify_alerts", "classify_pending",
           "current_signals",
           "default_now", "related_alert_clusters"]
