"""Clients mapped to ConnectWise companies, a stand-in PSA, and the connector wired to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bench.support import connectwise_standin as cw
from bot.ingest.loader import ingest_folder
from bot.psa.connectwise import ConnectWiseConnector
from bot.psa.cw_callbacks import signature
from bot.psa.http import RetryPolicy
from bot.psa.mapping import EscalationRule
from bot.psa.service import PsaService

PSA_TENANTS_YAML = """\
tenants:
  - id: acme
    name: Acme Dental Group
    aliases: [Acme]
    channels:
      slack: [C0ACME]
    psa:
      connectwise: AcmeDental
  - id: ridge
    name: Ridgeline Manufacturing
    channels:
      slack: [C0RIDGE]
    psa:
      connectwise: RidgelineMfg
"""

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def write_tenants(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "tenants.yaml").write_text(PSA_TENANTS_YAML)
    return root


def load_tenants(root: Path, engine: Engine) -> None:
    summary = ingest_folder(write_tenants(root), engine=engine)
    assert summary.ok, summary.errors


def connector(standin: cw.StandIn, **kw: Any) -> ConnectWiseConnector:
    kw.setdefault("policy", RetryPolicy(max_retries=8, base_delay_s=0.001, max_delay_s=0.01))
    kw.setdefault("timeout_s", 5.0)
    return ConnectWiseConnector(site=standin.url, company=cw.COMPANY, public_key=cw.PUBLIC,
                                private_key=cw.PRIVATE, client_id=cw.CLIENT_ID, **kw)


def service(engine: Engine, standin: cw.StandIn, **kw: Any) -> PsaService:
    return PsaService(engine, connector(standin), EscalationRule(r"tier ?2|l2|escalat"), **kw)


def escalation_ticket(standin: cw.StandIn, ticket_id: int = 4412, company: str = "AcmeDental") -> None:
    """A ticket with an L1 history, still on the Tier 1 board."""
    standin.add_ticket(ticket_id, company=company, summary="DC01: AD replication failing",
                       board="Service Desk Tier 1", status="In Progress", updated=T0)
    standin.add_note(ticket_id, 1, "Monitoring alert for replication on DC01.", kind="discussion",
                     at=T0 - timedelta(minutes=50), member=None, contact="Dana Whitfield")
    standin.add_note(ticket_id, 2, "Ran repadmin /replsummary: 2 failures to DC02.", at=T0 - timedelta(minutes=40))
    standin.add_note(ticket_id, 3, "Hi Dana, are users reporting login problems?", kind="discussion",
                     at=T0 - timedelta(minutes=30))
    standin.add_note(ticket_id, 4, "Restarted the DFSR service on DC01, no change.", at=T0 - timedelta(minutes=10))
    standin.add_configuration(ticket_id, 77, "DC01")


def callback_body(standin: cw.StandIn, *, ticket_id: int, action: str = "updated", message_id: str = "m-1",
                  key_url: str | None = None, type_: str = "ticket", company: str = "handoffmsp") -> bytes:
    """A callback body shaped like ConnectWise's (see the shared contact sample)."""
    import json

    url = key_url or f"{standin.url}/v2025_1//system/callbackkey/index.rails?companyName={company}&id=k1"
    return json.dumps({
        "MessageId": message_id, "FromUrl": "127.0.0.1", "CompanyId": company, "MemberId": "l1tech",
        "Action": action, "Type": type_, "ID": ticket_id, "ProductInstanceId": "p1", "PartnerId": "p2",
        "Entity": json.dumps({"id": ticket_id, "summary": "(not trusted: refetched)"}),
        "Metadata": {"key_url": url}, "CallbackObjectRecId": 1,
    }).encode()


def signed(body: bytes, key: str = cw.SIGNING_KEY) -> dict[str, str]:
    return {"x-content-signature": signature(key, body), "Content-Type": "application/json"}
