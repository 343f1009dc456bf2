"""PSA tickets into the store: client mapping, escalation detection, callbacks deduped (stand-in per
tests/unit/test_psa_connectwise.py's cited sources)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bench.support import connectwise_standin as cw
from bench.support.psa_world import T0, callback_body, escalation_ticket, load_tenants, service, signed
from bot.db import store as db
from bot.db.models import PsaTicketState, Ticket, TicketNote
from bot.errors import NotFound
from bot.psa.base import WebhookRejected
from bot.psa.service import EscalationEvent


@pytest.fixture
def standin() -> Iterator[cw.StandIn]:
    server = cw.StandIn().start()
    yield server
    server.stop()


def _delivered(engine: Engine, standin: cw.StandIn) -> tuple[list[EscalationEvent], object]:
    events: list[EscalationEvent] = []
    return events, service(engine, standin, on_escalation=events.append)


def test_callback_stores_ticket_and_notes_and_detects_the_move_to_tier2(
        engine: Engine, standin: cw.StandIn, tmp_path: Path) -> None:
    load_tenants(tmp_path / "w", engine)
    escalation_ticket(standin)
    events: list[EscalationEvent] = []
    svc = service(engine, standin, on_escalation=events.append)

    body = callback_body(standin, ticket_id=4412, action="added", message_id="m-1")
    outcome = svc.handle_webhook(body, signed(body))
    assert (outcome.status, outcome.tenant_id, outcome.escalation) == ("stored", "acme", None)
    with Session(engine) as session:
        ticket = db.get_ticket(session=session, tenant_id="acme", ticket_id="4412")
        assert (ticket.status, ticket.device, ticket.escalated_at) == ("in_progress", "DC01", None)
        assert ticket.description == "Monitoring alert for replication on DC01."
        notes = db.list_notes(session=session, tenant_id="acme", ticket_id="4412")
        assert [(n.note_id, n.visibility) for n in notes] == [("2", "internal"), ("3", "customer"), ("4", "internal")]

    standin.move(4412, board="Service Desk Tier 2", updated=T0 + timedelta(minutes=5))
    standin.add_note(4412, 5, "Checked DNS on DC02, clean.", at=T0 + timedelta(minutes=4))
    body = callback_body(standin, ticket_id=4412, message_id="m-2")
    outcome = svc.handle_webhook(body, signed(body))
    assert outcome.status == "stored" and outcome.escalation is not None
    assert [e.key for e in events] == [f"connectwise:4412:{(T0 + timedelta(minutes=5)).isoformat()}"]
    with Session(engine) as session:
        ticket = db.get_ticket(session=session, tenant_id="acme", ticket_id="4412")
        assert ticket.status == "escalated" and ticket.escalated_at == T0 + timedelta(minutes=5)
        assert len(db.list_notes(session=session, tenant_id="acme", ticket_id="4412")) == 4

    # The same delivery again: nothing fetched, nothing delivered.
    fetched = len(standin.requests)
    assert svc.handle_webhook(body, signed(body)).status == "duplicate"
    assert len(standin.requests) == fetched
    # A new delivery while still on Tier 2 (a note added): stored, not a second escalation.
    standin.add_note(4412, 6, "Vendor case opened.", at=T0 + timedelta(minutes=9))
    standin.move(4412, status="Waiting on vendor", updated=T0 + timedelta(minutes=9))
    body = callback_body(standin, ticket_id=4412, message_id="m-3")
    again = svc.handle_webhook(body, signed(body)).escalation
    # Still the same escalation: the same key, which the delivery posts once per channel.
    assert again is not None and again.key == events[0].key
    # Back to Tier 1, then Tier 2 again: a second escalation with its own key.
    standin.move(4412, board="Service Desk Tier 1", updated=T0 + timedelta(minutes=20))
    body = callback_body(standin, ticket_id=4412, message_id="m-4")
    svc.handle_webhook(body, signed(body))
    standin.move(4412, status="Escalated", updated=T0 + timedelta(minutes=30))
    body = callback_body(standin, ticket_id=4412, message_id="m-5")
    svc.handle_webhook(body, signed(body))
    assert len({e.key for e in events}) == 2 and events[-1].key.endswith((T0 + timedelta(minutes=30)).isoformat())
    assert standin.methods() == {"GET"}  # draft only: the PSA was only read


def test_unmapped_company_is_stored_nowhere_and_logged_once(
        engine: Engine, standin: cw.StandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    load_tenants(tmp_path / "w", engine)
    # "Acme Dental Group" is acme's *name*: still not a mapping (never guessed by name).
    escalation_ticket(standin, 900, company="Acme Dental Group")
    escalation_ticket(standin, 901, company="Acme Dental Group")
    svc = service(engine, standin)
    caplog.set_level(logging.WARNING, logger="handoff.psa")
    for n, tid in enumerate((900, 901, 900)):
        body = callback_body(standin, ticket_id=tid, message_id=f"u-{n}")
        assert svc.handle_webhook(body, signed(body)).status == "unmapped"
    with Session(engine) as session:
        assert session.exec(select(Ticket)).all() == [] and session.exec(select(TicketNote)).all() == []
        assert session.exec(select(PsaTicketState)).all() == []
    warnings = [r for r in caplog.records if "maps to no client" in r.getMessage()]
    assert len(warnings) == 1 and "Acme Dental Group" in warnings[0].getMessage()


def test_tickets_never_move_between_clients(engine: Engine, standin: cw.StandIn, tmp_path: Path) -> None:
    load_tenants(tmp_path / "w", engine)
    escalation_ticket(standin, 4412, company="AcmeDental")
    svc = service(engine, standin)
    assert svc.refresh_ticket("4412").tenant_id == "acme"
    standin.tickets[4412]["company"]["identifier"] = "RidgelineMfg"  # the PSA re-assigns the ticket
    assert svc.refresh_ticket("4412").status == "conflict"
    with Session(engine) as session:
        assert db.find_ticket(session=session, ticket_id="4412").tenant_id == "acme"
        with pytest.raises(NotFound):
            db.get_ticket(session=session, tenant_id="ridge", ticket_id="4412")


def test_each_client_sees_only_its_own_psa_tickets(engine: Engine, standin: cw.StandIn, tmp_path: Path) -> None:
    load_tenants(tmp_path / "w", engine)
    escalation_ticket(standin, 1, company="AcmeDental")
    escalation_ticket(standin, 2, company="RidgelineMfg")
    svc = service(engine, standin)
    svc.refresh_ticket("1")
    svc.refresh_ticket("2")
    with Session(engine) as session:
        assert [t.id for t in db.list_tickets(session=session, tenant_id="acme")] == ["1"]
        assert [t.id for t in db.list_tickets(session=session, tenant_id="ridge")] == ["2"]
        assert {n.tenant_id for n in session.exec(select(TicketNote).where(TicketNote.ticket_id == "2"))} == {"ridge"}


def test_non_ticket_callbacks_are_ignored_but_still_verified(
        engine: Engine, standin: cw.StandIn, tmp_path: Path) -> None:
    load_tenants(tmp_path / "w", engine)
    svc = service(engine, standin)
    body = callback_body(standin, ticket_id=57937, type_="contact", message_id="c-1")
    assert svc.handle_webhook(body, signed(body)).status == "ignored"
    with pytest.raises(WebhookRejected):
        svc.handle_webhook(body, signed(body, key="wrong"))
    body = callback_body(standin, ticket_id=4412, action="deleted", message_id="d-1")
    assert svc.handle_webhook(body, signed(body)).status == "ignored"


def test_a_failed_refetch_is_not_marked_processed(engine: Engine, standin: cw.StandIn, tmp_path: Path) -> None:
    load_tenants(tmp_path / "w", engine)
    escalation_ticket(standin)
    svc = service(engine, standin)
    svc.connector.codebase  # noqa: B018
    body = callback_body(standin, ticket_id=4412, message_id="retry-me")
    standin.faults.errors_5xx = 50
    with pytest.raises(Exception, match="did not answer"):
        svc.handle_webhook(body, signed(body))
    standin.faults.errors_5xx = 0
    assert svc.handle_webhook(body, signed(body)).status == "stored"  # ConnectWise's retry is processed


def test_an_unknown_ticket_number_is_fetched_from_the_configured_psa(
        engine: Engine, standin: cw.StandIn, tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.psa.connectors import fetch_unknown_ticket

    load_tenants(tmp_path / "w", engine)
    escalation_ticket(standin, 4412)
    settings = Settings(connectwise_site=standin.url, connectwise_company=cw.COMPANY,
                        connectwise_public_key=cw.PUBLIC, connectwise_private_key=cw.PRIVATE,
                        connectwise_client_id=cw.CLIENT_ID)
    assert fetch_unknown_ticket("4412", engine, settings) == "stored"
    assert fetch_unknown_ticket("9999", engine, settings) is None
    assert fetch_unknown_ticket("4412", engine, Settings()) is None  # no PSA configured: nothing to ask
    with Session(engine) as session:
        assert db.find_ticket(session=session, ticket_id="4412").tenant_id == "acme"
