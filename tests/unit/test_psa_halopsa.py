"""The HaloPSA connector against a local stand-in of its documented API.

Sources (the stand-in, tests/harness/halopsa_standin.py, follows them):
  * homotechsual/HaloAPI: Public/Connect-HaloAPI.ps1 (authinfo, client-credentials token request),
    Public/Get/Get-HaloTicket.ps1 (pageinate, page_size, page_no, order, orderdesc, includedetails),
    Private/New-HaloGETRequest.ps1 (record_count paging), Public/Get/Get-HaloAction.ps1 (ticket_id,
    excludesys, excludeprivate).
  * redanthrax/halopsa-node: nodes/HaloPSA/actions/interfaces/tickets.ts and actions.ts (field names),
    docs/webhooks.md (webhook authentication types: Basic).
  * NangoHQ/nango packages/server/lib/webhook/halo-psa-webhook-routing.ts (Basic-authenticated webhooks).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.support.psa_world import T0
from bot.db import store as db
from bot.psa.base import WebhookRejected
from bot.psa.halopsa import HaloPsaConnector
from bot.psa.http import RetryPolicy
from bot.psa.mapping import EscalationRule
from bot.psa.service import EscalationEvent, PsaService
from bot.psa.sync import run_sync
from tests.harness import halopsa_standin as halo

TENANTS = """\
tenants:
  - id: acme
    name: Acme Dental Group
    channels: {slack: [C0ACME]}
    psa: {halopsa: 42}
  - id: ridge
    name: Ridgeline Manufacturing
    psa: {halopsa: 43}
"""


@pytest.fixture
def standin() -> Iterator[halo.HaloStandIn]:
    server = halo.HaloStandIn().start()
    yield server
    server.stop()


def connector(server: halo.HaloStandIn) -> HaloPsaConnector:
    return HaloPsaConnector(site=server.url, client_id=halo.CLIENT_ID, client_secret=halo.CLIENT_SECRET,
                            tenant=halo.TENANT, webhook_user="halo", webhook_password="hook-pass-123",
                            policy=RetryPolicy(max_retries=5, base_delay_s=0.001, max_delay_s=0.01), timeout_s=5)


def _ticket(server: halo.HaloStandIn, tid: int = 901, client: int = 42) -> None:
    server.add_ticket(tid, client_id=client, summary="DC01: AD replication failing", updated=T0,
                      details="Monitoring alert for replication on DC01.")
    server.add_action(tid, 1, "Ran repadmin /replsummary: 2 failures to DC02.", private=True,
                      at=T0 - timedelta(minutes=30))
    server.add_action(tid, 2, "Hi Dana, are users reporting login problems?", private=False,
                      at=T0 - timedelta(minutes=20))
    server.add_action(tid, 3, "Status changed", private=True, at=T0 - timedelta(minutes=19), who="System",
                      system=True)
    server.add_action(tid, 4, "Restarted DFSR on DC01, no change.", private=True, at=T0 - timedelta(minutes=5))


def _service(engine: Engine, server: halo.HaloStandIn, tmp_path: Path, events: list | None = None) -> PsaService:
    from bot.ingest.loader import ingest_folder

    (tmp_path / "w").mkdir(exist_ok=True)
    (tmp_path / "w" / "tenants.yaml").write_text(TENANTS)
    assert ingest_folder(tmp_path / "w", engine=engine).ok
    return PsaService(engine, connector(server), EscalationRule(r"tier ?2|l2|escalat|2nd line"),
                      on_escalation=None if events is None else events.append)


def test_fetch_ticket_with_actions_via_client_credentials(standin: halo.HaloStandIn) -> None:
    _ticket(standin)
    conn = connector(standin)
    ticket = conn.fetch_ticket("901")
    assert ticket is not None
    assert (ticket.company, ticket.board, ticket.status, ticket.priority, ticket.type) == (
        "42", "1st Line Support", "In Progress", "P2", "Incident")
    assert ticket.description == "Monitoring alert for replication on DC01." and ticket.updated_at == T0
    assert [(n.id, n.kind, n.customer_visible) for n in ticket.notes] == [
        ("1", "internal", False), ("2", "discussion", True), ("4", "internal", False)]  # system action left out
    assert conn.token_requests == 1
    conn.fetch_ticket("901")
    assert conn.token_requests == 1  # the token is reused until it expires
    standin.tokens.clear()  # revoked: one new token, then the request succeeds
    assert conn.fetch_ticket("901") is not None and conn.token_requests == 2
    assert conn.fetch_ticket("999") is None
    # Read-only: the only non-GET request is the token request.
    assert standin.methods() == {("POST", "/auth/token")}


def test_wrong_client_secret_is_a_clear_error(standin: halo.HaloStandIn) -> None:
    from bot.psa.http import PsaError

    conn = HaloPsaConnector(site=standin.url, client_id=halo.CLIENT_ID, client_secret="wrong", tenant=halo.TENANT)
    with pytest.raises(PsaError, match="invalid_client"):
        conn.fetch_ticket("1")


def test_sync_pages_newest_first_until_the_watermark(standin: halo.HaloStandIn, engine: Engine,
                                                     tmp_path: Path) -> None:
    for n in range(250):
        standin.add_ticket(1000 + n, client_id=42 if n % 3 else 99, summary=f"t{n}",
                           updated=T0 + timedelta(minutes=n))
    svc = _service(engine, standin, tmp_path)
    standin.storm_429 = 5
    first = run_sync(svc, page_size=100)
    assert (first.tickets, first.pages, first.unmapped) == (250, 3, {"99": 84})
    assert first.added == 166 and first.retries >= 5
    standin.move(1005, team="2nd Line Support", updated=T0 + timedelta(days=1))
    mark = len(standin.requests)
    again = run_sync(svc, page_size=100)
    assert (again.tickets, again.updated) == (2, 1)  # the moved ticket and the watermark's own
    assert sum(1 for _, p in standin.requests[mark:] if p == "/api/tickets") == 1
    assert [e.ticket_id for e in again.escalations] == ["1005"]
    with Session(engine) as session:
        assert db.get_ticket(session=session, tenant_id="acme", ticket_id="1005").status == "escalated"
    assert standin.methods() == {("POST", "/auth/token")}


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_webhook_basic_auth_refetch_and_escalation(standin: halo.HaloStandIn, engine: Engine,
                                                  tmp_path: Path) -> None:
    _ticket(standin)
    events: list[EscalationEvent] = []
    svc = _service(engine, standin, tmp_path, events)
    body = json.dumps({"event": "Ticket Updated", "ticket": {"id": 901, "summary": "(refetched)"}}).encode()
    with pytest.raises(WebhookRejected) as err:
        svc.handle_webhook(body, _basic("halo", "guess"))
    assert err.value.status == 401
    with pytest.raises(WebhookRejected):
        svc.handle_webhook(body, {})
    assert svc.handle_webhook(body, _basic("halo", "hook-pass-123")).status == "stored"
    standin.move(901, team="2nd Line Support", updated=T0 + timedelta(minutes=3))
    moved = json.dumps({"event": "Ticket Updated", "ticket": {"id": 901}, "at": "2"}).encode()
    outcome = svc.handle_webhook(moved, _basic("halo", "hook-pass-123"))
    assert outcome.escalation is not None and [e.ticket_id for e in events] == ["901"]
    assert svc.handle_webhook(moved, _basic("halo", "hook-pass-123")).status == "duplicate"
    with Session(engine) as session:
        ticket = db.get_ticket(session=session, tenant_id="acme", ticket_id="901")
        notes = db.list_notes(session=session, tenant_id="acme", ticket_id="901")
    assert ticket.description == "Monitoring alert for replication on DC01."
    assert [(n.note_id, n.visibility) for n in notes] == [("1", "internal"), ("2", "customer"), ("4", "internal")]
    other = json.dumps({"event": "Client Updated", "client": {"id": 42}}).encode()
    assert svc.handle_webhook(other, _basic("halo", "hook-pass-123")).status == "ignored"
