"""The packet builder's own sections (tried, asked, unknown, summary) and its tenant guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.db import store
from bot.packets.model import SECTIONS, Packet, Source
from bot.errors import TenantMismatch
from bot.ingest.loader import ingest_folder
from bot.packets.builder import assert_tenant, build_packet
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
        assert_tenant(packet)


def test_packet_json_roundtrip(world: Engine) -> None:
    packet = packet_of(world, "4412")
    again = Packet.from_json(packet.to_json())
    assert again.to_json() == packet.to_json()
