"""What triage makes: clusters (alerts of one kind) and signals (clusters that are one problem).

Separate from ``bot/alerts/triage.py`` (the grouping rules) so that later steps
(``bot/alerts/outages.py``) build signals without importing the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.alerts.categories import category_for
from bot.alerts.episodes import AlertLike

SEVERITY_RANK = {"critical": 3, "warning": 2, "info": 1}


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
    grouping: str  # "storm" | "device" | "flapping" | "single" | "outage"
    noise: str | None
    alerts: list[AlertLike] = field(default_factory=list)
    # Outages (bot/alerts/outages.py): the upstream device that failed first, the devices that
    # followed (in the order they failed), why they are one signal, and the root's site.
    root: str | None = None
    effects: list[str] = field(default_factory=list)
    reason: str | None = None
    site: str | None = None
    root_cluster: Cluster | None = None

    def __post_init__(self) -> None:
        self.alerts = sorted((a for c in self.clusters for a in c.alerts), key=lambda a: (a.at, str(a.pk)))

    @property
    def main(self) -> Cluster:
        """The cluster that names the signal: an outage's root, else worst severity, then most
        alerts, then earliest."""
        if self.root_cluster is not None:
            return self.root_cluster
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
        if self.grouping == "outage":
            where = f" at {self.site}" if self.site else ""
            return f"Site outage{where}: {self.root} ({what}) first, {len(self.effects)} devices affected"
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




def _short(template: str, words: int = 8) -> str:
    parts = template.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def _worst(alerts: Iterable[AlertLike]) -> int:
    return max(SEVERITY_RANK.get(a.severity, 0) for a in alerts)
