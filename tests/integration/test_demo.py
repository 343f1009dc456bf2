"""The bundled demo MSP: loads cleanly, twice, and carries the hard cases on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.cli.commands.demo import demo_folder
from adapters.cli.main import main
from bot.db import store
from bot.ingest.loader import ingest_folder


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from bot.db.engine import make_engine, upgrade

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


def _demo_rows() -> tuple[list[dict], dict[tuple[str, str], dict]]:
    import json

    folder = demo_folder()
    alerts = [json.loads(line) for line in (folder / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    labels_path = folder.parent / "labels" / "incidents.jsonl"
    labels = {(r["source"], r["id"]): r for r in map(json.loads, labels_path.read_text(encoding="utf-8").splitlines())}
    return alerts, labels


def test_demo_alert_stream_is_redundant_like_a_real_one() -> None:
    """Persistent conditions re-notify (bot/ingest/demo/README.md, 'The alert noise model'): volume stays
    plausible, most of it in November, one-off alerts are a minority, and every repeat or duplicate
    is a later notification of its incident's condition on the same device and check."""
    from collections import Counter

    alerts, labels = _demo_rows()
    assert 2000 <= len(alerts) <= 6000
    months = Counter(a["at"][:7] for a in alerts)
    assert max(months, key=lambda m: months[m]) == "2026-11"
    sizes = Counter(labels[(a["source"], a["id"])]["incident"] for a in alerts)
    assert sum(1 for n in sizes.values() if n == 1) < 0.25 * len(alerts)
    noise = Counter(labels[(a["source"], a["id"])]["noise"] for a in alerts)
    assert noise["repeat"] > len(alerts) / 3 and noise["duplicate"] and noise["flapping"] and noise["storm"]
    first: dict[str, list[dict]] = {}
    for a in sorted(alerts, key=lambda a: a["at"]):
        label = labels[(a["source"], a["id"])]
        earlier = first.setdefault(label["incident"], [])
        if label["noise"] in ("repeat", "duplicate"):
            assert any(e["device"] == a["device"] and e["check"] == a["check"] for e in earlier), a["id"]
        earlier.append(a)


def test_demo_dc01_hours_stay_clean() -> None:
    """Around tickets 4412/4413 both DC01s carry only the tickets' own alerts."""
    import json

    alerts, labels = _demo_rows()
    packets = [json.loads(line) for line in (demo_folder().parent / "labels" / "packets.jsonl").read_text().splitlines()]
    ticket_incidents = {labels[tuple(x)]["incident"] for p in packets if p["ticket"] in ("4412", "4413")
                        for x in p["related_alerts"] if tuple(x) in labels}
    window = [a for a in alerts if a["device"] == "DC01" and "2026-11-23T18:00:00Z" <= a["at"] <= "2026-11-24T06:00:00Z"]
    assert {a["tenant"] for a in window} == {"acme", "ridgeline"}
    assert {labels[(a["source"], a["id"])]["incident"] for a in window} <= ticket_incidents
