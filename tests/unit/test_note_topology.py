"""Topology from client notes' front matter (bot/ingest/note_topology.py): merge, precedence, bad input.

Pure merging first (precedence and every kind of bad topology give warnings,
never exceptions), then through ``ingest_folder``: the warning names the file
and the field, the note is still imported, and a shared (``_global``) note's
topology applies to no client.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.alerts.topology import topology_from
from bot.db.models import Tenant
from bot.ingest.loader import ingest_folder
from bot.ingest.note_topology import YAML_KEY, Declared, merge_topology, parse_note
from tests.harness.worlds import TENANTS_YAML, write_world

YAML = {"sites": [{"name": "Main St", "devices": ["ACME-DC01"], "uplink": "ACME-MS-FW", "depends_on": []}],
        "depends_on": {"ACME-MS-FW": ["ACME-MS-UPS"]}}
KNOWN = {"ACME-DC01", "ACME-DC03", "ACME-MS-FW", "ACME-MS-UPS", "ACME-ELM-MX", "ACME-ELM-UPS", "ACME-ELM-WS01"}


def note(source: str, meta: dict) -> Declared:
    declared, problems = parse_note(source, meta)
    assert declared is not None and not problems, problems
    return declared


ELM = {"sites": [{"name": "Elm St", "devices": ["ACME-DC03", "ACME-ELM-*"], "uplink": "ACME-ELM-MX",
                  "depends_on": ["Main St"]}],
       "depends_on": {"ACME-ELM-MX": "ACME-ELM-UPS"}}


def test_a_note_adds_what_tenants_yaml_lacks() -> None:
    merged, warnings = merge_topology(YAML, [note("docs/acme/network.md", ELM)], KNOWN)
    assert warnings == []
    topology = topology_from(merged)
    assert [s.name for s in topology.sites] == ["Main St", "Elm St"]
    assert topology.ancestors("ACME-ELM-WS01") == {"acme-elm-mx", "acme-elm-ups", "acme-ms-fw", "acme-ms-ups"}


def test_tenants_yaml_wins_a_conflict_and_the_warning_names_file_and_field() -> None:
    clash = {"sites": [{"name": "Main St", "devices": ["ACME-*"], "uplink": "ACME-OTHER-FW"}],
             "depends_on": {"acme-ms-fw": ["ACME-ELM-UPS"], "ACME-ELM-MX": ["ACME-ELM-UPS"]}}
    merged, warnings = merge_topology(YAML, [note("docs/acme/network.md", clash)], KNOWN)
    assert merged is not None
    assert merged["sites"] == YAML["sites"]  # the note's Main St is ignored
    assert merged["depends_on"] == {"ACME-MS-FW": ["ACME-MS-UPS"], "ACME-ELM-MX": ["ACME-ELM-UPS"]}
    assert any(w.startswith("docs/acme/network.md: sites[0] ('Main St'): tenants.yaml") for w in warnings)
    assert any(w.startswith("docs/acme/network.md: depends_on.acme-ms-fw: tenants.yaml gives") for w in warnings)
    assert len(warnings) == 2


def test_the_same_entry_given_twice_is_no_conflict_and_the_first_note_wins_among_notes() -> None:
    same = {"depends_on": {"ACME-MS-FW": ["acme-ms-ups"]}}
    first = {"depends_on": {"ACME-ELM-MX": ["ACME-ELM-UPS"]}}
    second = {"depends_on": {"ACME-ELM-MX": ["ACME-MS-FW"]}}
    merged, warnings = merge_topology(YAML, [note("docs/acme/a.md", same), note("docs/acme/b.md", first),
                                             note("docs/acme/c.md", second)], KNOWN)
    assert merged is not None and merged["depends_on"]["ACME-ELM-MX"] == ["ACME-ELM-UPS"]
    assert warnings == ["docs/acme/c.md: depends_on.ACME-ELM-MX: docs/acme/b.md gives ['ACME-ELM-UPS'] and wins; "
                        "['ACME-MS-FW'] is ignored"]


def test_a_cycle_is_a_warning_and_that_note_adds_nothing() -> None:
    loop = {"depends_on": {"ACME-MS-UPS": ["ACME-ELM-UPS"], "ACME-ELM-UPS": ["ACME-MS-FW"]}}
    merged, warnings = merge_topology(YAML, [note("docs/acme/network.md", ELM), note("docs/acme/power.md", loop)],
                                      KNOWN)
    assert merged is not None and "ACME-MS-UPS" not in merged["depends_on"]  # power.md ignored, network.md kept
    assert [s["name"] for s in merged["sites"]] == ["Main St", "Elm St"]
    [warning] = warnings
    assert warning.startswith("docs/acme/power.md: depends_on: makes a dependency loop among ")
    assert "acme-ms-fw" in warning and "acme-ms-ups" in warning and "acme-elm-ups" in warning
    # Two sites that each need the other are a loop too.
    sites_loop = {"sites": [{"name": "Elm St", "devices": ["ACME-ELM-*"], "depends_on": ["Oak Park"]},
                            {"name": "Oak Park", "devices": ["ACME-OAK-*"], "depends_on": ["Elm St"]}]}
    merged, warnings = merge_topology(YAML, [note("docs/acme/sites.md", sites_loop)], KNOWN | {"ACME-OAK-WS01"})
    assert merged == {"sites": YAML["sites"], "depends_on": YAML["depends_on"]}
    assert warnings == ["docs/acme/sites.md: depends_on: makes a dependency loop among site 'Elm St', "
                        "site 'Oak Park'; this note's topology is ignored"]
    # The UPS inside the site whose uplink it powers is no loop (the demo's own topology).
    assert merge_topology(YAML, [note("docs/acme/network.md", ELM)], KNOWN)[1] == []


def test_unknown_site_and_unknown_device() -> None:
    orphan = {"sites": [{"name": "Oak Park", "devices": ["ACME-OAK-*"], "depends_on": ["Pine St"]}]}
    merged, warnings = merge_topology(None, [note("docs/acme/oak.md", orphan)], KNOWN)
    assert merged is None
    assert warnings == ["docs/acme/oak.md: sites[0].depends_on: no site named 'Pine St' in tenants.yaml or this "
                        "client's notes; this note's topology is ignored"]
    typo = {"depends_on": {"ACME-ELM-MX": ["ACME-ELM-USP"]}, "sites": [{"name": "Elm", "devices": ["ACME-ELN-*"]}]}
    merged, warnings = merge_topology(None, [note("docs/acme/typo.md", typo)], KNOWN)
    assert merged is not None and merged["depends_on"] == {"ACME-ELM-MX": ["ACME-ELM-USP"]}  # kept
    assert sorted(warnings) == [
        "docs/acme/typo.md: depends_on.ACME-ELM-MX: no alert, ticket or note of this client names a device "
        "'ACME-ELM-USP' (kept; check the spelling)",
        "docs/acme/typo.md: sites[0].devices: no alert, ticket or note of this client names a device matching "
        "'ACME-ELN-*' (kept; check the spelling)"]


def test_malformed_fields_are_named() -> None:
    for meta, field in (({"sites": "Elm St"}, "sites"), ({"sites": [{"devices": ["X"]}]}, "sites[0].name"),
                        ({"depends_on": ["ACME-ELM-MX"]}, "depends_on"),
                        ({"sites": [{"name": "A"}, {"name": "A"}]}, "sites")):
        declared, problems = parse_note("docs/acme/bad.md", meta)
        assert declared is None and problems, meta
        assert problems[0].startswith(f"docs/acme/bad.md: {field}"), problems
        assert problems[0].endswith("this note's topology is ignored")
    assert parse_note("docs/acme/plain.md", {"tags": ["x"]}) == (None, [])


NETWORK_NOTE = """---
title: Acme network
kind: client-note
sites:
  - name: Elm St
    devices: [ACME-DC03, ACME-ELM-*]
    uplink: ACME-ELM-MX
depends_on:
  ACME-ELM-MX: [ACME-ELM-UPS]
---
# Acme network
The Elm St office hangs off its Meraki MX, which sits on the UPS.
"""


def _tenant(engine: Engine, tenant_id: str) -> Tenant:
    with Session(engine) as session:
        found = session.get(Tenant, tenant_id)
        assert found is not None
        return found


def test_ingest_warns_on_bad_topology_and_still_imports_the_note(engine: Engine, tmp_path: Path) -> None:
    docs = {"acme/network.md": NETWORK_NOTE,
            "acme/broken.md": "---\ntitle: Broken\nsites: Elm St\n---\n# Broken\nText.\n",
            "acme/power.md": "---\ntitle: Power\ndepends_on:\n  ACME-ELM-UPS: [ACME-ELM-MX]\n---\n# Loop\n",
            "_global/standard.md": "---\ntitle: Standard\nsites:\n  - name: HQ\n    devices: ['*']\n---\n# Std\n"}
    summary = ingest_folder(write_world(tmp_path / "w", tickets_=[], alerts_=[], docs=docs), engine=engine)
    assert summary.ok, summary.errors
    assert summary.counts["docs"].added == 4  # bad topology never rejects the note itself
    warnings = summary.warnings
    assert any(w.startswith("docs/acme/broken.md: sites: ") for w in warnings), warnings
    assert any(w.startswith("docs/acme/power.md: depends_on: makes a dependency loop among acme-elm-mx, "
                            "acme-elm-ups") for w in warnings), warnings
    assert any(w.startswith("docs/_global/standard.md: sites: a shared note belongs to no client") for w in warnings)
    acme = _tenant(engine, "acme").topology
    assert acme is not None and acme[YAML_KEY] is None
    assert [s["name"] for s in acme["sites"]] == ["Elm St"] and acme["depends_on"] == {"ACME-ELM-MX": ["ACME-ELM-UPS"]}
    assert _tenant(engine, "ridge").topology is None  # neither acme's notes nor the shared one reach ridge


def test_tenants_yaml_and_notes_merge_and_unmerge_across_imports(engine: Engine, tmp_path: Path) -> None:
    tenants = TENANTS_YAML.replace('      teams: ["19:acme@thread.tacv2"]\n', '      teams: ["19:acme@thread.tacv2"]\n'
                                   "    sites:\n      - name: Main St\n        devices: [ACME-DC01]\n"
                                   "        uplink: ACME-MS-FW\n")
    world = write_world(tmp_path / "w", tickets_=[], alerts_=[], docs={"acme/network.md": NETWORK_NOTE},
                        tenants_yaml=tenants)
    assert ingest_folder(world, engine=engine).ok
    stored = _tenant(engine, "acme").topology
    assert stored is not None and [s["name"] for s in stored["sites"]] == ["Main St", "Elm St"]
    assert [s["name"] for s in stored[YAML_KEY]["sites"]] == ["Main St"]
    assert ingest_folder(world, engine=engine).ok  # again: nothing changes
    assert _tenant(engine, "acme").topology == stored
    (world / "docs" / "acme" / "network.md").unlink()  # the note goes: back to tenants.yaml alone
    assert ingest_folder(world, engine=engine).ok
    alone = _tenant(engine, "acme").topology
    assert alone is not None and YAML_KEY not in alone and [s["name"] for s in alone["sites"]] == ["Main St"]
