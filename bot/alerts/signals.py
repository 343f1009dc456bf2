"""Signals in the store: classify alerts (``bot/alerts/classify.py``) and read signals back.

Classification (``bot/alerts/classify.py``, re-exported here) is windowed re-triage
of new or changed alerts with what they can join; reading gives the signals as
they stood at a time, and the clusters near a ticket for the escalation packet.
Reading never classifies: callers that may meet unclassified alerts run
``classify_pending`` first (imports and webhooks classify on arrival).

Every function takes the tenant as a keyword-only ``tenant_id`` and filters by
it in SQL; the views assert that nothing of another tenant slipped through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.alerts.classify import chunks as _chunks
from bot.alerts.classify import classify_alerts, classify_pending
from bot.alerts.triage import SEVERITY_RANK
from bot.db.models import Alert, Signal, utcnow
from bot.db.store import require_tenant_id as _require
from bot.tenancy.guard import require_same_tenant

MAX_ALERTS_PER_CLUSTER = 50


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
    correlation: dict[str, Any] | None  # outages: root, effects, reason, site (bot/alerts/outages.py)
    alerts: list[AlertRef]

    @property
    def actionable(self) -> bool:
        return self.noise is None

    @property
    def root(self) -> str | None:
        return (self.correlation or {}).get("root")

    @property
    def effects(self) -> list[str]:
        return list((self.correlation or {}).get("effects") or [])

    @property
    def reason(self) -> str | None:
        return (self.correlation or {}).get("reason")

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


def signal_view(*, session: Session, tenant_id: str, signal_id: int) -> SignalView | None:
    """One signal of one tenant with every one of its alerts (None: not this tenant's, or empty)."""
    views = _views(session, _require(tenant_id), [signal_id], until=None, firing_at=None, max_alerts=None)
    return views[0] if views else None


def related_alert_clusters(
    *,
    session: Session,
    tenant_id: str,
    device: str | None,
    around: datetime,
    before: timedelta = timedelta(hours=24),
    after: timedelta = timedelta(hours=2),
    limit: int = 10,
) -> list[RelatedCluster]:
    """The alert clusters of one tenant near a ticket, for the escalation packet.

    Clusters (signals) with at least one alert in [around - before, around +
    after]. Those on ``device`` (case-insensitive) come first, then the same
    client's other devices; within each, actionable before noise, then the
    nearest in time. ``minutes_from_around`` is the distance from ``around`` to
    the cluster's nearest alert. A cluster lists its alerts in time order (at
    most ``MAX_ALERTS_PER_CLUSTER``; ``count`` is the total); ``firing`` means
    some alert of it has not resolved. Alerts without a signal yet are not
    seen (``bot.packets.builder.classify_ticket_alerts`` classifies them first).
    Never returns another tenant's alerts, whatever the device is called.
    """
    tenant_id = _require(tenant_id)
    if around.tzinfo is None:
        raise ValueError("around must carry a time zone")
    lo, hi = around - before, around + after
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
        # Sorted here, not by the database: an ORDER BY at makes SQLite walk the client's whole alert
        # history in time order instead of looking the signals up (``ix_alert_tenant_signal``).
        for alert in session.exec(stmt):
            alerts[alert.signal_id or 0].append(alert)
    views = []
    for signal in signals:
        mine = sorted(alerts.get(signal.pk or 0, []), key=lambda a: (a.at, a.pk or 0))
        require_same_tenant(tenant_id, signal.tenant_id, what=f"signal {signal.pk}")
        for alert in mine:
            require_same_tenant(tenant_id, alert.tenant_id, what=f"alert {alert.pk} of signal {signal.pk}")
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
            firing=firing, noise=signal.noise, correlation=signal.correlation,
            alerts=[_ref(a) for a in (mine if max_alerts is None else mine[:max_alerts])],
        ))
    return views


def _ref(alert: Alert) -> AlertRef:
    return AlertRef(pk=alert.pk or 0, source=alert.source, external_id=alert.external_id, device=alert.device,
                    check_name=alert.check_name, severity=alert.severity, at=alert.at,
                    resolved_at=alert.resolved_at, url=alert.url, message=alert.message)


__all__ = ["AlertRef", "RelatedCluster", "SignalView", "classification_delays", "classify_alerts", "classify_pending",
           "current_signals",
           "default_now", "related_alert_clusters", "signal_view"]
