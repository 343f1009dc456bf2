"""Who sees what where, and feedback through the core (acceptance, corrections, flags)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.core import Core
from bot.db.models import AuditEvent, Feedback
from bot.errors import NotFound, Refused
from bot.tenancy.policy import Where
from tests.harness.worlds import core_with_index, write_world


@pytest.fixture
def core(tmp_path: Path, db_url: str, embedder) -> Core:  # type: ignore[no-untyped-def]
    c = core_with_index(Settings(data_dir=tmp_path / "d", database_url=db_url, slack_noc_channels="CNOC"),
                        embedder, write_world(tmp_path / "w"))
    yield c
    c.close()


def slack(channel: str, **kw) -> Where:  # type: ignore[no-untyped-def]
    return Where(platform="slack", channel_id=channel, user_id="U1", **kw)


def test_client_channel_sees_its_own_ticket(core: Core) -> None:
    assert core.packet_for("4412", where=slack("C0ACME")).ticket.tenant == "acme"


def test_other_clients_ticket_and_unknown_ticket_look_the_same(core: Core) -> None:
    with pytest.raises(Refused) as other:
        core.packet_for("5001", where=slack("C0ACME"))
    with pytest.raises(Refused) as unknown:
        core.packet_for("999999", where=slack("C0ACME"))
    assert other.value.message.replace("5001", "N") == unknown.value.message.replace("999999", "N")
    assert "ridge" not in other.value.message.lower()


def test_noc_sees_all_and_says_when_a_ticket_does_not_exist(core: Core) -> None:
    assert core.packet_for("5001", where=slack("CNOC")).ticket.tenant == "ridge"
    with pytest.raises(NotFound):
        core.packet_for("999999", where=slack("CNOC"))


def test_shared_and_unmapped_channels_get_nothing(core: Core) -> None:
    with pytest.raises(Refused, match="shared with other organisations"):
        core.packet_for("4412", where=slack("C0ACME", externally_shared=True))
    with pytest.raises(Refused, match="isn't mapped to a client"):
        core.packet_for("4412", where=slack("CRANDOM"))


def test_refusals_are_audited(core: Core) -> None:
    with pytest.raises(Refused):
        core.packet_for("5001", where=slack("C0ACME"))
    with core.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert len(events) == 1 and events[0].channel == "C0ACME" and events[0].tenant_id is None


def test_packet_is_reused_until_the_ticket_changes(core: Core, tmp_path: Path) -> None:
    first = core.packet_for("4412", where=slack("C0ACME"))
    again = core.packet_for("4412", where=slack("CNOC"))
    assert again.packet_id == first.packet_id
    rebuilt = core.packet_for("4412", where=slack("CNOC"), rebuild=True)
    assert rebuilt.packet_id != first.packet_id


def test_correction_time_from_reaction_to_thread_reply(core: Core) -> None:
    packet = core.packet_for("4412", where=slack("C0ACME"))
    core.record_posted(packet, where=slack("C0ACME"), message_id="111.1")
    t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    core.start_correction(platform="slack", channel="C0ACME", message_id="111.1", user_id="U2", at=t0)
    # Another engineer's reply does not end U2's correction.
    assert core.thread_reply(platform="slack", channel="C0ACME", thread_id="111.1", user_id="U3", at=t0) == []
    done = core.thread_reply(platform="slack", channel="C0ACME", thread_id="111.1", user_id="U2",
                             at=t0 + timedelta(minutes=4, seconds=30))
    assert [f.duration_s for f in done] == [270.0]
    with core.session() as session:
        rows = session.exec(select(Feedback)).all()
    assert [(r.kind, r.user_id, r.duration_s, r.tenant_id) for r in rows] == [("correction", "U2", 270.0, "acme")]


def test_flag_names_the_claim_and_its_sources(core: Core) -> None:
    packet = core.packet_for("4412", where=slack("C0ACME"))
    core.record_posted(packet, where=slack("C0ACME"), message_id="222.2")
    claim = packet.section("tried")[0]
    flagged = core.flag_citation(platform="slack", channel="C0ACME", message_id="222.2", claim_id=claim.id, user_id="U9")
    assert flagged is not None and flagged.claim_id == claim.id
    assert flagged.detail["sources"][0]["id"] == "4412-1"
    with pytest.raises(NotFound):
        core.flag_citation(platform="slack", channel="C0ACME", message_id="222.2", claim_id="c999", user_id="U9")
    # A message Handoff did not post is not a packet.
    assert core.accept(platform="slack", channel="C0ACME", message_id="999.9", user_id="U9") is None


def test_deliveries_are_processed_once(core: Core) -> None:
    assert core.first_delivery(platform="slack", key="Ev123") is True
    assert core.first_delivery(platform="slack", key="Ev123") is False
    assert core.first_delivery(platform="teams", key="Ev123") is True


def test_posting_is_audited_with_the_sources_shown(core: Core) -> None:
    packet = core.packet_for("4412", where=slack("C0ACME"))
    core.record_posted(packet, where=slack("C0ACME"), message_id="333.3")
    with core.session() as session:
        posted = session.exec(select(AuditEvent).where(AuditEvent.action == "packet_posted")).one()
    assert posted.tenant_id == "acme" and posted.actor == "U1"
    assert "https://psa.example.com/tickets/4412#note-4412-1" in posted.detail["sources"]


def test_a_chat_request_works_out_its_scope_once(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """The place's scope is decided once per request and passed down, refusal included."""
    from bot.tenancy import policy

    calls: list[str | None] = []
    real = policy.scope_for

    def counting(where: Where, **kw):  # type: ignore[no-untyped-def]
        calls.append(where.channel_id)
        return real(where, **kw)

    monkeypatch.setattr(policy, "scope_for", counting)
    assert core.handle_chat("4412", where=slack("C0ACME")).ticket.tenant == "acme"  # type: ignore[union-attr]
    assert calls == ["C0ACME"]
    calls.clear()
    with pytest.raises(Refused, match="isn't mapped to a client"):
        core.handle_chat("4412", where=slack("CRANDOM"))
    assert calls == ["CRANDOM"]
    with core.session() as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert [e.detail["request"] for e in refused] == ["packet 4412"]  # still audited by its handler
    calls.clear()
    assert "packet" in core.handle_chat("help", where=slack("CRANDOM"))  # type: ignore[operator]
    assert calls == ["CRANDOM"]
