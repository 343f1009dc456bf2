"""The dataset import: idempotence, in-place updates, per-file rejection."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db import store
from bot.db.models import Alert, Doc, Ticket, TicketNote
from bot.ingest.loader import ingest_folder
from tests.harness.worlds import alerts, tickets, write_jsonl, write_world

TABLES = ["tenant", "ticket", "ticketnote", "alert", "doc"]


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the imported tables, to prove that nothing else changed."""
    with engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f"select * from {t}")).all()), key=repr) for t in TABLES}


def test_ingest_counts_and_reads(engine: Engine, tmp_path: Path) -> None:
    summary = ingest_folder(write_world(tmp_path / "w"), engine=engine)
    assert summary.ok, summary.errors
    assert summary.counts["tenants"].added == 2
    assert summary.counts["tickets"].added == 2
    assert summary.counts["alerts"].added == 2
    assert summary.counts["docs"].added == 3
    with Session(engine) as session:
        ticket = store.find_ticket(session=session, ticket_id="4412")
        assert ticket.tenant_id == "acme" and ticket.escalated_at is not None
        assert ticket.created_at.tzinfo is not None
        notes = store.list_notes(session=session, tenant_id="acme", ticket_id="4412")
        assert [n.note_id for n in notes] == ["4412-1", "4412-2", "4412-3"]
        assert [n.visibility for n in notes] == ["internal", "customer", "internal"]


def test_second_ingest_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    world = write_world(tmp_path / "w")
    ingest_folder(world, engine=engine)
    before = snapshot(engine)
    summary = ingest_folder(world, engine=engine)
    assert summary.ok
    for kind, counts in summary.counts.items():
        assert counts.added == counts.updated == counts.deleted == counts.rejected == 0, kind
        assert counts.unchanged > 0, kind
    assert snapshot(engine) == before


def test_edit_applied_and_malformed_file_rejected_whole(engine: Engine, tmp_path: Path) -> None:
    world = write_world(tmp_path / "w")
    ingest_folder(world, engine=engine)
    before = snapshot(engine)

    copy = tmp_path / "copy"
    shutil.copytree(world, copy)
    edited = tickets()
    edited[0]["status"] = "in_progress"
    edited[0]["notes"].append({"id": "4412-4", "visibility": "internal", "text": "Checked w32tm, fine."})
    write_jsonl(copy / "tickets.jsonl", edited)
    # alerts.jsonl: a good new alert, then a malformed one; neither may land.
    good_new = dict(alerts()[0], id="a2", message="DNS lookup failed")
    bad = dict(alerts()[0], id="a3", severity="urgent")
    write_jsonl(copy / "alerts.jsonl", [*alerts(), good_new, bad])

    summary = ingest_folder(copy, engine=engine)
    assert not summary.ok
    assert summary.rejected_files == ["alerts.jsonl"]
    assert [str(e) for e in summary.errors] == [
        "alerts.jsonl:4: severity: got 'urgent', expected 'critical', 'warning' or 'info'"
    ]
    assert summary.counts["tickets"].updated == 1 and summary.counts["tickets"].unchanged == 1
    after = snapshot(engine)
    for table in ["tenant", "alert", "doc"]:
        assert after[table] == before[table], table
    with Session(engine) as session:
        assert store.find_ticket(session=session, ticket_id="4412").status == "in_progress"
        notes = store.list_notes(session=session, tenant_id="acme", ticket_id="4412")
        assert [n.note_id for n in notes][-1] == "4412-4"
        assert store.find_ticket(session=session, ticket_id="5001").status == "resolved"


def test_one_bad_line_rejects_the_whole_file(engine: Engine, tmp_path: Path) -> None:
    world = write_world(tmp_path / "w")
    lines = [json.dumps(t) for t in tickets()]
    lines.insert(1, '{"id": "77", "tenant": "acme", "title": "x", "status": "open"')  # truncated JSON
    (world / "tickets.jsonl").write_text("\n".join(lines) + "\n")
    summary = ingest_folder(world, engine=engine)
    assert "tickets.jsonl" in summary.rejected_files
    assert str(summary.errors[0]).startswith("tickets.jsonl:2: (line): not valid JSON")
    with Session(engine) as session:
        assert session.exec(select(Ticket)).all() == []
        assert session.exec(select(TicketNote)).all() == []
        # Files without errors still landed.
        assert len(session.exec(select(Alert)).all()) == 2


def test_errors_name_file_line_and_field(engine: Engine, tmp_path: Path) -> None:
    broken = tickets()
    del broken[0]["title"]
    broken[1]["notes"][0]["visibility"] = "public"
    broken[1]["created_at"] = "2026-11-24 01:00"
    world = write_world(tmp_path / "w", tickets_=broken)
    summary = ingest_folder(world, engine=engine)
    assert sorted(str(e) for e in summary.errors) == sorted([
        "tickets.jsonl:1: title: required field is missing",
        "tickets.jsonl:2: created_at: Input should have timezone info "
        "(got '2026-11-24 01:00'; use ISO 8601 with a zone, e.g. 2026-11-24T02:03:00Z)",
        "tickets.jsonl:2: notes[0].visibility: got 'public', expected 'internal' or 'customer'",
    ])


def test_unknown_tenant_and_reserved_global_are_rejected(engine: Engine, tmp_path: Path) -> None:
    world = write_world(
        tmp_path / "w",
        tickets_=[dict(tickets()[1], tenant="nobody")],
        tenants_yaml="tenants:\n  - id: _global\n    name: Everyone\n",
    )
    summary = ingest_folder(world, engine=engine)
    messages = [str(e) for e in summary.errors]
    assert any(m.startswith("tenants.yaml:2: tenants[0].id:") and "reserved" in m for m in messages)
    assert "tickets.jsonl:1: tenant: unknown tenant 'nobody' (not in tenants.yaml or the store)" in messages


def test_a_ticket_never_moves_between_tenants(engine: Engine, tmp_path: Path) -> None:
    world = write_world(tmp_path / "w")
    ingest_folder(world, engine=engine)
    moved = tickets()
    moved[0]["tenant"] = "ridge"
    write_jsonl(world / "tickets.jsonl", moved)
    summary = ingest_folder(world, engine=engine)
    assert summary.rejected_files == ["tickets.jsonl"]
    assert "already stored under another client" in str(summary.errors[0])
    with Session(engine) as session:
        assert store.find_ticket(session=session, ticket_id="4412").tenant_id == "acme"


def test_removed_doc_is_deleted_but_a_broken_one_is_kept(engine: Engine, tmp_path: Path) -> None:
    world = write_world(tmp_path / "w")
    ingest_folder(world, engine=engine)
    (world / "docs/ridge/environment.md").unlink()
    (world / "docs/acme/environment.md").write_text("---\ntitle: [unclosed\n---\n# Acme\n")
    summary = ingest_folder(world, engine=engine)
    assert summary.counts["docs"].deleted == 1
    assert summary.rejected_files == ["docs/acme/environment.md"]
    assert str(summary.errors[0]).startswith("docs/acme/environment.md:2: (front matter): not valid YAML")
    with Session(engine) as session:
        assert store.list_docs(session=session, tenant_id="ridge") == []
        kept = store.list_docs(session=session, tenant_id="acme")
        assert [d.path for d in kept] == ["environment.md"] and "8443" in kept[0].body
        assert session.exec(select(Doc).where(Doc.tenant_id == "_global")).one().url == "https://docs.example.com/ad"


def test_alertmanager_bodies_need_a_tenant(engine: Engine, tmp_path: Path) -> None:
    world = write_world(tmp_path / "w")
    (world / "alertmanager").mkdir()
    body = {
        "version": "4", "status": "firing", "commonLabels": {"tenant": "ridge"},
        "alerts": [
            {"labels": {"alertname": "NodeFilesystemSpaceFillingUp", "instance": "nas01:9100", "severity": "warning"},
             "annotations": {"summary": "Filesystem on /volume1 is 91% full"},
             "startsAt": "2026-11-24T01:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "0123456789abcdef"},
        ],
    }
    (world / "alertmanager" / "good.json").write_text(json.dumps(body))
    body_without = json.loads(json.dumps(body))
    body_without["commonLabels"] = {}
    (world / "alertmanager" / "no-tenant.json").write_text(json.dumps(body_without))
    summary = ingest_folder(world, engine=engine)
    assert summary.rejected_files == ["alertmanager/no-tenant.json"]
    assert "alerts[0].labels.tenant" in str(summary.errors[0])
    with Session(engine) as session:
        nas = store.list_alerts(session=session, tenant_id="ridge", device="nas01")
        assert len(nas) == 1 and nas[0].check_name == "NodeFilesystemSpaceFillingUp"
        assert nas[0].external_id == "0123456789abcdef@2026-11-24T01:00:00Z"


def test_same_device_name_in_two_tenants_stays_apart(engine: Engine, tmp_path: Path) -> None:
    ingest_folder(write_world(tmp_path / "w"), engine=engine)
    with Session(engine) as session:
        acme = store.list_alerts(session=session, tenant_id="acme", device="DC01")
        ridge = store.list_alerts(session=session, tenant_id="ridge", device="DC01")
    assert [a.external_id for a in acme] == ["a1"]
    assert [a.external_id for a in ridge] == ["r1"]


def test_missing_folder_is_bad_input(engine: Engine, tmp_path: Path) -> None:
    import pytest

    from bot.errors import BadInput

    with pytest.raises(BadInput, match="not a folder"):
        ingest_folder(tmp_path / "nope", engine=engine)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match="no tenants.yaml"):
        ingest_folder(tmp_path / "empty", engine=engine)


def test_a_late_firing_notification_does_not_reopen_a_resolved_alert(engine: Engine, tmp_path: Path) -> None:
    resolved = dict(alerts()[0], resolved_at="2026-11-24T02:30:00Z")
    world = write_world(tmp_path / "w", alerts_=[resolved])
    ingest_folder(world, engine=engine)
    write_jsonl(world / "alerts.jsonl", [alerts()[0]])  # the same episode, "firing" again
    summary = ingest_folder(world, engine=engine)
    assert summary.counts["alerts"].unchanged == 1 and summary.counts["alerts"].updated == 0
    with Session(engine) as session:
        (alert,) = store.list_alerts(session=session, tenant_id="acme")
        assert alert.resolved_at is not None
