"""Alert triage: a stream of alerts into signals. Pure: no database, no clock.

Everything happens inside one tenant; ``triage`` splits its input by tenant
first, and no step ever looks across tenants.

1. Kind. Each alert's message (its own device name masked) is mined into a
   template by the tenant's drain3 miner (``bot/templates.py``). The alert's
   *kind* is (check name, template).
2. Storms. Alerts of one kind are chained in time (gap <= ``storm_gap``, span
   <= ``storm_max_span``); a chain that touches ``storm_min_devices`` devices or
   more is a storm: one cluster across devices.
3. Episodes. The remaining alerts are chained per (device, kind): an alert
   continues the cluster if it fires within ``episode_gap`` of the previous
   one's firing, or while an earlier alert of the cluster is still open - but
   an open alert keeps the episode going for at most ``episode_open_reach``
   after it fired: a check left open for a day says little about a new alert
   of the same kind twelve hours later.
4. Noise. A cluster with ``flap_min_cycles`` or more alerts that each resolved
   within ``flap_max_cycle`` of firing is *flapping*. A cluster whose alerts all
   resolved within ``blip_max`` (and that is not flapping) is a *blip*.
5. Signals. Clusters on one device that start within ``correlate_window`` of
   the last firing of the group so far are one signal (replication failure +
   DNS errors + time skew on a DC fire together). Flapping clusters and storms
   stay signals of their own; a signal made only of blips is a blip. Alerts
   without a device are never correlated with anything but their own kind.

Categories (``category_for``) come from keywords in the check names and
templates, scored per category; the rules are ``CATEGORY_KEYWORDS`` below.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.templates import WILDCARD, TemplateBook

SEVERITY_RANK = {"critical": 3, "warning": 2, "info": 1}
NOISE_FLAPPING = "flapping"
NOISE_BLIP = "blip"


class AlertLike(Protocol):
    """What triage reads of an alert: ``bot.models.Alert`` rows fit, and so do plain objects."""

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
    episode_open_reach: timedelta = timedelta(hours=3)
    storm_gap: timedelta = timedelta(minutes=10)
    storm_max_span: timedelta = timedelta(hours=2)
    storm_min_devices: int = 3
    correlate_window: timedelta = timedelta(minutes=30)
    blip_max: timedelta = timedelta(minutes=10)
    flap_min_cycles: int = 3
    flap_max_cycle: timedelta = timedelta(minutes=30)

    @property
    def horizon(self) -> timedelta:
        """How far one alert's grouping can reach: the re-triage window margin."""
        return max(self.episode_gap + self.episode_open_reach, self.storm_max_span, self.correlate_window)


@dataclass
class Cluster:
    """Alerts of one kind: one device's episode, or a storm across devices."""

    tenant_id: str
    check: str | None
    template: str
    alerts: list[AlertLike]
    storm: bool = False
    noise: str | None = None

    @property
    def first_seen(self) -> datetime:
        return self.alerts[0].at

    @property
    def last_fired(self) -> datetime:
        return max(a.at for a in self.alerts)

    @property
    def devices(self) -> list[str]:
        return sorted({a.device for a in self.alerts if a.device})


@dataclass
class Signal:
    tenant_id: str
    clusters: list[Cluster]
    grouping: str  # "storm" | "device" | "flapping" | "single"
    noise: str | None
    alerts: list[AlertLike] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.alerts = sorted((a for c in self.clusters for a in c.alerts), key=lambda a: (a.at, str(a.pk)))

    @property
    def main(self) -> Cluster:
        """The cluster that names the signal: worst severity, then most alerts, then earliest."""
        return max(self.clusters, key=lambda c: (_worst(c.alerts), len(c.alerts), -c.first_seen.timestamp()))

    @property
    def devices(self) -> list[str]:
        return sorted({a.device for a in self.alerts if a.device})

    @property
    def first_seen(self) -> datetime:
        return self.alerts[0].at

    @property
    def last_seen(self) -> datetime:
        return max(a.at for a in self.alerts)

    @property
    def severity(self) -> str:
        return max((a.severity for a in self.alerts), key=lambda s: SEVERITY_RANK.get(s, 0))

    @property
    def firing(self) -> bool:
        return any(a.resolved_at is None for a in self.alerts)

    @property
    def representative(self) -> str:
        main = self.main
        worst = _worst(main.alerts)
        return next(a.message for a in main.alerts if SEVERITY_RANK.get(a.severity, 0) == worst)

    @property
    def category(self) -> str:
        return category_for([c.check or "" for c in self.clusters] + [c.template for c in self.clusters])

    @property
    def title(self) -> str:
        main = self.main
        what = main.check or _short(main.template)
        devices = self.devices
        where = devices[0] if len(devices) == 1 else f"{len(devices)} devices" if devices else "no device"
        title = f"{what} on {where}"
        others = [c.check or _short(c.template) for c in self.clusters if c is not main]
        others = list(dict.fromkeys(o for o in others if o != what))
        if others:
            title += " with " + ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        if self.noise:
            title += f" ({self.noise})"
        return title


def triage(alerts: Iterable[AlertLike], config: TriageConfig | None = None) -> list[Signal]:
    """Group alerts into signals, each tenant on its own. Signals come out in time order."""
    config = config or TriageConfig()
    by_tenant: dict[str, list[AlertLike]] = defaultdict(list)
    for alert in alerts:
        if not alert.tenant_id:
            raise ValueError(f"alert {alert.pk!r} has no tenant")
        by_tenant[alert.tenant_id].append(alert)
    book = TemplateBook()
    signals: list[Signal] = []
    for tenant_id in sorted(by_tenant):
        signals.extend(_triage_tenant(tenant_id, by_tenant[tenant_id], book, config))
    signals.sort(key=lambda s: (s.first_seen, s.tenant_id, str(s.alerts[0].pk)))
    return signals


def _triage_tenant(tenant_id: str, alerts: list[AlertLike], book: TemplateBook, config: TriageConfig) -> list[Signal]:
    alerts = sorted(alerts, key=lambda a: (a.at, str(a.pk)))
    kinds: dict[Hashable, tuple[str | None, int]] = {}
    for alert in alerts:
        kinds[alert.pk] = (alert.check_name, book.add(tenant_id, _mining_text(alert)))

    def template_of(kind: tuple[str | None, int]) -> str:
        return book.template(tenant_id, kind[1])

    by_kind: dict[tuple[str | None, int], list[AlertLike]] = defaultdict(list)
    for alert in alerts:
        by_kind[kinds[alert.pk]].append(alert)

    clusters: list[Cluster] = []
    rest: list[AlertLike] = []
    for kind, members in by_kind.items():
        for chain in _chains(members, config.storm_gap, config.storm_max_span):
            if len({a.device for a in chain if a.device}) >= config.storm_min_devices:
                clusters.append(Cluster(tenant_id, kind[0], template_of(kind), chain, storm=True))
            else:
                rest.extend(chain)

    by_device_kind: dict[tuple[str | None, tuple[str | None, int]], list[AlertLike]] = defaultdict(list)
    for alert in sorted(rest, key=lambda a: (a.at, str(a.pk))):
        by_device_kind[(_device_key(alert.device), kinds[alert.pk])].append(alert)
    for (_, kind), members in by_device_kind.items():
        for chain in _chains(members, config.episode_gap, None, open_reach=config.episode_open_reach):
            clusters.append(Cluster(tenant_id, kind[0], template_of(kind), chain))

    for cluster in clusters:
        cluster.noise = _noise(cluster, config)
    return _signals(tenant_id, clusters, config)


def _signals(tenant_id: str, clusters: list[Cluster], config: TriageConfig) -> list[Signal]:
    signals: list[Signal] = []
    per_device: dict[str, list[Cluster]] = defaultdict(list)
    for cluster in clusters:
        if cluster.storm:
            signals.append(Signal(tenant_id, [cluster], "storm", cluster.noise))
        elif cluster.noise == NOISE_FLAPPING:
            signals.append(Signal(tenant_id, [cluster], "flapping", NOISE_FLAPPING))
        elif not cluster.alerts[0].device:
            signals.append(Signal(tenant_id, [cluster], "single", cluster.noise))
        else:
            per_device[_device_key(cluster.alerts[0].device) or ""].append(cluster)
    for members in per_device.values():
        members.sort(key=lambda c: (c.first_seen, str(c.alerts[0].pk)))
        group: list[Cluster] = []
        last_fired: datetime | None = None
        for cluster in members:
            if group and last_fired is not None and cluster.first_seen - last_fired <= config.correlate_window:
                group.append(cluster)
                last_fired = max(last_fired, cluster.last_fired)
                continue
            if group:
                signals.append(_device_signal(tenant_id, group))
            group, last_fired = [cluster], cluster.last_fired
        if group:
            signals.append(_device_signal(tenant_id, group))
    return signals


def _device_signal(tenant_id: str, clusters: list[Cluster]) -> Signal:
    noise = NOISE_BLIP if all(c.noise == NOISE_BLIP for c in clusters) else None
    return Signal(tenant_id, clusters, "device" if len(clusters) > 1 else "single", noise)


def _noise(cluster: Cluster, config: TriageConfig) -> str | None:
    cycles = sum(1 for a in cluster.alerts
                 if a.resolved_at is not None and a.resolved_at - a.at <= config.flap_max_cycle)
    if not cluster.storm and cycles >= config.flap_min_cycles:
        return NOISE_FLAPPING
    if all(a.resolved_at is not None and a.resolved_at - a.at <= config.blip_max for a in cluster.alerts):
        return NOISE_BLIP
    return None


def _chains(alerts: Sequence[AlertLike], gap: timedelta, max_span: timedelta | None,
            open_reach: timedelta | None = None) -> list[list[AlertLike]]:
    """Split time-ordered alerts where one fires more than ``gap`` after the chain's reach.

    The reach is the latest firing so far; with ``open_reach``, an alert that is
    still open also reaches to its resolution, at most ``open_reach`` after it fired.
    """
    chains: list[list[AlertLike]] = []
    current: list[AlertLike] = []
    reach: datetime | None = None
    for alert in alerts:
        too_far = reach is not None and alert.at - reach > gap
        too_long = max_span is not None and current and alert.at - current[0].at > max_span
        if current and (too_far or too_long):
            chains.append(current)
            current, reach = [], None
        current.append(alert)
        end = alert.at
        if open_reach is not None:
            end = min(alert.resolved_at or alert.at + open_reach, alert.at + open_reach)
            end = max(end, alert.at)
        reach = end if reach is None else max(reach, end)
    if current:
        chains.append(current)
    return chains


def _worst(alerts: Iterable[AlertLike]) -> int:
    return max(SEVERITY_RANK.get(a.severity, 0) for a in alerts)


def _device_key(device: str | None) -> str | None:
    # Device names from RMMs and exporters differ in case ("DC01" / "dc01").
    return device.casefold() if device else None


def _mining_text(alert: AlertLike) -> str:
    text = " ".join(alert.message.split())
    if alert.device:
        text = re.sub(rf"(?<![\w.-]){re.escape(alert.device)}(?![\w-])", WILDCARD, text, flags=re.IGNORECASE)
    return text


def _short(template: str, words: int = 8) -> str:
    parts = template.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


# --- categories ----------------------------------------------------------------

# Keyword -> weight per category; the category with the highest total over a
# signal's check names and templates wins, ties broken by the order below;
# nothing matching at all is "endpoint" (the device itself: disk, CPU, services).
CATEGORY_KEYWORDS: dict[str, dict[str, float]] = {
    "active-directory": {
        "replication": 3, "repadmin": 3, "ntds": 3, "kerberos": 3, "ldap": 2, "domain controller": 3,
        "active directory": 3, "sysvol": 3, "dfsr": 2, "netlogon": 3, "fsmo": 3, "group policy": 3, "gpo": 2,
        "time skew": 2, "w32time": 2, "clock skew": 2, "time sync": 2, "account locked": 2, "lockout": 2,
        "ad ": 1, "dns": 1,
    },
    "backup": {
        "backup": 3, "veeam": 3, "datto": 3, "acronis": 3, "restore": 2, "vss": 2, "snapshot": 2,
        "shadow copy": 2, "replica": 1, "retention": 1, "job failed": 1,
    },
    "m365": {
        "m365": 3, "office 365": 3, "o365": 3, "microsoft 365": 3, "exchange online": 3, "mailbox": 2,
        "outlook": 2, "sharepoint": 3, "onedrive": 3, "teams": 2, "entra": 3, "azure ad": 3, "intune": 3,
        "license": 1, "mfa": 2, "conditional access": 3, "mail flow": 2, "smtp": 1,
    },
    "printing": {
        "printer": 3, "spooler": 3, "print queue": 3, "toner": 3, "paper jam": 3, "print job": 3, "printing": 3,
    },
    "network": {
        "ping": 2, "offline": 1, "unreachable": 2, "packet loss": 3, "latency": 2, "interface": 2,
        "link down": 3, "vpn": 3, "tunnel": 2, "firewall": 3, "switch": 2, "router": 3, "wan": 3, "isp": 3,
        "dhcp": 2, "dns": 1, "bgp": 3, "snmp": 1, "port down": 3, "wifi": 2, "wireless": 2, "access point": 3,
    },
    "endpoint": {
        "disk": 2, "cpu": 2, "memory": 2, "antivirus": 2, "defender": 2, "malware": 2, "patch": 2,
        "windows update": 2, "reboot": 1, "service stopped": 2, "bitlocker": 2, "edr": 2, "agent": 1,
        "low disk": 3, "free space": 2,
    },
}
_DEFAULT_CATEGORY = "endpoint"
_KEYWORD_RES = {
    category: [(re.compile(rf"(?<![a-z0-9]){re.escape(k.strip())}(?![a-z0-9])"), w) for k, w in words.items()]
    for category, words in CATEGORY_KEYWORDS.items()
}


def category_for(texts: Sequence[str]) -> str:
    """The suggested ticket category for a signal's check names and templates."""
    text = " ".join(t.casefold().replace("_", " ") for t in texts if t)
    scores: dict[str, float] = defaultdict(float)
    for category, rules in _KEYWORD_RES.items():
        for regex, weight in rules:
            if regex.search(text):
                scores[category] += weight
    if not scores:
        return _DEFAULT_CATEGORY
    order = list(CATEGORY_KEYWORDS)
    return max(scores, key=lambda c: (scores[c], -order.index(c)))
