"""A client whose topology lives only in a note (front matter): the site outage folds with the right root.

Acme's tenants.yaml entry has no ``sites:``; its note ``docs/acme/network.md``
does. Ridgeline has the very same outage in the same minutes (RIDGE-* devices)
and no topology of its own, while Acme's notes name RIDGE-* devices and claim
them: Ridgeline must stay on the time-and-site heuristic, in its own signal.
``handoff triage`` and the packet's alert section show the note-based root and
effects.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.cli.main import main
from bench.support.alert_stream import T0
from bot.alerts import signals
from bot.db import store
from bot.db.models import Tenant
from bot.ingest.loader import ingest_folder
from bot.packets.builder import build_packet
from tests.harness.outage import site_outage
from tests.harness.worlds import write_world

NETWORK_NOTE = """---
title: Acme network
kind: client-note
sites:
  - name: Main St
    devices: [ACME-DC01, ACME-DC02, ACME-MS-*]
    uplink: ACME-MS-FW
  - name: Elm St
    devices: [ACME-DC03, ACME-ELM-*]
    uplink: ACME-ELM-MX
    depends_on: [Main St]
depends_on:
  ACME-ELM-MX: [ACME-ELM-UPS]
---
# Acme network
Elm St reaches Main St over a site-to-site VPN from its Meraki MX; the MX is on the office UPS.
"""

# Acme's note claiming Ridgeline's devices (a copy-paste slip, or text written to mislead): it is Acme's
# note, so at most it shapes Acme's own topology.
CLAIMING_NOTE = """---
title: Plant link
kind: client-note
sites:
  - name: Plant
    devices: [RIDGE-*]
    uplink: RIDGE-ELM-UPS
depends_on:
  RIDGE-ELM-MX: [RIDGE-ELM-UPS]
---
# Plant link
"""

TICKET = {"id": "5001", "tenant": "acme", "title": "Elm St front desk PCs offline",
          "description": "Front desk at Elm St cannot reach Denticore.", "status": "new",
          "device": "ACME-ELM-WS01", "created_at": (T0 + timedelta(minutes=20)).isoformat()}
NOW = T0 + timedelta(minutes=40)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    alerts = [a.record() for a in site_outage()] + [a.record() for a in site_outage("ridge", 50, "RIDGE")]
    docs = {"acme/network.md": NETWORK_NOTE, "acme/plant-link.md": CLAIMING_NOTE,
            "ridge/environment.md": "---\ntitle: Ridgeline environment\nkind: client-note\n---\n# Ridgeline\n"}
    summary = ingest_folder(write_world(tmp_path / "w", tickets_=[TICKET], alerts_=alerts, docs=docs), engine=engine)
    assert summary.ok, summary.errors
    return engine


def _views(engine: Engine, tenant: str) -> list[signals.SignalView]:
    with Session(engine) as session:
        return signals.current_signals(session=session, tenant_id=tenant, now=NOW, lookback=timedelta(hours=1))


def test_outage_folds_with_the_root_from_the_note(world: Engine) -> None:
    [outage] = [v for v in _views(world, "acme") if v.grouping == "outage"]
    assert len(outage.alerts) == 9  # UPS, WAN, VPN, five devices dark, DC01's replication
    assert outage.root == "ACME-ELM-UPS"
    assert outage.effects[0] == "ACME-ELM-MX" and {"ACME-DC03", "ACME-ELM-PRN01", "ACME-DC01"} <= set(outage.effects)
    # From the note's topology (its site name), not from the fallback heuristic.
    assert "Elm St" in (outage.reason or "") and "topology" in (outage.reason or "")
    assert "heuristic" not in (outage.reason or "")


def test_acme_note_never_reaches_ridgeline(world: Engine) -> None:
    with Session(world) as session:
        ridge = session.get(Tenant, "ridge")
        acme = session.get(Tenant, "acme")
        assert ridge is not None and ridge.topology is None
        assert acme is not None and acme.topology is not None
        assert "Plant" in [s["name"] for s in acme.topology["sites"]]  # Acme's own business
    views = _views(world, "ridge")
    assert all(v.tenant_id == "ridge" for v in views)
    assert all(d.startswith("RIDGE-") for v in views for d in v.devices)
    [outage] = [v for v in views if v.grouping == "outage"]
    # Ridgeline's outage is found by the heuristic (it has no topology), and says so.
    assert "heuristic: no topology for this client" in (outage.reason or "")
    assert outage.root == "RIDGE-ELM-UPS"


def test_handoff_triage_and_the_packet_use_the_note_topology(world: Engine, db_url: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HANDOFF_DATABASE_URL", db_url)
    assert main(["triage", "--tenant", "acme", "--now", NOW.isoformat(), "--hours", "1"]) == 0
    out = capsys.readouterr().out
    assert "Site outage at Elm St" in out
    assert "root ACME-ELM-UPS; effects: ACME-ELM-MX" in out
    assert main(["triage", "--tenant", "acme", "--now", NOW.isoformat(), "--hours", "1", "--json"]) == 0
    [outage] = [s for s in json.loads(capsys.readouterr().out)["signals"] if s["root"]]
    assert outage["root"] == "ACME-ELM-UPS" and "ACME-DC01" in outage["effects"]
    assert "from the client's topology" in outage["reason"]

    with Session(world) as session:
        packet = build_packet(session=session, ticket=store.find_ticket(session=session, ticket_id="5001"))
    [claim] = [c for c in packet.claims if c.section == "alerts" and "Probable root" in c.text]
    assert "Probable root: ACME-ELM-UPS (failed first); effects: ACME-ELM-MX" in claim.text
    assert not any("RIDGE" in c.text for c in packet.claims)
