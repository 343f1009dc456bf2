"""The Autotask connector against a local stand-in of its documented REST API.

Sources (the stand-in, tests/harness/autotask_standin.py, follows them; Autotask developer help):
  * Basic and advanced query calls (GET .../query?search=, MaxRecords <= 500, pageDetails.nextPageUrl):
    https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/API_Calls/REST_Basic_Query_Calls.htm,
    https://autotask.net/help/developerhelp/content/apis/REST/API_Calls/REST_Advanced_Query_Features.htm
  * REST best practices (Ticket LastActivityDate for incremental queries):
    https://ww1.autotask.net/help/Developerhelp/Content/APIs/REST/General_Topics/REST_BestPractices.htm
  * Webhooks, secret key and payload verification (X-Hook-Signature: sha1=<base64 HMAC-SHA1>):
    https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/Webhooks/SecretKeyPayloadVerification.htm,
    and the payload fields (Action, Guid, EntityType, Id, SequenceNumber) in Nango's Autotask webhook guide
    https://www.nango.dev/docs/api-integrations/autotask/webhooks
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.support.psa_world import T0
from bot.db import store as db
from bot.ingest.loader import ingest_folder
from bot.psa.autotask import AutotaskConnector
from bot.psa.base import WebhookRejected
from bot.psa.http import RetryPolicy
from bot.psa.mapping import EscalationRule
from bot.psa.service import EscalationEvent, PsaService
from bot.psa.sync import run_sync
from tests.harness import autotask_standin as at

HOOK_SECRET = "at-hook-secret-1234"


@pytest.fixture
def standin() -> Iterator[at.AutotaskStandIn]:
    server = at.AutotaskStandIn().start()
    yield server
    server.stop()


def connector(server: at.AutotaskStandIn) -> AutotaskConnector:
    return AutotaskConnector(username=at.USER, secret=at.SECRET, integration_code=at.CODE,
                             zone_lookup=f"{server.url}/atservicesrest/v1.0/zoneInformation",
                             webhook_secret=HOOK_SECRET, timeout_s=5,
                             policy=RetryPolicy(max_retries=5, base_delay_s=0.001, max_delay_s=0.01))


def _service(engine: Engine, server: at.AutotaskStandIn, tmp_path: Path,
             events: list[EscalationEvent] | None = None) -> PsaService:
    (tmp_path / "w").mkdir(exist_ok=True)
    (tmp_path / "w" / "tenants.yaml").write_text(
        "tenants:\n  - id: acme\n    name: Acme\n    psa: {autotask: 29683412}\n")
    assert ingest_folder(tmp_path / "w", engine=engine).ok
    return PsaService(engine, connector(server), EscalationRule(r"tier ?2|l2|level ii|escalat"),
                      on_escalation=None if events is None else events.append)


def _ticket(server: at.AutotaskStandIn, tid: int = 7001) -> None:
    server.add_ticket(tid, company=29683412, title="DC01: AD replication failing", updated=T0,
                      description="Monitoring alert for replication on DC01.")
    server.add_note(tid, 1, "Ran repadmin /replsummary: 2 failures to DC02.", publish="1", at=T0 - timedelta(minutes=30))
    server.add_note(tid, 2, "Hi Dana, are users reporting login problems?", publish="3", at=T0 - timedelta(minutes=20))
    server.add_note(tid, 3, "Restarted DFSR on DC01, no change.", publish="2", at=T0 - timedelta(minutes=5))


def test_zone_lookup_ticket_notes_and_picklist_labels(standin: at.AutotaskStandIn) -> None:
    _ticket(standin)
    conn = connector(standin)
    ticket = conn.fetch_ticket("7001")
    assert ticket is not None
    assert (ticket.company, ticket.board, ticket.status, ticket.priority) == (
        "29683412", "Level I Support", "In Progress", "Medium")
    assert ticket.description == "Monitoring alert for replication on DC01."
    assert [(n.id, n.customer_visible) for n in ticket.notes] == [("1", False), ("2", True), ("3", False)]
    assert ticket.url == f"{standin.url}/web/Mvc/ServiceDesk/TicketDetail.mvc?ticketId=7001"
    assert ("GET", "/atservicesrest/v1.0/zoneInformation") in standin.requests
    assert conn.fetch_ticket("9999") is None
    assert standin.non_gets() == set()


def test_wrong_secret_is_a_clear_error(standin: at.AutotaskStandIn) -> None:
    from bot.psa.http import PsaError

    conn = AutotaskConnector(username=at.USER, secret="nope", integration_code=at.CODE,
                             zone_url=f"{standin.url}/atservicesrest", policy=RetryPolicy(max_retries=0))
    with pytest.raises(PsaError) as err:
        conn.fetch_ticket("1")
    assert err.value.status == 401 and "Unauthorized" in err.value.message


def test_sync_follows_next_page_urls_and_resumes(standin: at.AutotaskStandIn, engine: Engine,
                                                 tmp_path: Path) -> None:
    for n in range(120):
        standin.add_ticket(8000 + n, company=29683412 if n % 4 else 1, title=f"t{n}",
                           updated=T0 + timedelta(minutes=n))
    svc = _service(engine, standin, tmp_path)
    standin.storm_429 = 4
    report = run_sync(svc, page_size=50)
    assert (report.tickets, report.pages, report.added, report.unmapped) == (120, 3, 90, {"1": 30})
    standin.move(8001, queue="29682969", updated=T0 + timedelta(days=1))
    again = run_sync(svc)
    assert (again.tickets, again.updated) == (2, 1)
    assert [e.ticket_id for e in again.escalations] == ["8001"]
    with Session(engine) as session:
        assert db.get_ticket(session=session, tenant_id="acme", ticket_id="8001").status == "escalated"
    # A resumed page walk skips the pages before the cursor without fetching their notes again.
    conn = connector(standin)
    mark = len(standin.requests)
    pages = list(conn.changed_pages(None, start_page=3, page_size=50))
    assert [p.page for p in pages] == [3] and len(pages[0].tickets) == 20
    assert not any("TicketNotes/query" in p for _, p in standin.requests[mark:])
    assert standin.non_gets() == set()


def _signed(body: bytes, secret: str = HOOK_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha1).digest()
    return {"X-Hook-Signature": "sha1=" + base64.b64encode(digest).decode()}


def test_webhook_signature_refetch_and_escalation(standin: at.AutotaskStandIn, engine: Engine,
                                                  tmp_path: Path) -> None:
    _ticket(standin)
    events: list[EscalationEvent] = []
    svc = _service(engine, standin, tmp_path, events)
    body = json.dumps({"Action": "Update", "Guid": "g-1", "EntityType": "Ticket", "Id": 7001,
                       "Fields": {"title": "(refetched)"}, "SequenceNumber": 1}).encode()
    with pytest.raises(WebhookRejected) as err:
        svc.handle_webhook(body, _signed(body, "guess"))
    assert err.value.status == 401
    assert svc.handle_webhook(body, _signed(body)).status == "stored"
    assert svc.handle_webhook(body, _signed(body)).status == "duplicate"
    standin.move(7001, queue="29682969", updated=T0 + timedelta(minutes=3))
    moved = body.replace(b'"SequenceNumber": 1', b'"SequenceNumber": 2')
    assert svc.handle_webhook(moved, _signed(moved)).escalation is not None
    assert [e.ticket_id for e in events] == ["7001"]
    with Session(engine) as session:
        notes = db.list_notes(session=session, tenant_id="acme", ticket_id="7001")
    assert [(n.note_id, n.visibility) for n in notes] == [("1", "internal"), ("2", "customer"), ("3", "internal")]
    company = json.dumps({"Action": "Update", "Guid": "g-2", "EntityType": "Company", "Id": 1,
                          "SequenceNumber": 9}).encode()
    assert svc.handle_webhook(company, _signed(company)).status == "ignored"


def test_a_next_page_on_another_host_is_not_followed(standin: at.AutotaskStandIn) -> None:
    from bot.psa.http import PsaError

    for n in range(3):
        standin.add_ticket(9000 + n, company=1, title="t", updated=T0)
    standin.next_host = "http://127.0.0.2:9"
    conn = connector(standin)
    with pytest.raises(PsaError, match="another host"):
        list(conn.changed_pages(None, page_size=2))
