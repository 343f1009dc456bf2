"""Which alert sources a report lists one by one, and which it counts in one line.

Issue #17: four of the five "top alert signals" of a month read "No ticket was
opened for it; the alerts cleared without a ticket". A source (a signal's title,
"Printer status on PRN01": triage may split one source into several signals)
is worth its own line when it led to a ticket, came back (two or more episodes
this period, or alerts in the two months before) or is still firing; a source
that cleared once on its own is only counted. ``sources`` orders them so:
the ones worth a line first, then the quiet ones, each by alerts.

The ticket that handled a signal is an inference (``handling_ticket``), so the
report gives it a confidence.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.db import store
from bot.db.models import Alert, Signal, Ticket

EPISODE_GAP = timedelta(hours=6)  # alerts further apart are separate episodes (as ``service_review.BURST_GAP``)
LOOK_BACK = timedelta(days=62)  # "came back": the same source alerted in the two months before


@dataclass(frozen=True)
class Handling:
    ticket: Ticket
    gap_h: float  # hours from the signal's first alert to the ticket
    same_topic: bool


@dataclass
class AlertSource:
    title: str
    signals: list[Signal]
    alerts: int
    episodes: int
    episode_days: list[datetime]
    seen_before: bool = False
    handling: Handling | None = None
    handled_by: Signal | None = None  # the signal whose ticket it is
    devices: list[str] = field(default_factory=list)

    @property
    def firing(self) -> bool:
        return any(s.firing for s in self.signals)

    @property
    def recurring(self) -> bool:
        return self.episodes >= 2 or self.seen_before

    @property
    def quiet(self) -> bool:
        """Cleared on its own, once, without a ticket: counted, not listed."""
        return self.handling is None and not self.firing and not self.recurring


def episodes(times: list[datetime]) -> list[datetime]:
    """The first alert of each episode (bursts more than ``EPISODE_GAP`` apart)."""
    starts: list[datetime] = []
    last: datetime | None = None
    for at in sorted(times):
        if last is None or at - last > EPISODE_GAP:
            starts.append(at)
        last = at
    return starts


def sources(session: Session, tenant_id: str, start: datetime, end: datetime) -> list[AlertSource]:
    """Every actionable alert source of the period, in the order the report lists them."""
    rows = list(session.exec(select(Alert.signal_id, Alert.at).where(
        Alert.tenant_id == tenant_id, Alert.at >= start, Alert.at < end, col(Alert.signal_id).is_not(None))))
    counts = Counter(pk for pk, _ in rows)
    if not counts:
        return []
    signals = session.exec(select(Signal).where(Signal.tenant_id == tenant_id, col(Signal.pk).in_(list(counts)),
                                                col(Signal.noise).is_(None))).all()
    by_title: dict[str, list[Signal]] = defaultdict(list)
    for sig in sorted(signals, key=lambda s: (-counts[s.pk], s.first_seen)):
        by_title[sig.title].append(sig)
    times: dict[int | None, list[datetime]] = defaultdict(list)
    for pk, at in rows:
        times[pk].append(at)
    out = []
    for title, sigs in by_title.items():
        starts = episodes([at for s in sigs for at in times[s.pk]])
        source = AlertSource(title=title, signals=sigs, alerts=sum(counts[s.pk] for s in sigs), episodes=len(starts),
                             episode_days=starts, devices=list(dict.fromkeys(d for s in sigs for d in s.devices)))
        source.seen_before = session.exec(select(Signal.pk).where(
            Signal.tenant_id == tenant_id, Signal.title == title, col(Signal.noise).is_(None),
            Signal.last_seen >= start - LOOK_BACK, Signal.first_seen < start,
            col(Signal.pk).not_in([s.pk for s in sigs])).limit(1)).first() is not None
        for sig in sigs:
            source.handling = handling_ticket(session, tenant_id, sig)
            if source.handling is not None:
                source.handled_by = sig
                break
        out.append(source)
    return sorted(out, key=lambda s: (s.quiet, -s.alerts, s.title))


_TERM = re.compile(r"[a-z][a-z0-9]{3,}")
_GENERIC = frozenset(["alert", "alerts", "warning", "critical", "error", "errors", "failed", "failing", "issue",
                      "problem", "device", "service", "services", "check", "status", "down", "offline", "online"])


def _topic(text: str, device: str | None) -> set[str]:
    words = set(_TERM.findall(text.casefold())) - _GENERIC
    return {w for w in words if not device or w not in device.casefold()}


def handling_ticket(session: Session, tenant_id: str, sig: Signal) -> Handling | None:
    """The ticket that handled a signal, if any.

    A candidate is a ticket of the client opened from 2 h before the first alert to 12 h after the
    last, either on one of the signal's devices and within an hour of the first alert or sharing a
    topic word with the signal, or (a storm ticket names no single device) of the signal's category
    sharing two topic words. Device names never count as topic words: a "DC02 offline" signal and a
    "sync errors on DC02" ticket opened half a day later are different problems.
    """
    topic = _topic(" ".join([sig.title, sig.representative, *(m.get("check") or "" for m in sig.members)]), None)
    candidates = []
    for t in store.list_tickets(session=session, tenant_id=tenant_id, since=sig.first_seen - timedelta(hours=2),
                                until=sig.last_seen + timedelta(hours=12)):
        gap_h = abs((t.created_at - sig.first_seen).total_seconds()) / 3600
        shared = topic & _topic(f"{t.title} {t.description or ''}", t.device) - {d.casefold() for d in sig.devices}
        on_device = bool(t.device) and t.device in sig.devices
        if (on_device and (gap_h <= 1 or shared)) or (t.category == sig.category and len(shared) >= 2):
            candidates.append((gap_h, -len(shared), t))
    if not candidates:
        return None
    gap_h, neg_shared, ticket = min(candidates, key=lambda c: (c[1], c[0]))
    return Handling(ticket, gap_h, bool(neg_shared))
