"""The time rules of triage: episodes, storms and noise. Pure; ``bot/alerts/triage.py`` uses them.

Everything here works on alerts of one tenant and one *kind* (check name and
message template): whether two alerts of one kind are one problem depends on
when they fired and whether the earlier one was still open, never on labels.

- ``episodes``: one device's alerts of one kind, split into episodes of one
  condition. Monitoring re-notifies while a condition holds (a disk warning
  every 15 minutes, a failed backup every night, a failed definition update
  every 4 hours), and an RMM alert stays open until the condition clears or
  someone closes it. So an alert continues the episode when it fires while an
  earlier alert of the episode is still open, however long ago that one fired
  (bounded by ``episode_open_reach``, a week: past that an open alert is more
  likely forgotten than informative), or within ``episode_gap`` of the last
  firing (a check that re-fires soon after clearing). A scheduled job that
  fails on every run (a nightly backup or patch window, a definition update
  every 4 hours) is one problem even when each failure's alert was closed
  before the next run: ``schedule_min_runs`` or more episodes whose onsets are
  evenly spaced on a scheduler's period are one episode, for at most
  ``episode_open_reach``. Schedulers (cron, backup and patch windows, AV
  update intervals) run every 1, 2, 3, 4, 6, 8, 12 or 24 hours, so only those
  periods count (within 10 %, at least ``schedule_jitter``): three problems that
  happen to be 13.5 hours apart are not taken for a schedule.
- ``storms``: the same kind on many devices at once is one failure (a site
  losing power, a bad definition or patch rolled out to every PC). Episodes of
  one kind whose *onsets* chain within ``storm_gap`` of each other and touch
  ``storm_min_devices`` devices are a storm. Onsets, not every alert: a storm's
  devices keep re-notifying for hours, and a device elsewhere that goes offline
  half an hour later is not one of them just because the others are still
  complaining. A storm continues like an episode does (another wave of the
  same kind while the storm's alerts are still open, or within ``episode_gap``
  of its last alert) and takes in later episodes of its own devices.
- ``noise``: *flapping* is a check that goes down and up again and again: each
  alert resolved quickly *and before the next one fired*. Alerts that overlap
  (the earlier still open when the next fires) are repeats of one persistent
  condition, however fast they all resolve once it is fixed, and are not
  flapping. A *blip* is a cluster whose alerts all resolved within minutes.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

NOISE_FLAPPING = "flapping"
NOISE_BLIP = "blip"


class AlertLike(Protocol):
    """What triage reads of an alert: ``bot.db.models.Alert`` rows fit, and so do plain objects."""

    @property
    def pk(self) -> Hashable: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def device(self) -> str | None: ...
    @property
    def check_name(self) -> str | None: ...
    @property
    def severity(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def resolved_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class TriageConfig:
    episode_gap: timedelta = timedelta(hours=1)
    episode_open_reach: timedelta = timedelta(days=7)
    schedule_min_runs: int = 3
    schedule_periods_h: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12, 24)
    schedule_jitter: timedelta = timedelta(minutes=15)
    storm_gap: timedelta = timedelta(minutes=10)
    storm_max_span: timedelta = timedelta(hours=2)
    storm_min_devices: int = 3
    correlate_window: timedelta = timedelta(minutes=30)
    correlate_open_reach: timedelta = timedelta(hours=3)
    blip_max: timedelta = timedelta(minutes=10)
    flap_min_cycles: int = 3
    flap_max_cycle: timedelta = timedelta(minutes=30)
    # Site outages (bot/alerts/outages.py).
    outage_window: timedelta = timedelta(minutes=30)
    outage_grace: timedelta = timedelta(minutes=2)
    outage_gap: timedelta = timedelta(minutes=10)
    outage_min_devices: int = 3

    @property
    def horizon(self) -> timedelta:
        """How far an alert's grouping reaches among *all* of the tenant's alerts: the re-triage
        window's margin. Beyond it an alert only joins alerts still open (within
        ``episode_open_reach``) or earlier runs of a schedule on its own device (within
        ``schedule_reach``); ``bot/alerts/classify.py`` loads those too."""
        return max(self.episode_gap, self.storm_max_span, self.correlate_window, self.correlate_open_reach,
                   self.outage_window)

    @property
    def schedule_reach(self) -> timedelta:
        """How far back an episode can be for a new one to make a scheduled run of them with it."""
        period = timedelta(hours=max(self.schedule_periods_h))
        return (self.schedule_min_runs - 1) * (period + max(self.schedule_jitter, period / 10))


def device_key(device: str | None) -> str | None:
    # Device names from RMMs and exporters differ in case ("DC01" / "dc01").
    return device.casefold() if device else None


def reach(alert: AlertLike, config: TriageConfig) -> datetime:
    """Until when this alert says its condition holds: its resolution, or ``episode_open_reach``
    after it fired if it is still open (or resolved later than that)."""
    cap = alert.at + config.episode_open_reach
    return cap if alert.resolved_at is None else max(alert.at, min(alert.resolved_at, cap))


def _continues(at: datetime, last_fired: datetime, open_until: datetime, config: TriageConfig) -> bool:
    return at - last_fired <= config.episode_gap or at <= open_until


def episodes(alerts: Sequence[AlertLike], config: TriageConfig) -> list[list[AlertLike]]:
    """Time-ordered alerts of one device and kind, split into episodes of one condition."""
    out: list[list[AlertLike]] = []
    current: list[AlertLike] = []
    last_fired = open_until = datetime.min
    for alert in alerts:
        if current and not _continues(alert.at, last_fired, open_until, config):
            out.append(current)
            current = []
        if not current:
            open_until = alert.at
        current.append(alert)
        last_fired = alert.at
        open_until = max(open_until, reach(alert, config))
    if current:
        out.append(current)
    return _on_schedule(out, config)


def _on_schedule(found: list[list[AlertLike]], config: TriageConfig) -> list[list[AlertLike]]:
    """Merge runs of evenly spaced episodes (a job failing on every scheduled run) into one.

    Only episodes that are real problems take part: a check that flaps every
    evening is noise, however regular.
    """
    if len(found) < config.schedule_min_runs:
        return found
    real = [e for e in found if noise(e, False, config) is None]
    onsets = [e[0].at for e in real]
    merged: dict[int, list[AlertLike]] = {}
    start = 0
    while start < len(real) - 1:
        step = onsets[start + 1] - onsets[start]
        end = start + 1
        period = next((p for p in (timedelta(hours=h) for h in config.schedule_periods_h)
                       if abs(step - p) <= max(config.schedule_jitter, p / 10)), None)
        if period is not None:
            slack = max(config.schedule_jitter, period / 10)
            while (end + 1 < len(real) and abs(onsets[end + 1] - onsets[end] - period) <= slack
                   and onsets[end + 1] - onsets[start] <= config.episode_open_reach):
                end += 1
        if end + 1 - start >= config.schedule_min_runs:
            run = real[start:end + 1]
            alerts = sorted((a for e in run for a in e), key=lambda a: (a.at, str(a.pk)))
            merged.update({id(e): alerts for e in run})
            start = end + 1
        else:
            start += 1
    out: list[list[AlertLike]] = []
    seen: set[int] = set()
    for episode in found:
        whole = merged.get(id(episode), episode)
        if id(whole) not in seen:
            seen.add(id(whole))
            out.append(whole)
    return out


class _Storm:
    """Episodes of one kind on several devices, growing while the failure holds."""

    def __init__(self, episodes: list[list[AlertLike]], config: TriageConfig) -> None:
        self.episodes: list[list[AlertLike]] = []
        self.devices: set[str | None] = set()
        self.last_fired = self.open_until = episodes[0][0].at
        self.take(episodes, config)

    def take(self, episodes: list[list[AlertLike]], config: TriageConfig) -> None:
        for episode in episodes:
            self.episodes.append(episode)
            self.devices.add(device_key(episode[0].device))
            self.last_fired = max(self.last_fired, max(a.at for a in episode))
            self.open_until = max(self.open_until, max(reach(a, config) for a in episode))


def storms(episodes_of_kind: Sequence[list[AlertLike]], config: TriageConfig
           ) -> tuple[list[list[AlertLike]], list[list[AlertLike]]]:
    """Episodes of one kind on several devices -> (storms, each as one time-ordered alert list;
    the episodes that are no part of a storm)."""
    ordered = sorted(episodes_of_kind, key=lambda e: (e[0].at, str(e[0].pk)))
    waves: list[list[list[AlertLike]]] = []  # onset chains
    for episode in ordered:
        wave = waves[-1] if waves else None
        if (wave and episode[0].at - wave[-1][0].at <= config.storm_gap
                and episode[0].at - wave[0][0].at <= config.storm_max_span):
            wave.append(episode)
        else:
            waves.append([episode])
    found: list[_Storm] = []
    rest: list[list[AlertLike]] = []
    for wave in waves:  # in onset order
        onset = wave[0][0].at
        is_storm = len({device_key(e[0].device) for e in wave}) >= config.storm_min_devices
        live = [s for s in found if _continues(onset, s.last_fired, s.open_until, config)]
        if is_storm:
            if live:
                live[-1].take(wave, config)  # another wave of a storm that still holds
            else:
                found.append(_Storm(wave, config))
            continue
        for episode in wave:  # a later episode of a device already in a storm that still holds
            home = next((s for s in reversed(live) if device_key(episode[0].device) in s.devices), None)
            if home is not None:
                home.take([episode], config)
            else:
                rest.append(episode)
    merged = [sorted((a for e in s.episodes for a in e), key=lambda a: (a.at, str(a.pk))) for s in found]
    return merged, rest


def alternating_cycles(alerts: Sequence[AlertLike], config: TriageConfig) -> int:
    """Alerts (time-ordered) that resolved within ``flap_max_cycle`` and before the next alert fired."""
    cycles = 0
    for index, alert in enumerate(alerts):
        if alert.resolved_at is None or alert.resolved_at - alert.at > config.flap_max_cycle:
            continue
        following = alerts[index + 1] if index + 1 < len(alerts) else None
        if following is None or alert.resolved_at <= following.at:
            cycles += 1
    return cycles


def noise(alerts: Sequence[AlertLike], storm: bool, config: TriageConfig) -> str | None:
    """``flapping``, ``blip`` or None (a real problem) for one cluster's time-ordered alerts.

    Flapping needs ``flap_min_cycles`` down-up cycles that make up at least half
    of the cluster: a check that flapped a few times and then stayed down is a
    real outage. A storm is never flapping (many devices at once is a failure).
    """
    if not storm:
        cycles = alternating_cycles(alerts, config)
        if cycles >= config.flap_min_cycles and 2 * cycles >= len(alerts):
            return NOISE_FLAPPING
    if all(a.resolved_at is not None and a.resolved_at - a.at <= config.blip_max for a in alerts):
        return NOISE_BLIP
    return None
