"""Site outages: signals of several devices of one client that one upstream failure explains. Pure.

Triage (``bot/alerts/triage.py``) makes signals per device and per storm; when
a site goes down they come out as several: the UPS on battery, the firewall's
WAN and VPN checks, a storm of devices offline, a DC elsewhere failing to
replicate with one of them (1722). This step joins them into one signal with
its probable *root* (the upstream device that failed first) and its *effects*
(the devices that followed). Always within one tenant: it is called per tenant.

With the client's topology (``bot/alerts/topology.py``): signal S is an effect
of signal R when S is a knock-on kind of failure (power, a link, a tunnel,
reachability: ``KNOCK_ON``; a disk filling up behind a failing firewall is not
one), a device of R is upstream of a device of S, R started at most
``outage_window`` before S (or ``outage_grace`` after: sources report with some
lag), and R was still failing when S started. Linked signals form one outage;
its root is the signal nothing inside it explains (the earliest if several),
and the root's device that the most others depend on.

Without topology, a heuristic, said so in the signal's reason: devices going
dark together (availability checks, ``offline``/``unreachable``/``down``...) on
``outage_min_devices`` or more devices whose onsets chain within ``outage_gap``
and that share a site, read from the device names (``ACME-ELM-SW01`` is at
``ACME-ELM``); other knock-on signals at that site that started within
``outage_window`` before the burst or during it join. The root is the first to
fail: a guess from timing, not from dependencies.

Both ways, a signal whose alerts name a failed device of the outage
(``Replication from ACME-DC03 failed (1722)``) and started during it is an
effect too. Noise signals (flapping, blips) never join.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from bot.alerts.episodes import TriageConfig, device_key, reach
from bot.alerts.topology import Topology
from bot.alerts.triage_model import Cluster, Signal

AVAILABILITY = re.compile(r"(?<![a-z])(offline|unreachable|not responding|no heartbeat|heartbeat lost|is down|went "
                          r"down|host down|device down|ping|no response|lost contact|disconnected)(?![a-z])", re.I)
# What an upstream failure does downstream: power, links, reachability. A disk filling up behind a
# failing firewall is not its effect; a device going dark, a tunnel or a WAN link going down are.
KNOCK_ON = re.compile(r"(?<![a-z])(offline|unreachable|not responding|heartbeat|down|ping|no response|lost contact|"
                      r"disconnected|wan|vpn|tunnel|uplink|link|carrier|packet loss|latency|power|ups|battery|"
                      r"poe|rpc server is unavailable)(?![a-z])", re.I)
_SITE_SPLIT = re.compile(r"[-_.][^-_.]*$")


def correlate_outages(tenant_id: str, signals: list[Signal], topology: Topology, config: TriageConfig) -> list[Signal]:
    candidates = sorted((s for s in signals if s.noise is None and s.devices), key=lambda s: s.first_seen)
    if len(candidates) < 2:
        return signals
    groups = _by_topology(candidates, topology, config) if topology else _by_time_and_site(candidates, config)
    merged: dict[int, Signal] = {}
    for members, root, basis in groups:
        outage = _outage_signal(tenant_id, members, root, basis, topology)
        for member in members:
            merged[id(member)] = outage
    out, seen = [], set()
    for signal in signals:
        replacement = merged.get(id(signal), signal)
        if id(replacement) not in seen:
            seen.add(id(replacement))
            out.append(replacement)
    return out


Group = tuple[list[Signal], Signal, str]  # members, root signal, basis ("topology" | "heuristic: ...")


def _by_topology(candidates: list[Signal], topology: Topology, config: TriageConfig) -> list[Group]:
    ancestors: dict[str, set[str]] = {}

    def above(device: str) -> set[str]:
        if device not in ancestors:
            ancestors[device] = topology.ancestors(device)
        return ancestors[device]

    parent = list(range(len(candidates)))
    explained: set[int] = set()
    onsets = [s.first_seen for s in candidates]  # sorted: candidates are in time order
    knock_on = [_knock_on(s) for s in candidates]
    for j, effect in enumerate(candidates):
        effect_devices = {device_key(d) or "" for d in effect.devices}
        lo = bisect_left(onsets, effect.first_seen - config.outage_window)
        hi = bisect_right(onsets, effect.first_seen + config.outage_grace)
        for i in range(lo, hi):
            cause = candidates[i]
            if i == j or not _in_window(cause, effect, config):
                continue
            cause_devices = {device_key(d) or "" for d in cause.devices}
            if (knock_on[j] and any(cause_devices & above(d) for d in effect_devices)
                    and _still_failing(cause, effect.first_seen, config)):
                _union(parent, i, j)
                explained.add(j)
    groups = [g for g in _components(candidates, parent) if len(g) > 1]
    index = {id(s): i for i, s in enumerate(candidates)}
    result = []
    for members in groups:
        members = _with_mentions(members, candidates, groups, config, onsets)
        roots = [m for m in members if index[id(m)] not in explained] or members
        result.append((members, min(roots, key=lambda s: s.first_seen), "topology"))
    return result


def _by_time_and_site(candidates: list[Signal], config: TriageConfig) -> list[Group]:
    # Each signal's sites, and each burst's sites and latest onset, are computed once: every signal
    # is checked against every open burst, and recomputing them made this step the slowest of triage.
    sites_of = {id(s): _sites(s) for s in candidates}
    dark = [s for s in candidates if any(AVAILABILITY.search(f"{c.check or ''} {c.template}") for c in s.clusters)]
    bursts: list[tuple[list[Signal], set[str], list[datetime]]] = []  # members, their sites, [latest onset]
    for signal in dark:
        sites = sites_of[id(signal)]
        home = next((b for b in bursts if sites & b[1] and signal.first_seen - b[2][0] <= config.outage_gap), None)
        if home is None:
            bursts.append(([signal], set(sites), [signal.first_seen]))
        else:
            home[0].append(signal)
            home[1].update(sites)
            home[2][0] = max(home[2][0], signal.first_seen)
    result: list[Group] = []
    groups: list[list[Signal]] = []
    onsets = [s.first_seen for s in candidates]  # sorted: candidates are in time order
    knock_on: dict[int, bool] = {}
    for burst, sites, _ in bursts:
        devices = {d for s in burst for d in s.devices}
        if len(devices) < config.outage_min_devices or not sites:
            continue
        start, end = min(s.first_seen for s in burst), max(s.first_seen for s in burst)
        inside = {id(s) for s in burst}
        joined = []
        for s in candidates[bisect_left(onsets, start - config.outage_window):bisect_right(onsets, end)]:
            if id(s) not in inside and sites_of[id(s)] & sites:
                if id(s) not in knock_on:
                    knock_on[id(s)] = _knock_on(s)
                if knock_on[id(s)]:
                    joined.append(s)
        groups.append(sorted(burst + joined, key=lambda s: s.first_seen))
    for members in groups:
        members = _with_mentions(members, candidates, groups, config, onsets)
        if len(members) < 2:
            continue  # one storm alone stays a storm
        named = sorted(set().union(*(sites_of[id(s)] for s in members)))
        span = (max(s.first_seen for s in members) - min(s.first_seen for s in members)).total_seconds() / 60
        count = len({d for s in members for d in s.devices})
        basis = (f"heuristic: no topology for this client, grouped by time and site ({count} "
                 f"devices named {', '.join(f'{x}-*' for x in named)} failed within {span:.0f} min); "
                 "the root is the first to fail, a guess from timing")
        result.append((members, min(members, key=lambda s: s.first_seen), basis))
    return result


def _with_mentions(members: list[Signal], candidates: list[Signal], groups: Sequence[list[Signal]],
                   config: TriageConfig, onsets: list[datetime]) -> list[Signal]:
    """Add the signals whose alerts name a device of this outage and that started during it."""
    failed = {d for s in members for d in s.devices}
    start = min(s.first_seen for s in members)
    taken = {id(s) for g in groups for s in g if len(g) > 1} | {id(s) for s in members}
    # Only signals that started in [start, start + outage_window] can be effects (``onsets`` is sorted).
    window = candidates[bisect_left(onsets, start):bisect_right(onsets, start + config.outage_window)]
    extra = []
    for s in window:
        if id(s) in taken:
            continue
        text = " ".join(a.message for a in s.alerts)
        # A plain substring test first (exact for ASCII names and text; others go to the regex).
        folded = text.casefold() if text.isascii() else None
        names = [d for d in failed if folded is None or not d.isascii() or d.casefold() in folded]
        # A device naming itself is no effect.
        names = [d for d in names if not any(_mention(d).fullmatch(own) for own in s.devices)]
        if names and any(_mention(d).search(a.message) for a in s.alerts for d in names):
            extra.append(s)
    return sorted(members + extra, key=lambda s: s.first_seen)


@lru_cache(maxsize=4096)
def _mention(device: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(device)}(?![\w-])", re.I)


def _knock_on(signal: Signal) -> bool:
    return any(KNOCK_ON.search(f"{c.check or ''} {c.template}") for c in signal.clusters)


def _outage_signal(tenant_id: str, members: list[Signal], root: Signal, basis: str, topology: Topology) -> Signal:
    clusters = [c for s in members for c in s.clusters]
    others = {device_key(d) for s in members if s is not root for d in s.devices}
    root_device = max(root.devices, key=lambda d: (sum(1 for o in others if o and device_key(d) in
                                                       (topology.ancestors(o) if topology else set())),
                                                   -_first_alert(root, d).timestamp()))
    first_fail: dict[str, datetime] = {}
    for signal in members:
        for alert in signal.alerts:
            if alert.device and alert.device != root_device:
                first_fail.setdefault(alert.device, alert.at)
    effects = sorted(first_fail, key=lambda d: (first_fail[d], d))
    site = topology.site_of(root_device) if topology else None
    root_cluster = min((c for c in root.clusters if root_device in c.devices), key=lambda c: c.first_seen)
    minutes = (max(s.first_seen for s in members) - root.first_seen).total_seconds() / 60
    if basis == "topology":
        reason = (f"site outage{f' at {site.name}' if site else ''} (from the client's topology): {root_device} "
                  f"failed first and {len(effects)} device(s) that depend on it or name it followed within "
                  f"{minutes:.0f} min")
    else:
        reason = f"probable site outage ({basis})"
    return Signal(tenant_id, clusters, "outage", None, root=root_device, effects=effects, reason=reason,
                  site=site.name if site else None, root_cluster=root_cluster)


def _first_alert(signal: Signal, device: str) -> datetime:
    return min(a.at for a in signal.alerts if a.device == device)


def _in_window(cause: Signal, effect: Signal, config: TriageConfig) -> bool:
    lead = effect.first_seen - cause.first_seen
    return -config.outage_grace <= lead <= config.outage_window


def _still_failing(cause: Signal, at: datetime, config: TriageConfig) -> bool:
    return any(a.at <= at + config.outage_grace and reach(a, config) >= at for a in cause.alerts) or \
        cause.first_seen >= at


def _sites(signal: Signal) -> set[str]:
    return {_SITE_SPLIT.sub("", d).casefold() for d in signal.devices if _SITE_SPLIT.search(d)}


def _union(parent: list[int], a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def _find(parent: list[int], a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


def _components(candidates: list[Signal], parent: list[int]) -> list[list[Signal]]:
    groups: dict[int, list[Signal]] = defaultdict(list)
    for index, signal in enumerate(candidates):
        groups[_find(parent, index)].append(signal)
    return [g for g in groups.values()]


__all__ = ["AVAILABILITY", "Cluster", "correlate_outages"]
