"""Alert triage: a stream of alerts into signals. Pure: no database, no clock.

Everything happens inside one tenant; ``triage`` splits its input by tenant
first, and no step ever looks across tenants. The time rules (episodes, storms,
noise) are in ``bot/alerts/episodes.py``, where each is explained; categories in
``bot/alerts/categories.py``.

1. Kind. Each alert's message (its own device name masked) is mined into a
   template by the tenant's drain3 miner (``bot/alerts/templates.py``). The alert's
   *kind* is (check name, template).
2. Episodes. Alerts of one kind on one device are one episode while the
   condition holds: an alert continues the episode when it fires while an
   earlier alert of it is still open (at most ``episode_open_reach``, a week,
   after that one fired) or within ``episode_gap`` of the last firing. This is
   what joins a disk warning re-sent every 15 minutes overnight, a backup job
   failing every night and a definition update failing every 4 hours.
3. Storms. Episodes of one kind whose onsets chain within ``storm_gap`` (span
   at most ``storm_max_span``) on ``storm_min_devices`` devices or more are one
   storm; it continues like an episode and takes later episodes of its own
   devices, but not a device elsewhere that starts the same complaint later.
4. Noise. A cluster is *flapping* when it alternates: ``flap_min_cycles`` or
   more alerts (and at least half of them) resolved within ``flap_max_cycle``
   and before the next one fired. Overlapping alerts are repeats of one
   persistent condition, not flapping. A cluster whose alerts all resolved
   within ``blip_max`` is a *blip*.
5. Signals. Different kinds on one device are one signal only when they are of
   one *family* (``family_for``: the subsystem whose checks fail together: a
   DC's replication, KCC, DNS and time checks; a circuit's WAN, uplink and VPN
   checks) and the later one started while the earlier was going on: within
   ``correlate_window`` of its start, or while it was still open (each alert
   counted for at most ``correlate_open_reach`` after it fired: a day-old open
   warning says little about a new check failing). Co-occurrence alone is not
   enough: a CPU alarm on a DC and a lockout loop that started three minutes
   later, or a stopped Netlogon service during a lockout loop, are different
   problems; a check no family names is never correlated with another.
   Storms and flapping clusters stay signals of their own; a signal made only
   of blips is a blip. Alerts without a device are never correlated with
   anything but their own kind.
6. Outages. Signals of several devices that one upstream failure explains (a
   UPS, a firewall, a site's link) become one signal with its root and effects
   (``bot/alerts/outages.py``): from the client's topology when it has one,
   else from timing and site names, which the signal's reason then says.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache

from bot.alerts.categories import CATEGORY_KEYWORDS, category_for, family_for
from bot.alerts.episodes import (
    NOISE_BLIP,
    NOISE_FLAPPING,
    AlertLike,
    TriageConfig,
    device_key,
    episodes,
    noise,
    reach,
    storms,
)
from bot.alerts.outages import correlate_outages
from bot.alerts.templates import WILDCARD, TemplateBook
from bot.alerts.topology import Topology
from bot.alerts.triage_model import SEVERITY_RANK, Cluster, Signal


def triage(alerts: Iterable[AlertLike], config: TriageConfig | None = None,
           topologies: Mapping[str, Topology] | None = None) -> list[Signal]:
    """Group alerts into signals, each tenant on its own. Signals come out in time order.

    ``topologies``: each tenant's sites and dependencies, for site outages (step 6)."""
    config = config or TriageConfig()
    by_tenant: dict[str, list[AlertLike]] = defaultdict(list)
    for alert in alerts:
        if not alert.tenant_id:
            raise ValueError(f"alert {alert.pk!r} has no tenant")
        by_tenant[alert.tenant_id].append(alert)
    book = TemplateBook()
    signals: list[Signal] = []
    for tenant_id in sorted(by_tenant):
        found = _triage_tenant(tenant_id, by_tenant[tenant_id], book, config)
        topology = (topologies or {}).get(tenant_id) or Topology()
        signals.extend(correlate_outages(tenant_id, found, topology, config))
    signals.sort(key=lambda s: (s.first_seen, s.tenant_id, str(s.alerts[0].pk)))
    return signals



Kind = tuple[str | None, int]  # (check name, template id within the tenant)


def _triage_tenant(tenant_id: str, alerts: list[AlertLike], book: TemplateBook, config: TriageConfig) -> list[Signal]:
    alerts = sorted(alerts, key=lambda a: (a.at, str(a.pk)))
    by_device_kind: dict[tuple[str | None, Kind], list[AlertLike]] = defaultdict(list)
    for alert in alerts:
        kind = (alert.check_name, book.add(tenant_id, _mining_text(alert)))
        by_device_kind[(device_key(alert.device), kind)].append(alert)

    def cluster(kind: Kind, members: list[AlertLike], storm: bool = False) -> Cluster:
        made = Cluster(tenant_id, kind[0], book.template(tenant_id, kind[1]), members, storm=storm)
        made.noise = noise(members, storm, config)
        return made

    clusters: list[Cluster] = []
    on_devices: dict[Kind, list[list[AlertLike]]] = defaultdict(list)
    for (device, kind), members in by_device_kind.items():
        for episode in episodes(members, config):
            if device is None:
                clusters.append(cluster(kind, episode))
            else:
                on_devices[kind].append(episode)
    for kind, kind_episodes in on_devices.items():
        found, rest = storms(kind_episodes, config)
        clusters.extend(cluster(kind, members, storm=True) for members in found)
        clusters.extend(cluster(kind, members) for members in rest)
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
            per_device[device_key(cluster.alerts[0].device) or ""].append(cluster)
    families: dict[tuple[str | None, str], str | None] = {}

    def family(cluster: Cluster) -> str | None:
        key = (cluster.check, cluster.template)
        if key not in families:
            families[key] = family_for([cluster.check or "", cluster.template])
        return families[key]

    for members in per_device.values():
        members.sort(key=lambda c: (c.first_seen, str(c.alerts[0].pk)))
        groups: list[list[Cluster]] = []
        # Open groups: their clusters, and per family the spans during which a new check of that
        # family is taken to be part of the group's problem (spans that ended are dropped).
        live: list[tuple[list[Cluster], dict[str, list[tuple[datetime, datetime]]]]] = []
        for cluster in members:
            onset = cluster.first_seen
            for _, spans in live:
                for key in list(spans):
                    spans[key] = [(lo, hi) for lo, hi in spans[key] if hi >= onset]
            live = [(g, spans) for g, spans in live if any(spans.values())]
            mine = family(cluster)
            home = None if mine is None else next(
                ((g, spans) for g, spans in reversed(live) if any(lo <= onset for lo, _ in spans.get(mine, ()))),
                None)
            if home is None:
                home = ([], {})
                groups.append(home[0])
                live.append(home)
            home[0].append(cluster)
            if mine is not None:
                home[1].setdefault(mine, []).extend(_related_spans(cluster, config))
        signals.extend(_device_signal(tenant_id, group) for group in groups)
    return signals


def _related_spans(cluster: Cluster, config: TriageConfig) -> list[tuple[datetime, datetime]]:
    """When another check of the same family on the device is taken to be part of this cluster's
    problem: within ``correlate_window`` of its start, and while one of its alerts was open (for at
    most ``correlate_open_reach`` after that alert fired)."""
    spans = [(cluster.first_seen, cluster.first_seen + config.correlate_window)]
    spans += [(a.at, min(reach(a, config), a.at + config.correlate_open_reach)) for a in cluster.alerts]
    return spans


def _device_signal(tenant_id: str, clusters: list[Cluster]) -> Signal:
    noise = NOISE_BLIP if all(c.noise == NOISE_BLIP for c in clusters) else None
    return Signal(tenant_id, clusters, "device" if len(clusters) > 1 else "single", noise)


def _mining_text(alert: AlertLike) -> str:
    text = " ".join(alert.message.split())
    if alert.device:
        text = _own_name(alert.device).sub(WILDCARD, text)
    return text


@lru_cache(maxsize=4096)
def _own_name(device: str) -> re.Pattern[str]:
    # Compiled once per device: a client has hundreds of devices, more than re's own cache (512)
    # keeps next to the masks and the outage step's patterns, and compiling was a third of triage.
    return re.compile(rf"(?<![\w.-]){re.escape(device)}(?![\w-])", re.IGNORECASE)


__all__ = ["CATEGORY_KEYWORDS", "NOISE_BLIP", "NOISE_FLAPPING", "SEVERITY_RANK", "AlertLike", "Cluster", "Signal",
           "TriageConfig", "category_for", "triage"]
