"""The packet's alert section for a ticket caught in a site outage names the root and the effects."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.support.alert_stream import T0
from bot.db import store
from bot.ingest.loader import ingest_folder
from bot.packets.builder import build_packet
from tests.harness.outage import site_outage
from tests.harness.worlds import TENANTS_YAML, write_world

TOPOLOGY = """\
    sites:
      - name: Elm St
        devices: [ACME-DC03, ACME-ELM-*]
        uplink: ACME-ELM-MX
    depends_on:
      ACME-ELM-MX: [ACME-ELM-UPS]
"""


def test_ticket_in_an_outage_gets_root_and_effects_in_its_alert_claim(engine: Engine, tmp_path: Path) -> None:
    tenants = TENANTS_YAML.replace("      teams: [\"19:acme@thread.tacv2\"]\n",
                                   "      teams: [\"19:acme@thread.tacv2\"]\n" + TOPOLOGY)
    alerts = [a.record() for a in site_outage()] + [a.record() for a in site_outage("ridge", 50, "RIDGE")]
    ticket = {"id": "5001", "tenant": "acme", "title": "Elm St front desk PCs offline",
              "description": "Front desk at Elm St cannot reach Denticore.", "status": "new",
              "device": "ACME-ELM-WS01", "created_at": (T0 + timedelta(minutes=20)).isoformat()}
    assert ingest_folder(write_world(tmp_path / "w", tickets_=[ticket], alerts_=alerts, docs={},
                                     tenants_yaml=tenants), engine=engine).ok
    with Session(engine) as session:
        packet = build_packet(session=session, ticket=store.find_ticket(session=session, ticket_id="5001"))
    alert_claims = [c for c in packet.claims if c.section == "alerts"]
    [outage] = [c for c in alert_claims if "Probable root" in c.text]
    assert "Probable root: ACME-ELM-UPS (failed first); effects: ACME-ELM-MX" in outage.text
    assert "ACME-DC01" in outage.text  # the replication failure naming DC03 is an effect
    assert not any("RIDGE" in c.text or "ridge" in str([s.url for s in c.sources]) for c in packet.claims)
