"""A client's topology: which devices sit at which site and what each depends on. Pure.

From the optional ``sites:`` and ``depends_on:`` of a tenant in tenants.yaml
(README "Topology"; DATASET.md keeps them optional):

    sites:
      - name: Elm St
        devices: [ACME-DC03, ACME-ELM-*]   # names or shell-style patterns
        uplink: ACME-ELM-MX                #   the device whose failure cuts the site off
        depends_on: [Main St]              #   sites it needs (a site VPN to the main office)
    depends_on:                            # device (or pattern) -> the devices it needs upstream
      ACME-ELM-MX: [ACME-ELM-UPS]

A device's upstream devices: its ``depends_on`` entries, its site's uplink
(unless it is the uplink), and the uplinks of the sites its site depends on.
Names compare without case, like triage's device keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any


@dataclass(frozen=True)
class Site:
    name: str
    devices: tuple[str, ...] = ()
    uplink: str | None = None
    depends_on: tuple[str, ...] = ()

    def holds(self, device: str) -> bool:
        key = device.casefold()
        return any(fnmatchcase(key, p.casefold()) for p in self.devices) or (
            self.uplink is not None and self.uplink.casefold() == key)


@dataclass(frozen=True)
class Topology:
    sites: tuple[Site, ...] = ()
    depends_on: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sites or self.depends_on)

    def site_of(self, device: str) -> Site | None:
        return next((s for s in self.sites if s.holds(device)), None)

    def upstream(self, device: str) -> set[str]:
        """The devices ``device`` needs directly (casefolded)."""
        key = device.casefold()
        found = {u.casefold() for pattern, ups in self.depends_on.items() if fnmatchcase(key, pattern.casefold())
                 for u in ups}
        site = self.site_of(device)
        if site is not None:
            if site.uplink and site.uplink.casefold() != key:
                found.add(site.uplink.casefold())
            uplinks = {s.name: s.uplink for s in self.sites if s.uplink}
            found |= {uplinks[n].casefold() for n in site.depends_on if n in uplinks}
        found.discard(key)
        return found

    def ancestors(self, device: str) -> set[str]:
        """Every device ``device`` needs, directly or through others (cycles are cut)."""
        seen: set[str] = set()
        todo = list(self.upstream(device))
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(self.upstream(current) - seen)
        seen.discard(device.casefold())
        return seen

    def as_dict(self) -> dict[str, Any]:
        return {
            "sites": [{"name": s.name, "devices": list(s.devices), "uplink": s.uplink,
                       "depends_on": list(s.depends_on)} for s in self.sites],
            "depends_on": {k: list(v) for k, v in self.depends_on.items()},
        }


def topology_from(raw: Mapping[str, Any] | None) -> Topology:
    """The stored form (``Topology.as_dict``, or tenants.yaml's validated fields) as a Topology."""
    if not raw:
        return Topology()
    sites = tuple(Site(str(s["name"]), tuple(s.get("devices") or ()), s.get("uplink"),
                       tuple(s.get("depends_on") or ())) for s in raw.get("sites") or ())
    return Topology(sites, {str(k): tuple(_strings(v)) for k, v in (raw.get("depends_on") or {}).items()})


def topology_problems(raw: Mapping[str, Any]) -> list[str]:
    """What does not hold together: a site depending on an unknown site, a duplicate site name."""
    names = [s.get("name") for s in raw.get("sites") or ()]
    problems = [f"sites: {n!r} appears twice" for n in set(names) if names.count(n) > 1]
    for index, site in enumerate(raw.get("sites") or ()):
        problems += [f"sites[{index}].depends_on: no site named {d!r}" for d in site.get("depends_on") or ()
                     if d not in names]
    return problems


def _strings(value: Any) -> Iterable[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or ()]
