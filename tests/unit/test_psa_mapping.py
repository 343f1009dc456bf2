"""tenants.yaml ``psa:`` (../shared/DATASET.md: an optional field), the escalation rule and the status mapping."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench.support.psa_world import T0
from bot.db.models import Tenant
from bot.ingest.dataset import read_tenants
from bot.ingest.loader import ingest_folder
from bot.ingest.records import TenantRecord
from bot.psa.base import PsaNote, PsaTicket
from bot.psa.mapping import EscalationRule, handoff_status, to_record


def _tenants(tmp_path: Path, text: str) -> Path:
    (tmp_path / "tenants.yaml").write_text(text)
    return tmp_path


def test_psa_ids_are_optional_text_and_stored(tmp_path: Path, engine: Engine) -> None:
    root = _tenants(tmp_path, "tenants:\n  - id: acme\n    name: Acme\n    psa: {connectwise: AcmeDental, halopsa: 42}\n"
                              "  - id: ridge\n    name: Ridge\n")
    assert ingest_folder(root, engine=engine).ok
    with Session(engine) as session:
        assert session.get(Tenant, "acme").psa == {"connectwise": "AcmeDental", "halopsa": "42"}  # type: ignore[union-attr]
        assert session.get(Tenant, "ridge").psa == {}  # type: ignore[union-attr]


def test_a_tenant_without_psa_hashes_as_before() -> None:
    # The hash a Handoff without psa: computed (the same fields, no psa key): upgrading does not mark
    # every client changed.
    import hashlib
    import json

    record = TenantRecord(id="acme", name="Acme")
    old = record.model_dump(mode="json")
    del old["psa"]
    assert record.content_hash() == hashlib.sha256(
        json.dumps(old, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert TenantRecord(id="acme", name="Acme", psa={"connectwise": "A"}).content_hash() != record.content_hash()


def test_one_psa_company_cannot_belong_to_two_clients(tmp_path: Path) -> None:
    parsed = read_tenants(_tenants(tmp_path, "tenants:\n  - id: a\n    name: A\n    psa: {connectwise: Same}\n"
                                              "  - id: b\n    name: B\n    psa: {connectwise: same}\n"))
    assert parsed is not None and [r.id for _, r in parsed.records] == ["a"]
    assert "already mapped to tenant 'a'" in str(parsed.errors[0]) and "psa.connectwise" in str(parsed.errors[0])


def _ticket(**kw: object) -> PsaTicket:
    base = PsaTicket(connector="connectwise", id="1", company="X", summary="s", board="Service Desk",
                     status="In Progress", closed=False, created_at=T0, updated_at=T0)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_escalation_rule_default_pattern() -> None:
    rule = EscalationRule(r"tier ?2|l2|escalat")
    assert rule.matches(_ticket(board="Service Desk Tier 2"))
    assert rule.matches(_ticket(board="TIER2 Infrastructure"))
    assert rule.matches(_ticket(status="Escalated to L2"))
    assert rule.matches(_ticket(escalation_flag=True))
    assert not rule.matches(_ticket(board="Service Desk Tier 1", status="In Progress"))
    assert not rule.matches(_ticket(board="Tier 2", closed=True))
    assert EscalationRule("NOC").matches(_ticket(board="noc queue"))


def test_status_mapping_and_notes() -> None:
    assert handoff_status(_ticket(status="New"), False) == "new"
    assert handoff_status(_ticket(status="Resolved"), True) == "resolved"
    assert handoff_status(_ticket(status="Completed"), False) == "resolved"
    assert handoff_status(_ticket(closed=True), True) == "closed"
    assert handoff_status(_ticket(status="Waiting on client"), True) == "escalated"
    notes = (PsaNote("1", "Printer down.", "discussion", True, at=T0, author="Dana"),
             PsaNote("2", "Restarted spooler.", "internal", False, at=T0, author="Sam"),
             PsaNote("3", "", "internal", False))
    record = to_record(_ticket(notes=notes, priority="Priority 1 - Critical Business Impact Ticket"), "acme",
                       escalated=False)
    assert record.description == "Printer down." and [n.id for n in record.notes] == ["2"]
    assert record.notes[0].visibility == "internal" and record.priority == "P1"
    assert to_record(_ticket(priority="Urgent"), "acme", escalated=False).priority == "Urgent"
