"""A client's topology from its own notes' front matter, merged with tenants.yaml.

A client note (``docs/<tenant>/**.md``) may carry the same optional ``sites:``
and ``depends_on:`` as a tenant in tenants.yaml (README "Topology from client
notes"); the network diagram often lives in a note, not in tenants.yaml.

Precedence, entry by entry: tenants.yaml first, then the client's notes in path
order. A site is one entry (by name), a device's ``depends_on`` is one entry (by
name or pattern, without case). An entry the notes give that nothing earlier
gives is added; one that an earlier source gives differently is ignored with a
warning naming the file, the field and the source that wins; the same entry
given identically is no conflict.

Only the client's own folder counts: a note in ``docs/_global/`` applies to no
client (a warning says so), and a note of client A never touches client B
(each tenant's topology is merged from ``Doc`` rows of that tenant only).

Bad topology is a warning, never a crash and never a rejected note (the note is
still knowledge): a note whose fields have the wrong shape, name a site nobody
defines, or close a dependency cycle adds nothing; a device that no alert,
ticket or note of the client names is reported but kept (it may simply not
have alerted yet).

The merged topology is stored in ``Tenant.topology`` with what tenants.yaml
alone said under ``YAML_KEY``, so a later import can merge again when only the
notes changed; ``bot.alerts.topology.topology_from`` reads ``sites`` and
``depends_on`` and ignores that key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from bot.db.models import GLOBAL_TENANT, Alert, Doc, Tenant, Ticket
from bot.ingest.records import TopologyRecord, validation_problems

TOPOLOGY_FIELDS = ("sites", "depends_on")
YAML_KEY = "tenants_yaml"  # in Tenant.topology: tenants.yaml's own topology, when notes added to it
_GLOB = set("*?[")


@dataclass
class Declared:
    """The topology one source declares: tenants.yaml or one note."""

    source: str
    sites: list[dict[str, Any]] = field(default_factory=list)
    depends_on: dict[str, list[str]] = field(default_factory=dict)


def parse_note(source: str, meta: Mapping[str, Any]) -> tuple[Declared | None, list[str]]:
    """A note's topology fields, validated; (None, warnings) when it has none or they are malformed."""
    raw = {k: meta[k] for k in TOPOLOGY_FIELDS if k in meta}
    if not raw:
        return None, []
    try:
        parsed = TopologyRecord.model_validate(raw)
    except ValidationError as exc:
        return None, [f"{source}: {where}: {message}; this note's topology is ignored"
                      for where, message in validation_problems(exc)]
    names = [s.name for s in parsed.sites]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        return None, [f"{source}: sites: {n!r} appears twice; this note's topology is ignored" for n in twice]
    return Declared(source, [s.model_dump() for s in parsed.sites], dict(parsed.depends_on)), []


def merge_topology(yaml: Mapping[str, Any] | None, notes: list[Declared],
                   known_devices: Iterable[str] = ()) -> tuple[dict[str, Any] | None, list[str]]:
    """tenants.yaml's topology plus the notes' (see the module doc); (merged or None, warnings)."""
    merged = Declared("tenants.yaml", [dict(s) for s in (yaml or {}).get("sites") or ()],
                      {str(k): list(v) for k, v in ((yaml or {}).get("depends_on") or {}).items()})
    site_owner = {s["name"]: "tenants.yaml" for s in merged.sites}
    dep_owner = {k.casefold(): ("tenants.yaml", k) for k in merged.depends_on}
    warnings: list[str] = []
    known = {d.casefold() for d in known_devices} | _literal_names(merged)
    for note in notes:
        candidate = Declared(merged.source, list(merged.sites), dict(merged.depends_on))
        added_sites, added_deps, conflicts = [], [], []
        for index, site in enumerate(note.sites):
            owner = site_owner.get(site["name"])
            if owner is None:
                candidate.sites.append(site)
                added_sites.append(site["name"])
            elif next(s for s in merged.sites if s["name"] == site["name"]) != site:
                conflicts.append(f"{note.source}: sites[{index}] ({site['name']!r}): {owner} defines this site "
                                 f"differently and wins; this definition is ignored")
        for key, ups in note.depends_on.items():
            owner_key = dep_owner.get(key.casefold())
            if owner_key is None:
                candidate.depends_on[key] = ups
                added_deps.append(key)
            elif {u.casefold() for u in merged.depends_on[owner_key[1]]} != {u.casefold() for u in ups}:
                conflicts.append(f"{note.source}: depends_on.{key}: {owner_key[0]} gives "
                                 f"{merged.depends_on[owner_key[1]]} and wins; {ups} is ignored")
        names = {s["name"] for s in candidate.sites}
        broken = [f"{note.source}: sites[{i}].depends_on: no site named {d!r} in tenants.yaml or this client's "
                  f"notes; this note's topology is ignored"
                  for i, s in enumerate(note.sites) for d in s.get("depends_on") or () if d not in names]
        new_cycles = _cycles(candidate, known) - _cycles(merged, known)
        if broken or new_cycles:
            warnings += broken + [f"{note.source}: depends_on: makes a dependency loop among {', '.join(c)}; "
                                  f"this note's topology is ignored" for c in sorted(new_cycles)]
            continue
        warnings += conflicts
        warnings += _unknown_devices(note, known, set(added_sites), set(added_deps))
        merged = candidate
        site_owner.update({n: note.source for n in added_sites})
        dep_owner.update({k.casefold(): (note.source, k) for k in added_deps})
    if not merged.sites and not merged.depends_on:
        return None, warnings
    return {"sites": merged.sites, "depends_on": merged.depends_on}, warnings


def _literal_names(declared: Declared) -> set[str]:
    """Device names (not patterns) a topology spells out, casefolded."""
    names = {s["uplink"] for s in declared.sites if s.get("uplink")}
    names |= {d for s in declared.sites for d in s.get("devices") or ()}
    names |= set(declared.depends_on) | {u for ups in declared.depends_on.values() for u in ups}
    return {n.casefold() for n in names if not _GLOB & set(n)}


def _cycles(declared: Declared, known: set[str]) -> set[tuple[str, ...]]:
    """Loops of declared dependencies (each loop's members, sorted): devices through ``depends_on``
    (patterns included), sites through their ``depends_on``. A device inside a site whose uplink
    depends on it (the UPS behind the firewall it powers) is no loop: that is what sites mean."""
    patterns = [(k.casefold(), {u.casefold() for u in ups}) for k, ups in declared.depends_on.items()]
    edges: dict[str, set[str]] = {}
    for name in known | _literal_names(declared):
        edges[name] = set().union(*(ups for pattern, ups in patterns if fnmatchcase(name, pattern)))
    for site in declared.sites:
        edges[f"site {site['name']!r}"] = {f"site {d!r}" for d in site.get("depends_on") or ()}
    reach: dict[str, set[str]] = {}
    for start in sorted(edges):
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(edges.get(current, set()) - seen)
        reach[start] = seen
    looped = [n for n in reach if n in reach[n]]
    return {tuple(sorted(m for m in looped if m in reach[n] and n in reach[m])) for n in looped}


def _unknown_devices(note: Declared, known: set[str], sites: set[str], keys: set[str]) -> list[str]:
    """Devices the entries this note added (``sites`` by name, ``depends_on`` ``keys``) name that the
    client is not known to have."""
    added = [(i, s) for i, s in enumerate(note.sites) if s["name"] in sites]
    named = [(f"sites[{i}].uplink", s["uplink"]) for i, s in added if s.get("uplink")]
    named += [(f"sites[{i}].devices", d) for i, s in added for d in s.get("devices") or ()]
    named += [(f"depends_on.{k}", k) for k in note.depends_on if k in keys]
    named += [(f"depends_on.{k}", u) for k, ups in note.depends_on.items() if k in keys for u in ups]
    out = []
    for where, name in named:
        hit = (any(fnmatchcase(k, name.casefold()) for k in known) if _GLOB & set(name)
               else name.casefold() in known)
        if not hit:
            out.append(f"{note.source}: {where}: no alert, ticket or note of this client names a device "
                       f"{'matching ' if _GLOB & set(name) else ''}{name!r} (kept; check the spelling)")
    return out


def apply_note_topologies(session: Session) -> list[str]:
    """Merge every client's notes into its stored topology (see the module doc); the warnings."""
    warnings: list[str] = []
    notes: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for tenant_id, path, meta in session.exec(select(Doc.tenant_id, Doc.path, Doc.meta).order_by(col(Doc.path))):
        if meta and any(k in meta for k in TOPOLOGY_FIELDS):
            notes.setdefault(tenant_id, []).append((f"docs/{tenant_id}/{path}", meta))
    for source, meta in notes.pop(GLOBAL_TENANT, []):
        fields = " and ".join(k for k in TOPOLOGY_FIELDS if k in meta)
        warnings.append(f"{source}: {fields}: a shared note belongs to no client, so its topology is ignored; "
                        f"put it in the client's own folder (docs/<tenant>/)")
    for tenant in session.exec(select(Tenant).order_by(col(Tenant.id))):
        stored = tenant.topology
        yaml = stored.get(YAML_KEY) if stored and YAML_KEY in stored else stored
        declared = []
        for source, meta in notes.get(tenant.id, []):
            note, problems = parse_note(source, meta)
            warnings += problems
            if note is not None:
                declared.append(note)
        if declared:
            merged, problems = merge_topology(yaml, declared, _known_devices(session, tenant.id))
            warnings += problems
            wanted: dict[str, Any] | None = {**(merged or {"sites": [], "depends_on": {}}), YAML_KEY: yaml}
        else:
            wanted = yaml
        if wanted != stored:
            tenant.topology = wanted
    return warnings


def _known_devices(session: Session, tenant_id: str) -> set[str]:
    devices = set(session.exec(select(Alert.device).where(Alert.tenant_id == tenant_id).distinct()))
    devices |= set(session.exec(select(Ticket.device).where(Ticket.tenant_id == tenant_id).distinct()))
    for listed in session.exec(select(Doc.devices).where(Doc.tenant_id == tenant_id)):
        devices |= set(listed or ())
    return {d for d in devices if d}
