"""The bundled demo MSP: loads cleanly, twice, and carries the hard cases on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import store
from bot.cli import main
from bot.commands.demo import demo_folder
from bot.ingest import ingest_folder


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from bot.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'h.db'}")
    upgrade(engine)
    summary = ingest_folder(demo_folder(), engine=engine)
    assert summary.ok, summary.errors[:5]
    return engine


def test_demo_command_on_a_fresh_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "d"), "demo"]) == 0
    out = capsys.readouterr().out
    assert "Acme Dental Group" in out and "4412" in out
    assert main(["--data-dir", str(tmp_path / "d"), "demo"]) == 0  # again: nothing changes, still fine


def test_demo_size_and_shape(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        tenants = store.list_tenants(session=session)
        assert len(tenants) >= 6
        tickets = [t for te in tenants for t in store.list_tickets(session=session, tenant_id=te.id)]
        alerts = sum(len(store.list_alerts(session=session, tenant_id=te.id)) for te in tenants)
        assert len(tickets) >= 150 and alerts >= 2000
        assert {t.category for t in tickets} >= {"active-directory", "backup", "network", "m365", "endpoint", "printing"}
        assert sum(1 for t in tickets if t.reopened_count) >= 3
        assert len(store.list_docs(session=session, tenant_id="_global")) >= 10


def test_ticket_4412_is_an_escalated_dc_ticket(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        t = store.find_ticket(session=session, ticket_id="4412")
        assert (t.tenant_id, t.status, t.category) == ("acme", "escalated", "active-directory")
        assert t.device == "DC01" and t.escalated_at is not None
        notes = store.list_notes(session=session, tenant_id="acme", ticket_id="4412")
        assert {n.visibility for n in notes} == {"internal", "customer"}


def test_hard_cases_are_there(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        acme_dc01 = store.list_alerts(session=session, tenant_id="acme", device="DC01")
        ridge_dc01 = store.list_alerts(session=session, tenant_id="ridgeline", device="DC01")
        assert acme_dc01 and ridge_dc01
        assert {a.tenant_id for a in acme_dc01} == {"acme"} and {a.tenant_id for a in ridge_dc01} == {"ridgeline"}
        texts = []
        for tenant in store.list_tenants(session=session):
            for ticket in store.list_tickets(session=session, tenant_id=tenant.id):
                notes = store.list_notes(session=session, tenant_id=tenant.id, ticket_id=ticket.id)
                texts.append((tenant.id, " ".join([ticket.description or "", *[n.text for n in notes]]).lower()))
        assert any(t != "acme" and "acme dental" in text for t, text in texts), "a ticket naming another client"
        assert any("ignore previous instructions" in text for _, text in texts), "an instruction hidden in a note"


def test_demo_ingest_is_idempotent(demo_engine: Engine) -> None:
    again = ingest_folder(demo_folder(), engine=demo_engine)
    assert again.ok
    assert all(c.added == c.updated == c.deleted == 0 for c in again.counts.values())
