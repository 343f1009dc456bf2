"""The packet builder's own sections (tried, asked, unknown, summary) and its tenant guard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.db import store
from bot.errors import TenantMismatch
from bot.ingest.loader import ingest_folder
from bot.packets.builder import build_packet
from bot.packets.model import SECTIONS, Packet, Source
from bot.tenancy.guard import check_sources
from tests.harness.worlds import tickets, write_world


def packet_of(engine: Engine, ticket_id: str) -> Packet:
    with Session(engine) as session:
        return build_packet(session=session, ticket=store.find_ticket(session=session, ticket_id=ticket_id))


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> Engine:
    ingest_folder(write_world(tmp_path / "w"), engine=engine)
    return engine


def test_every_claim_has_a_linked_source_and_a_confidence(world: Engine) -> None:
    packet = packet_of(world, "4412")
    assert packet.claims
    for claim in packet.claims:
        assert claim.sources and all(s.url for s in claim.sources)
        assert 0 <= claim.confidence.score <= 1 and claim.confidence.label in ("high", "medium", "low")
        assert claim.confidence.reason
    order = [SECTIONS.index(c.section) for c in packet.claims]
    assert order == sorted(order), "claims come in section order"
    assert [c.id for c in packet.claims] == [f"c{i}" for i in range(1, len(packet.claims) + 1)]


def test_tried_and_asked_come_from_the_right_notes(world: Engine) -> None:
    packet = packet_of(world, "4412")
    tried = packet.section("tried")
    assert [s.id for c in tried for s in c.sources] == ["4412-1"]
    assert "Restarted the DFSR service, no change" in tried[0].text
    asked = packet.section("asked")
    assert [s.id for c in asked for s in c.sources] == ["4412-2"]
    assert "login problems at the Elm St office?" in asked[0].text


def test_an_instruction_in_a_note_is_data(world: Engine) -> None:
    packet = packet_of(world, "4412")
    texts = " ".join(c.text for c in packet.claims).lower()
    assert "ignore previous" not in texts and "all clients" not in texts
    assert "4412-3" not in {s.id for c in packet.claims for s in c.sources}
    assert packet.tenants_cited() <= {"acme", "_global"}


def test_unknowns_cite_their_checklist(world: Engine) -> None:
    packet = packet_of(world, "4412")
    unknown = {c.sources[0].id: c for c in packet.section("unknown")}
    assert "active-directory/patch-window" in unknown
    assert "patch window" in unknown["active-directory/patch-window"].text
    assert unknown["active-directory/patch-window"].sources[0].url.startswith("handoff://checklists/")
    # repadmin /replsummary was run: the "all DCs" item is answered, so not unknown.
    assert "active-directory/all-dcs" not in unknown


def test_summary_has_two_to_five_cited_sentences(world: Engine) -> None:
    summary = packet_of(world, "4412").section("summary")
    assert 2 <= len(summary) <= 5
    assert all(c.sources for c in summary)


def test_ticket_without_notes_gives_unknowns_not_a_crash(engine: Engine, tmp_path: Path) -> None:
    bare = dict(tickets()[0], id="7001", notes=[], description=None)
    ingest_folder(write_world(tmp_path / "w", tickets_=[bare]), engine=engine)
    packet = packet_of(engine, "7001")
    assert packet.section("tried") == [] and packet.section("asked") == []
    unknown_texts = [c.text for c in packet.section("unknown")]
    assert any("No notes on this ticket yet" in t for t in unknown_texts)
    assert len(packet.section("summary")) >= 2


def test_a_reply_by_the_customer_is_paired_with_the_question(engine: Engine, tmp_path: Path) -> None:
    t = tickets()[0]
    t["notes"].append({"id": "4412-9", "at": "2026-11-24T02:35:00Z", "author": "Dana Whitfield",
                       "visibility": "customer", "text": "Yes, three people at Elm St can't log in since 1am."})
    ingest_folder(write_world(tmp_path / "w", tickets_=[t]), engine=engine)
    packet = packet_of(engine, "4412")
    asked = packet.section("asked")
    assert [s.id for s in asked[0].sources] == ["4412-2", "4412-9"]
    assert "three people at Elm St" in asked[0].text
    # The answer confirms user impact, so it is no longer unknown.
    assert "active-directory/user-impact" not in {c.sources[0].id for c in packet.section("unknown")}


def test_builder_refuses_a_packet_citing_another_tenant(world: Engine) -> None:
    packet = packet_of(world, "4412")
    foreign = Source(kind="doc", id="environment.md", title="Ridgeline", url="https://x", tenant="ridge")
    from dataclasses import replace

    packet.claims.append(replace(packet.claims[0], id="c99", sources=(foreign,)))
    with pytest.raises(TenantMismatch, match="another tenant"):
        check_sources((s for c in packet.claims for s in c.sources), tenant_id=packet.ticket.tenant,
                      cited_by=f"packet for ticket {packet.ticket.id}")


@dataclass(frozen=True)
class _BrokenHit:
    """A runbook hit of another client, as a retrieval layer with a bug would return it."""

    tenant: str = "ridge"
    kind: str = "runbook"
    doc_path: str = "runbooks/ad.md"
    title: str = "Ridgeline AD runbook"
    heading_path: tuple[str, ...] = ("Ridgeline AD runbook", "Fix replication")
    anchor: str = "fix-replication"
    url: str = "https://ridge.example/runbooks/ad.md#fix-replication"
    text: str = "Ridgeline's own replication procedure."
    dense_score: float = 0.9
    exact_terms: tuple[str, ...] = ()
    ticket_id: str | None = None


class _BrokenRetrieval:
    """Stands in for a retrieval layer whose own tenant check failed; the builder's gate must still hold."""

    def search_knowledge(self, *, tenant_id: str, query: str, limit: int = 5,
                         kinds: Sequence[str] | None = None, dense_query: str | None = None) -> list[_BrokenHit]:
        return [_BrokenHit()]


def test_build_refuses_a_foreign_hit_that_got_past_retrieval(world: Engine) -> None:
    with Session(world) as session:
        ticket = store.find_ticket(session=session, ticket_id="4412")
        assert ticket.tenant_id == "acme"
        with pytest.raises(TenantMismatch, match="packet for ticket 4412 \\(acme\\) would cite doc runbooks/ad.md"):
            build_packet(session=session, ticket=ticket, retriever=_BrokenRetrieval())


def test_confidence_formulas_keep_their_documented_numbers() -> None:
    from bot.packets import confidence

    # Same device, 20 min before the ticket, names the problem, same category.
    assert round(confidence.alert_cluster(same_device=True, storm=False, minutes=20, names_problem=True,
                                          category_match=True, started_after=False, noise=False), 2) == 1.0
    # Another device, 3 h away, triage noise, started after: 0.3 + 0.1 - 0.1 - 0.25.
    assert round(confidence.alert_cluster(same_device=False, storm=False, minutes=180, names_problem=False,
                                          category_match=False, started_after=True, noise=True), 2) == 0.05
    assert confidence.tried_step("observation", has_outcome=True) == pytest.approx(0.85)
    # Runbook claims are high only from 0.9 (fitted on the tuning halves); below, at most medium.
    assert confidence.gated("runbook", 0.88) == 0.74 and confidence.gated("runbook", 0.93) == 0.93
    assert confidence.gated("tried", 0.8) == 0.8
    assert confidence.knowledge_section(dense_score=0.3, exact_terms=False, heading_names_problem=False,
                                        top=False) == pytest.approx(0.15)
    assert confidence.knowledge_section(dense_score=0.95, exact_terms=True, heading_names_problem=True,
                                        top=True) == pytest.approx(1.0)
    assert confidence.client_note(0.5, lists_device=True) == pytest.approx(0.65)
    assert confidence.past_ticket(0.5, same_device=True, same_category=True) == pytest.approx(0.65)
    assert confidence.model_sentence([0.9, 0.5]) == pytest.approx(0.45)


def test_packet_json_roundtrip(world: Engine) -> None:
    packet = packet_of(world, "4412")
    again = Packet.from_json(packet.to_json())
    assert again.to_json() == packet.to_json()
