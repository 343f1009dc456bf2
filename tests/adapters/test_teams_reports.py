"""Teams: metrics (card with the chart inline), report drafts (internal channels only, Mark sent) and
shadow mode (packets reach only the review channel), through the real adapter and a fake connector.
Every card posted is checked against the Adaptive Card 1.5 schema and Teams' size limit (the ``connector``
fixture in tests/adapters/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from adapters.teams import report_cards
from bot.config import Settings
from bot.core import Core
from bot.db.models import AuditEvent, PacketRow, PostedMessage, Report
from bot.tenancy import rollout
from bot.tenancy.policy import Where
from tests.harness.teams_fakes import (
    MSP_TENANT,
    FakeConnector,
    bot_added,
    card_click,
    card_text,
    teams_activity,
)
from tests.harness.teams_harness import ACME, NOC, TENANTS, TOKEN, escalate, rows, send
from tests.harness.worlds import core_with_index, write_world

REVIEW = "19:review@thread.tacv2"
# ``connector`` (every card checked against the 1.5 schema and the size limit) and ``teams`` (the app over
# ``core`` below, which adds a Teams review channel): tests/adapters/conftest.py.


@pytest.fixture
def core(tmp_path: Path, db_url: str, embedder: Any) -> Iterator[Core]:
    c = core_with_index(Settings(data_dir=tmp_path / "d", database_url=db_url, teams_noc_channels=NOC,
                                 teams_review_channel=REVIEW, microsoft_app_tenant_id=MSP_TENANT, inbound_token=TOKEN),
                        embedder, write_world(tmp_path / "w", tenants_yaml=TENANTS))
    yield c
    c.close()


def switch(core: Core, mode: str) -> None:
    with core.session() as session:
        rollout.set_mode(session=session, tenant_id="acme", category="*", mode=mode, by="test")


def table_text(card: dict) -> str:  # type: ignore[type-arg]
    """The cells of a card's Tables (card_text does not walk them)."""
    return "\n".join(item["text"] for block in card["body"] if block["type"] == "Table" for row in block["rows"]
                     for cell in row["cells"] for item in cell["items"])


async def test_metrics_card_has_the_table_and_the_chart_inline(teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="metrics"))
    [card] = connector.cards()
    text = card_text(card) + table_text(card)
    assert "Handoff metrics · Acme Dental Group" in text and "MTTE" in text and "ridge" not in text
    [image] = [b for b in card["body"] if b["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,iVBORw0KGgo")  # PNG magic, base64
    tables = [b for b in card["body"] if b["type"] == "Table"]
    assert len(tables) == 2 and tables[0]["rows"][1]["cells"][0]["items"][0]["text"] == "acme"


async def test_metrics_for_another_client_is_refused_in_a_client_channel(teams: TestClient,
                                                                         connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="metrics ridgeline"))
    [card] = connector.cards()
    assert "isn't available in this channel" in card_text(card) and "Image" not in str(card)


async def test_report_in_the_noc_channel_and_mark_sent(core: Core, teams: TestClient,
                                                       connector: FakeConnector) -> None:
    message = teams_activity(connector.url, text="report acme 2026-11", channel=NOC)
    await send(teams, message)
    [card] = connector.cards()
    text = card_text(card)
    assert "Report draft · Acme Dental Group · November 2026" in text and "Internal review only" in text
    assert "5001" not in text and "Ridgeline" not in text
    assert "handoff report" not in text and "Report 1, revision 1" in text  # no terminal command to run
    [action] = card["actions"]  # no web pages configured here: no PDF links, and the card says so
    assert "web pages, which are not set up here" in text
    [report] = rows(core, Report)
    assert action["verb"] == report_cards.MARK_SENT and action["data"] == {"report": report.pk}
    [posted] = [p for p in rows(core, PostedMessage) if p.kind == "report"]
    assert posted.channel == NOC
    answer = await send(teams, card_click(message, posted.message_id, report_cards.MARK_SENT, action["data"]))
    assert answer["value"].startswith("Marked sent")
    [report] = rows(core, Report)
    assert report.sent_at is not None and report.marked_sent_by == message["from"]["aadObjectId"]
    assert [e.action for e in rows(core, AuditEvent)].count("report_marked_sent") == 1


@pytest.mark.parametrize("kind, channel", [("channel", ACME), ("personal", "")])
async def test_report_is_refused_in_a_client_channel_and_a_personal_chat(
        core: Core, teams: TestClient, connector: FakeConnector, kind: str, channel: str) -> None:
    await send(teams, teams_activity(connector.url, text="report acme 2026-11", kind=kind,
                                     **({"channel": channel} if channel else {})))
    [card] = connector.cards()
    assert "never in a client's channel" in card_text(card)
    assert rows(core, Report) == []


async def test_shadow_mention_goes_to_the_review_channel_only(core: Core, teams: TestClient,
                                                              connector: FakeConnector) -> None:
    await send(teams, bot_added(connector.url, channel=REVIEW))
    switch(core, "shadow")
    await send(teams, teams_activity(connector.url, text="packet 4412"))
    packet_posts = [p for p in connector.posts if p.card and "Ticket #4412" in card_text(p.card)]
    assert [p.conversation for p in packet_posts] == [REVIEW]
    told = [card_text(p.card) for p in connector.posts if p.card and p.conversation.startswith(ACME)]
    assert len(told) == 1 and "shadow mode" in told[0] and "Ticket #4412" not in told[0]
    assert [r.mode for r in rows(core, PacketRow)] == ["shadow"]
    assert [(p.channel, p.kind) for p in rows(core, PostedMessage)] == [(REVIEW, "packet")]


async def test_shadow_escalation_webhook_posts_to_the_review_channel(core: Core, teams: TestClient,
                                                                    connector: FakeConnector) -> None:
    await send(teams, bot_added(connector.url, channel=ACME))
    await send(teams, bot_added(connector.url, channel=REVIEW))
    switch(core, "shadow")
    response = await escalate(teams, {"ticket_id": "4412"})
    result = await response.json()
    assert response.status == 200 and result["channels"][0]["status"] == "shadow"
    assert result["channels"][0]["posted_to"] == REVIEW
    assert {p.conversation for p in connector.posts} == {REVIEW}


async def test_shadow_without_a_reachable_review_channel_posts_nowhere(core: Core, teams: TestClient,
                                                                      connector: FakeConnector) -> None:
    switch(core, "shadow")  # the bot was never added to the review channel
    await send(teams, teams_activity(connector.url, text="packet 4412"))
    [card] = connector.cards()
    assert "posted nowhere" in card_text(card) and rows(core, PostedMessage) == []
    assert [r.mode for r in rows(core, PacketRow)] == ["shadow"]


def test_report_card_links_the_pdfs_behind_the_drafts_signed_link(core: Core) -> None:
    draft = core.report(where=Where(platform="teams", channel_id=NOC, user_id="u1"), client="acme", month="2026-11")
    draft.web_url = "https://handoff.example.com/v/report/7?exp=1900000000&sig=abc_-"
    card = report_cards.report_card(draft)
    urls = [a.get("url") for a in card["actions"]]
    assert urls[:3] == ["https://handoff.example.com/v/report/7/client.pdf?exp=1900000000&sig=abc_-",
                        "https://handoff.example.com/v/report/7/internal.pdf?exp=1900000000&sig=abc_-",
                        draft.web_url]
    assert card["actions"][-1]["verb"] == report_cards.MARK_SENT
