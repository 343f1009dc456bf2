"""The Teams bot end to end: real Activity JSON into the real CloudAdapter, replies into a fake Bot Connector.

Every assertion is on what the connector received (or on rows in the real
database): the card posted, in which conversation, replying to which message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams import answer_cards, cards, report_cards
from adapters.teams.main import make_app
from bot.config import Settings
from bot.core import Core
from bot.db.models import AuditEvent, ConversationRef, Feedback, PostedMessage
from bot.ingest.loader import ingest_folder
from bot.tenancy.policy import Where
from tests.harness.teams_fakes import (
    BOT_ID,
    MSP_TENANT,
    OTHER_TENANT,
    FakeConnector,
    bot_added,
    card_claims,
    card_click,
    card_picker,
    card_text,
    real_examples,
    teams_activity,
)
from tests.harness.teams_harness import ACME, NOC, RIDGE, TENANTS, TOKEN, escalate, rows, send
from tests.harness.worlds import core_with_index, write_world


@pytest.fixture
def core(tmp_path: Path, db_url: str, embedder) -> Iterator[Core]:  # type: ignore[no-untyped-def]
    c = core_with_index(Settings(data_dir=tmp_path / "d", database_url=db_url, teams_noc_channels=NOC,
                                 microsoft_app_tenant_id=MSP_TENANT, inbound_token=TOKEN),
                        embedder, write_world(tmp_path / "w", tenants_yaml=TENANTS))
    yield c
    c.close()


# ``connector`` (every card checked against the 1.5 schema and the size limit) and ``teams`` (the app over
# ``core`` above): tests/adapters/conftest.py.


# --- packets --------------------------------------------------------------------------

async def test_mention_in_client_channel_replies_in_the_thread_with_the_packet_card(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    message = teams_activity(connector.url, text="packet 4412")
    await send(teams, message)
    [post] = connector.posts
    # A reply: the thread's conversation id, replying to the mention.
    assert post.conversation == f"{ACME};messageid={message['id']}" and post.reply_to == message["id"]
    card = post.card
    assert card is not None and card["version"] == "1.5"
    assert "Ticket #4412" in card_text(card)
    packet = core.packet_for("4412", where=Where(platform="cli"))
    assert [c["id"] for c in card_claims(card)] == [c.id for c in packet.claims]
    [posted] = rows(core, PostedMessage)
    assert (posted.platform, posted.channel, posted.tenant_id, posted.packet_pk) == ("teams", ACME, "acme",
                                                                                    packet.packet_id)
    assert posted.message_id == "1700000000001" and posted.thread_id == message["id"]
    shown = [e for e in rows(core, AuditEvent) if e.action == "packet_posted"]
    assert shown and shown[0].channel == ACME and shown[0].tenant_id == "acme"


async def test_personal_chat_answers_packet_and_bare_number(teams: TestClient, connector: FakeConnector) -> None:
    for text in ("packet 4412", "#5001"):
        await send(teams, teams_activity(connector.url, text=text, kind="personal"))
    first, second = connector.cards()
    assert "Ticket #4412" in card_text(first) and "Ticket #5001" in card_text(second)
    # The chat's own conversation; the sender's role was looked up for each message (guests are no staff).
    assert all(p.conversation.startswith("a:") for p in connector.posts)
    lookups = [c for c in connector.calls if c.method == "GET" and "/members/" in c.path]
    assert sum(c.conversation.startswith("a:") for c in lookups) == 2
    # The channels that widen a DM were asked once (cached), each its own member look-up.
    channels = [c.conversation for c in lookups if not c.conversation.startswith("a:")]
    assert channels and len(channels) == len(set(channels))


async def test_card_shows_the_same_claims_sources_and_confidence_as_the_core(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    """One core, two renderings: the Teams half (the Slack half compares its blocks the same way)."""
    await send(teams, teams_activity(connector.url, text="4412"))
    shown = card_claims(connector.cards()[0])
    packet = core.packet_for("4412", where=Where(platform="teams", channel_id=ACME, user_id="u"))
    assert len(shown) == len(packet.claims)
    for card_claim, claim in zip(shown, packet.claims, strict=True):
        assert card_claim["id"] == claim.id and card_claim["text"] == claim.text
        assert card_claim["confidence"].startswith(f"{claim.confidence.label.capitalize()} confidence "
                                                   f"{claim.confidence.score:.2f}")
        assert claim.confidence.reason[:40] in card_claim["confidence"]
        web = [s.url for s in claim.sources if s.url.startswith("https://")]
        # handoff:// sources have no web page here (HANDOFF_PUBLIC_URL unset): their titles, never the URI.
        other = [s.title or f"{s.kind} {s.id}" for s in claim.sources if not s.url.startswith("https://")]
        assert card_claim["links"] == web and [p[:79] for p in card_claim["plain"]] == [o[:79] for o in other]
    # Feedback is one picker and a few packet-level buttons, not four buttons per claim.
    card = connector.cards()[0]
    assert card_picker(card) == [c.id for c in packet.claims]
    assert cards.count_actions(card) <= 8 and "handoff://" not in json.dumps(card)


async def test_the_real_teams_examples_go_through_the_adapter(teams: TestClient, connector: FakeConnector) -> None:
    """The shared examples verbatim but for serviceUrl: personal chats saying hello, answered with "I don't know"."""
    for _name, example in real_examples():
        await send(teams, {**example, "serviceUrl": connector.url})
    assert len(connector.cards()) == 2
    for card in connector.cards():
        assert "I don't know" in card_text(card)  # "Hello Teams TestBot" / "hi" are no command


# --- refusals -------------------------------------------------------------------------

async def test_another_clients_ticket_in_a_client_channel_reveals_nothing(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="packet 5001"))
    await send(teams, teams_activity(connector.url, text="packet 999999"))
    other, unknown = (card_text(c) for c in connector.cards())
    assert other == "Ticket #5001 isn't available in this channel." == unknown.replace("999999", "5001")
    body = json.dumps([c.body for c in connector.posts])
    for leak in ("Ridgeline", "ridge", "w32tm /resync", "access denied"):
        assert leak not in body
    assert rows(core, PostedMessage) == []
    refused = [e for e in rows(core, AuditEvent) if e.action == "refused"]
    assert len(refused) == 2 and {e.platform for e in refused} == {"teams"} and {e.channel for e in refused} == {ACME}


async def test_same_device_name_in_two_clients_stays_apart(teams: TestClient, connector: FakeConnector) -> None:
    """Both clients have a DC01 with replication alerts in the same hour; each channel sees only its own."""
    await send(teams, teams_activity(connector.url, text="packet 4412", channel=ACME))
    await send(teams, teams_activity(connector.url, text="packet 5001", channel=RIDGE))
    acme, ridge = connector.cards()
    acme_json, ridge_json = json.dumps(acme), json.dumps(ridge)
    assert "Acme Dental Group" in acme_json and "DC01" in acme_json
    for leak in ("Ridgeline", "w32tm /resync", "time source", "access denied", "5001"):
        assert leak not in acme_json
    # Ridgeline's own ticket says "Same thing Acme Dental had": its words, shown; none of Acme's data is.
    assert "Ridgeline" in ridge_json
    for leak in ("Restarted the DFSR", "Elm St", "Dana", "tickets/4412", "RPC server", "10.1.2.3"):
        assert leak not in ridge_json


@pytest.mark.parametrize("variant", ["foreign_channel", "foreign_personal", "shared_channel", "no_tenant"])
async def test_conversations_of_other_organisations_get_no_packet(
        core: Core, teams: TestClient, connector: FakeConnector, variant: str) -> None:
    if variant == "foreign_channel":  # the bot installed in another M365 tenant, same channel id on purpose
        message = teams_activity(connector.url, text="packet 4412", tenant=OTHER_TENANT)
    elif variant == "foreign_personal":
        message = teams_activity(connector.url, text="packet 4412", kind="personal", tenant=OTHER_TENANT)
    elif variant == "shared_channel":  # a Teams Connect shared channel, even one the MSP hosts
        message = teams_activity(connector.url, text="packet 4412", shared_channel=True)
    else:  # Teams always names the tenant; a message that names none fails closed
        message = teams_activity(connector.url, text="packet 4412")
        message["conversation"].pop("tenantId")
        message["channelData"].pop("tenant")
    await send(teams, message)
    [card] = connector.cards()
    assert card_text(card) == "Handoff doesn't post client information in channels shared with other organisations."
    assert rows(core, PostedMessage) == []
    assert rows(core, ConversationRef) == []  # and nothing is kept for posting there later


async def test_unmapped_channel_and_group_chat_get_nothing(teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="packet 4412", channel="19:random@thread.tacv2"))
    await send(teams, teams_activity(connector.url, text="packet 4412", kind="groupChat", channel="19:gc@thread.v2"))
    for card in connector.cards():
        assert "isn't mapped to a client" in card_text(card) and "DC01" not in card_text(card)


async def test_a_guest_in_a_personal_chat_is_not_staff(teams: TestClient, connector: FakeConnector) -> None:
    connector.roles["29:1Xv-guest"] = "guest"
    await send(teams, teams_activity(connector.url, text="packet 4412", kind="personal", user="29:1Xv-guest"))
    [card] = connector.cards()
    assert "isn't mapped to a client" in card_text(card) and "DC01" not in card_text(card)
    assert any(c.method == "GET" and c.path.endswith("/members/29:1Xv-guest") for c in connector.calls)


async def test_noc_channel_sees_every_client(teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="packet 4412", channel=NOC))
    await send(teams, teams_activity(connector.url, text="packet 5001", channel=NOC))
    acme, ridge = connector.cards()
    assert "Ticket #4412" in card_text(acme) and "Ticket #5001" in card_text(ridge)


async def test_help_and_bad_input_answer_with_the_shared_usage(teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="help"))
    await send(teams, teams_activity(connector.url, text="packet four"))
    usage, bad = (card_text(c) for c in connector.cards())
    assert "packet 4412" in usage and "triage" in usage
    assert bad == "packet takes a ticket number, e.g. packet 4412."


async def test_a_redelivered_activity_is_answered_once(teams: TestClient, connector: FakeConnector) -> None:
    message = teams_activity(connector.url, text="packet 4412")
    await send(teams, message)
    await send(teams, message)
    assert len(connector.posts) == 1


# --- feedback from card buttons ---------------------------------------------------------

async def _posted_packet(teams: TestClient, connector: FakeConnector, **kw: Any) -> tuple[dict[str, Any], str]:
    message = teams_activity(connector.url, text="packet 4412", **kw)
    await send(teams, message)
    return message, "1700000000001"


@pytest.mark.parametrize("form", ["execute", "submit"])
async def test_card_buttons_land_in_the_core_feedback_tables(
        core: Core, teams: TestClient, connector: FakeConnector, form: str) -> None:
    message, card_id = await _posted_packet(teams, connector)
    # A claim of "what L1 tried", cited from an internal note.
    tried = next(c.id for c in core.packet_for("4412", where=Where(platform="cli")).claims if c.section == "tried")
    answers = [await send(teams, card_click(message, card_id, verb, {"claim": tried}, form=form))
               for verb in ("confirm", "correct", "done", "flag")]
    if form == "execute":  # invoke responses carry the message Teams shows
        assert [a["statusCode"] for a in answers] == [200] * 4
        assert answers[0]["value"] == f"Recorded: claim {tried} is right."
        assert answers[2]["value"].startswith("Correction finished after")
    else:  # Action.Submit arrives as a message: the answer is a posted card
        texts = [card_text(c) for c in connector.cards()[1:]]
        assert texts[0] == f"Recorded: claim {tried} is right." and texts[2].startswith("Correction finished after")
    feedback = sorted(rows(core, Feedback), key=lambda f: f.pk)
    assert [(f.kind, f.claim_id) for f in feedback] == [("accept", tried), ("correction", None), ("flag", tried)]
    assert all(f.platform == "teams" and f.tenant_id == "acme" and f.user_id == "aad-engineer" for f in feedback)
    assert feedback[1].ended_at is not None and feedback[1].detail["ended_by"] == "card button"
    assert feedback[2].detail["section"] == "tried" and feedback[2].detail["sources"][0]["id"].startswith("4412-")


async def test_packet_level_accept_and_unknown_cards(core: Core, teams: TestClient, connector: FakeConnector) -> None:
    message, card_id = await _posted_packet(teams, connector)
    ok = await send(teams, card_click(message, card_id, "confirm", {}))
    assert ok["value"] == "Recorded: the packet is right."
    # The same button on a message Handoff never posted (or in another channel) records nothing.
    stray = await send(teams, card_click(message, "1234", "confirm", {}))
    elsewhere = card_click(message, card_id, "confirm", {})
    elsewhere["channelData"]["channel"]["id"] = RIDGE
    moved = await send(teams, elsewhere)
    assert stray["value"] == moved["value"] == "I can't find the packet this card belongs to any more."
    assert [(f.kind, f.claim_id) for f in rows(core, Feedback)] == [("accept", None)]
    flag_missing = await send(teams, card_click(message, card_id, "flag", {"claim": "c999"}))
    assert flag_missing["value"] == "no claim c999 in that packet"


async def test_an_invoke_that_is_not_action_execute_is_a_bad_request(
        teams: TestClient, connector: FakeConnector) -> None:
    message, card_id = await _posted_packet(teams, connector)
    click = card_click(message, card_id, "confirm", {})
    click["value"]["action"]["type"] = "Action.Submit"
    response = await teams.post("/api/messages", json=click)
    assert response.status == 400 and (await response.json())["type"] == "application/vnd.microsoft.error"


# --- long packets -----------------------------------------------------------------------

def long_ticket(n_notes: int = 140) -> dict[str, Any]:
    return {"id": "7001", "tenant": "acme", "title": "FS01: file share slow", "status": "escalated",
            "category": "endpoint", "device": "FS01", "created_at": "2026-11-24T01:00:00Z",
            "escalated_at": "2026-11-24T06:00:00Z", "url": "https://psa.example.com/tickets/7001",
            "notes": [{"id": f"7001-{i}", "at": f"2026-11-24T0{1 + i // 60}:{i % 60:02d}:00Z", "author": "Sam (L1)",
                       "visibility": "internal",
                       "text": f"Restarted the Server service on FS01 attempt {i}, checked SMB sessions, no change."}
                      for i in range(n_notes)]}


async def test_a_long_packet_degrades_under_the_size_limit_and_show_full_posts_the_rest(
        core: Core, teams: TestClient, connector: FakeConnector, tmp_path: Path) -> None:
    from tests.harness.worlds import tickets
    ingest_folder(write_world(tmp_path / "w2", tenants_yaml=TENANTS, tickets_=tickets() + [long_ticket()]),
                  engine=core.engine)
    message = teams_activity(connector.url, text="packet 7001")
    await send(teams, message)
    [first] = connector.posts
    packet = core.packet_for("7001", where=Where(platform="cli"))
    assert len(packet.claims) > 100 and first.size <= 28_000
    shown = [c["id"] for c in card_claims(first.card)]
    assert 0 < len(shown) < len(packet.claims) and "Show full packet" in json.dumps(first.card)
    [more] = [a for a in first.card["actions"] if a.get("verb") == "more"]
    answer = await send(teams, card_click(message, "1700000000001", "more", {}))
    assert answer["value"].startswith("Posted the rest of ticket #7001's packet")
    rest = connector.posts[1:]
    assert rest and all(p.size <= 28_000 and p.conversation == first.conversation for p in rest)
    every = shown + [c["id"] for p in rest for c in card_claims(p.card)]
    assert sorted(every) == sorted(c.id for c in packet.claims) and len(every) == len(set(every))
    parts = [p for p in rows(core, PostedMessage) if p.kind == "packet_part"]
    assert len(parts) == len(rest)
    # Feedback on a continuation card finds the packet too.
    last = card_claims(rest[-1].card)[-1]["id"]
    flagged = await send(teams, card_click(message, parts[-1].message_id, "flag", {"claim": last}))
    assert flagged["value"].startswith(f"Flagged: claim {last}")


async def test_show_full_trusts_the_message_not_the_click(core: Core, teams: TestClient, connector: FakeConnector) -> None:
    message, card_id = await _posted_packet(teams, connector)
    foreign = card_click(message, card_id, "more", {})
    foreign["conversation"]["tenantId"] = foreign["channelData"]["tenant"]["id"] = OTHER_TENANT
    elsewhere = card_click(message, card_id, "more", {})
    elsewhere["channelData"]["channel"]["id"] = RIDGE
    refused, unknown = [await send(teams, click) for click in (foreign, elsewhere)]
    assert "shared with other organisations" in refused["value"]
    assert unknown["value"] == "That message isn't a Handoff packet."
    assert len(connector.posts) == 1  # only the packet itself


# --- ask and triage ----------------------------------------------------------------------

async def test_triage_answers_through_the_core_for_this_channels_client_only(
        teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="triage"))
    await send(teams, teams_activity(connector.url, text="triage ridge"))
    await send(teams, teams_activity(connector.url, text="triage", channel=NOC))
    acme, other, noc = connector.cards()
    assert card_text(acme).startswith("Alert triage · Acme Dental Group")
    assert "Replication from DC02 failed: The RPC server is unavailable" in card_text(acme)
    assert "access denied" not in json.dumps(acme) and "Ridgeline" not in json.dumps(acme)
    assert card_text(other) == "That isn't available in this channel."
    assert card_text(noc).startswith("Alert triage · all clients")
    assert "access denied" in card_text(noc) and "RPC server is unavailable" in card_text(noc)


async def test_ask_answers_from_this_channels_client_only(core: Core, teams: TestClient,
                                                         connector: FakeConnector) -> None:
    await send(teams, teams_activity(connector.url, text="ask how do we check replication health"))
    [answer] = connector.cards()
    assert "Acme Dental Group" in card_text(answer) and "Ridgeline" not in json.dumps(answer)


# --- conversation references and proactive posts ----------------------------------------------

async def test_bot_added_to_a_team_keeps_the_channel_reference_and_removal_drops_it(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, bot_added(connector.url, channel=ACME))
    [ref] = rows(core, ConversationRef)
    assert ref.channel_id == ACME and ref.reference["conversation"]["id"] == ACME
    assert ref.reference["serviceUrl"] == connector.url and ref.reference["conversation"]["tenantId"] == MSP_TENANT
    assert "activityId" not in ref.reference and "user" not in ref.reference
    removed = bot_added(connector.url, channel=ACME)
    removed.pop("membersAdded")
    removed["membersRemoved"] = [{"id": BOT_ID}]
    await send(teams, removed)
    assert rows(core, ConversationRef) == []
    assert connector.posts == []  # joining and leaving say nothing


async def test_escalation_webhook_posts_the_packet_into_the_clients_channel_once(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, bot_added(connector.url, channel=ACME))
    await send(teams, bot_added(connector.url, channel=RIDGE))
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-1"})
    assert response.status == 200, await response.text()
    result = await response.json()
    packet = core.packet_for("4412", where=Where(platform="cli"))
    assert result == {"ok": True, "ticket_id": "4412", "channels": [
        {"channel": ACME, "status": "posted", "message_id": "1700000000001", "packet_id": packet.packet_id}]}
    [post] = connector.posts
    assert post.conversation == ACME and post.reply_to is None  # a new thread in the channel
    assert "Ticket #4412" in card_text(post.card) and "Ridgeline" not in json.dumps(post.body)
    [posted] = rows(core, PostedMessage)
    assert (posted.channel, posted.message_id, posted.thread_id) == (ACME, "1700000000001", "1700000000001")
    again = await (await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-1"})).json()
    assert again["channels"][0]["status"] == "duplicate" and len(connector.posts) == 1
    # Without a delivery id, the same packet is not posted to the same channel twice either.
    plain = await (await escalate(teams, {"ticket": 4412})).json()
    assert plain["channels"][0]["status"] == "posted" and len(connector.posts) == 2
    assert (await (await escalate(teams, {"ticket": "#4412"})).json())["channels"][0]["status"] == "duplicate"
    # Buttons on the proactive card find their packet.
    click = card_click(teams_activity(connector.url, text="x"), "1700000000001", "confirm", {"claim": "c1"})
    assert (await send(teams, click))["value"] == "Recorded: claim c1 is right."


async def test_escalation_webhook_refusals(core: Core, teams: TestClient, connector: FakeConnector) -> None:
    assert (await escalate(teams, {"ticket_id": "4412"}, token=None)).status == 401
    assert (await escalate(teams, {"ticket_id": "4412"}, token=TOKEN + "x")).status == 401
    for bad in ({"ticket": "not a number"}, {"ticket_id": True}, {}, ["4412"]):
        assert (await escalate(teams, bad)).status == 400  # type: ignore[arg-type]
    assert (await escalate(teams, {"ticket_id": "999999"})).status == 404
    no_ref = await escalate(teams, {"ticket_id": "4412"})
    assert no_ref.status == 409
    assert (await no_ref.json())["channels"][0]["status"] == "unreachable"
    # A reference of another tenant's conversation is never stored, so nothing can be posted there...
    await send(teams, bot_added(connector.url, channel=ACME, tenant=OTHER_TENANT))
    assert (await escalate(teams, {"ticket_id": "4412"})).status == 409
    # ...and one that got into the store anyway is refused by the policy at posting time.
    core.remember_conversation(platform="teams", channel_id=ACME, reference={
        "channelId": "msteams", "serviceUrl": connector.url, "bot": {"id": BOT_ID},
        "conversation": {"id": ACME, "conversationType": "channel", "tenantId": OTHER_TENANT}})
    refused = await escalate(teams, {"ticket_id": "4412"})
    assert refused.status == 409
    [result] = (await refused.json())["channels"]
    assert result["status"] == "refused" and "shared with other organisations" in result["reason"]
    assert connector.posts == [] and rows(core, PostedMessage) == []


async def test_escalation_webhook_reports_a_connector_failure(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    await send(teams, bot_added(connector.url, channel=ACME))
    connector.fail_posts = True
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-9"})
    assert response.status == 502
    [result] = (await response.json())["channels"]
    assert result["status"] == "error" and "error id" in result["reason"]
    assert rows(core, PostedMessage) == []


async def test_escalation_webhook_is_off_without_a_token(tmp_path: Path, connector: FakeConnector) -> None:
    core = Core(Settings(data_dir=tmp_path / "d", microsoft_app_tenant_id=MSP_TENANT))
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    try:
        response = await client.post("/hooks/escalation", json={"ticket_id": "4412"},
                                     headers={"Authorization": "Bearer "})
        assert response.status == 503
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()
        core.close()


def test_cards_module_has_no_platform_io() -> None:
    """The card modules are pure: they import neither the Bot Framework nor the database."""
    for module in (cards, answer_cards, report_cards):
        source = Path(module.__file__).read_text()
        assert "botbuilder" not in source and "sqlmodel" not in source and "aiohttp" not in source, module
