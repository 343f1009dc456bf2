"""The Slack app end to end: signed requests in, Web API calls out, rows in the real database.

Runs on SQLite and PostgreSQL (the ``db_url`` fixture). Every message the app
posted is checked against Block Kit's rules at the end of each test.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from adapters.slack.blocks import Message
from adapters.slack.validate import problems
from bot.models import AuditEvent, Feedback, PostedMessage
from bot.models import Claim as ClaimRow
from bot.models import Packet as PacketRow
from tests.slack_harness import HOOK_TOKEN, NOC, Harness, sample, start_harness
from tests.worlds import tickets, write_world

ACME, RIDGE = "C0ACME", "C0RIDGE"


def big_ticket() -> dict[str, Any]:
    """A ticket whose packet cannot fit one Slack message (60 steps tried)."""
    verbs = ["Restarted", "Rebooted", "Checked", "Cleared", "Reinstalled", "Updated", "Ran", "Reset"]
    things = ["the DFSR service", "DC01", "the event log", "the DNS cache", "the NIC driver", "group policy"]
    notes = [{"id": f"4500-{i}", "at": f"2026-11-24T0{1 + i // 30}:{i % 30 * 2:02d}:00Z", "author": "Sam (L1)",
              "visibility": "internal", "text": f"{verbs[i % 8]} {things[(i // 8) % 6]} on host-{i}, no change."}
             for i in range(60)]
    return {"id": "4500", "tenant": "acme", "title": "Replication and everything else", "status": "escalated",
            "category": "active-directory", "device": "DC01", "created_at": "2026-11-24T00:00:00Z",
            "escalated_at": "2026-11-24T03:00:00Z", "notes": notes}


@pytest.fixture
async def slack(tmp_path: Path, db_url: str) -> AsyncIterator[Harness]:
    world = write_world(tmp_path / "world", tickets_=[*tickets(), big_ticket()])
    harness, close = await start_harness(tmp_path, db_url, world)
    try:
        yield harness
        for call in harness.fake.posts + harness.fake.responses:
            if call.blocks:
                found = problems(Message(text=call.args.get("text") or "", blocks=call.blocks))
                assert not found, f"{call.method} posted an invalid message: {found}"
    finally:
        await close()


def texts(call: Any) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def rows(h: Harness, model: Any) -> list[Any]:
    with h.core.session() as session:
        return list(session.exec(select(model)))


async def post_packet(h: Harness, ticket: str = "4412", channel: str = ACME) -> Any:
    before = len(h.fake.posts)
    response = await h.command(ticket, channel=channel)
    assert response.status == 200
    await h.fake.wait_for("chat.postMessage", before + 1)
    await h.settle()
    return h.fake.posts[-1]


# --- /packet ------------------------------------------------------------------------


async def test_packet_command_acks_at_once_and_posts_the_packet_in_the_channel(slack: Harness) -> None:
    started = time.perf_counter()
    response = await slack.command("4412")
    ack_ms = (time.perf_counter() - started) * 1000
    assert response.status == 200 and (await response.text()) == ""
    assert ack_ms < 2000  # Slack gives 3 s; the real number is in bench/slack_ack.py
    [post] = await slack.fake.wait_for("chat.postMessage")
    await slack.settle()
    assert post.args["channel"] == ACME and post.args["_token"] == "Bearer xoxb-1234-5678-handofftest"
    assert post.args["unfurl_links"] is False
    header = post.blocks[0]
    assert header["type"] == "header" and header["text"]["text"] == "Ticket #4412 · Acme Dental Group · DC01"
    claims = [b for b in post.blocks if b.get("block_id", "").startswith("claim:")]
    assert claims and all(b["accessory"]["action_id"] == "flag_citation" for b in claims)
    assert "4412" in post.args["text"]
    # The prompt-injection note stays data: shown escaped, never as a mention.
    assert "<!channel>" not in texts(post)
    [posted] = rows(slack, PostedMessage)
    assert (posted.channel, posted.message_id, posted.tenant_id) == (ACME, post.args and "1800000001.000001", "acme")
    shown = [a for a in rows(slack, AuditEvent) if a.action == "packet_posted"]
    assert len(shown) == 1 and shown[0].channel == ACME and shown[0].actor == "U0ENG1"
    assert slack.fake.responses == []  # nothing ephemeral when all went well


async def test_ack_does_not_wait_for_slow_work(slack: Harness) -> None:
    """Everything slow (Slack lookups, the database, posting) happens after the ack."""
    slack.fake.delays.update({"conversations.info": 1.5, "chat.postMessage": 1.5})
    started = time.perf_counter()
    response = await slack.command("4412")
    assert response.status == 200 and time.perf_counter() - started < 1.0
    assert slack.fake.posts == []
    await slack.fake.wait_for("chat.postMessage")
    await slack.settle()
    assert time.perf_counter() - started >= 3.0


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
async def test_packet_alone_or_help_prints_usage_privately(slack: Harness, text: str) -> None:
    await slack.command(text)
    [reply] = await slack.fake.wait_for("response_url")
    await slack.settle()
    assert reply.args["response_type"] == "ephemeral"
    assert "`ask <question>`" in reply.args["blocks"][0]["text"]["text"]
    assert slack.fake.posts == []


async def refusal(h: Harness, text: str, channel: str = ACME) -> str:
    before = len(h.fake.responses)
    await h.command(text, channel=channel)
    await h.fake.wait_for("response_url", before + 1)
    await h.settle()
    reply = h.fake.responses[-1]
    assert reply.args["response_type"] == "ephemeral" and reply.args["replace_original"] is False
    return str(reply.args["blocks"][0]["text"]["text"])


async def test_bad_input_gets_a_clear_private_message_and_stores_nothing(slack: Harness) -> None:
    message = await refusal(slack, "abc")
    assert "I don't know `abc`" in message and "`4412`" in message
    message = await refusal(slack, "packet 12ab")
    assert "`packet` takes a ticket number" in message
    assert slack.fake.posts == [] and rows(slack, PacketRow) == [] and rows(slack, PostedMessage) == []


async def test_other_clients_ticket_is_refused_exactly_like_an_unknown_one(slack: Harness) -> None:
    other = await refusal(slack, "5001")  # Ridgeline's ticket, asked in Acme's channel
    unknown = await refusal(slack, "9999")
    assert other == ":warning: Ticket #5001 isn't available in this channel."
    assert unknown == ":warning: Ticket #9999 isn't available in this channel."
    everything = " ".join(texts(c) for c in slack.fake.calls)
    for secret in ("Ridgeline", "ridge", "DC01 replication errors", "w32tm"):
        assert secret not in everything
    assert slack.fake.posts == [] and rows(slack, PacketRow) == []
    refused = [a for a in rows(slack, AuditEvent) if a.action == "refused"]
    assert len(refused) == 2 and all(a.channel == ACME for a in refused)


async def test_unknown_ticket_in_a_noc_channel_says_so(slack: Harness) -> None:
    assert await refusal(slack, "9999", channel=NOC) == ":warning: no ticket #9999"


async def test_unmapped_channel_shows_nothing(slack: Harness) -> None:
    message = await refusal(slack, "4412", channel="C0RANDOM")
    assert "isn't mapped to a client" in message and slack.fake.posts == []


@pytest.mark.parametrize("info", [
    {"is_ext_shared": True, "is_shared": True},  # Slack Connect
    {"is_pending_ext_shared": True, "pending_shared": ["T0OTHER"]},  # invitation out: history would be visible
    {"is_shared": True, "is_org_shared": False},  # shared with another workspace, not our org's
])
async def test_externally_shared_channel_never_receives_a_packet(slack: Harness, info: dict[str, Any]) -> None:
    slack.fake.channels[ACME] = {"id": ACME, "is_channel": True, **info}
    message = await refusal(slack, "4412")
    assert "shared with other organisations" in message
    assert slack.fake.posts == [] and rows(slack, PostedMessage) == []


async def test_org_shared_channel_inside_our_own_grid_is_fine(slack: Harness) -> None:
    slack.fake.channels[ACME] = {"id": ACME, "is_channel": True, "is_shared": True, "is_org_shared": True}
    await post_packet(slack)


async def test_channel_that_cannot_be_checked_is_treated_as_unsafe(slack: Harness) -> None:
    slack.fake.errors[("conversations.info", ACME)] = "missing_scope"
    message = await refusal(slack, "4412")
    assert "couldn't confirm that this conversation is internal" in message
    assert slack.fake.posts == []


async def test_not_in_channel_is_explained_privately(slack: Harness) -> None:
    slack.fake.errors[("chat.postMessage", ACME)] = "not_in_channel"
    message = await refusal(slack, "4412")
    assert "/invite @Handoff" in message


async def test_direct_message_with_handoff_sees_any_client_unless_it_is_external(slack: Harness) -> None:
    await slack.command("5001", channel="D0DM01", channel_name="directmessage")
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "D0DM01" and post.blocks[0]["text"]["text"].startswith("Ticket #5001")
    # A Slack Connect DM (someone from another organisation) gets nothing.
    slack.fake.channels["D0DMEXT"] = {"id": "D0DMEXT", "is_im": True, "is_ext_shared": True}
    message = await refusal(slack, "4412", channel="D0DMEXT")
    assert "shared with other organisations" in message and len(slack.fake.posts) == 1


async def test_same_command_delivered_twice_posts_once(slack: Harness) -> None:
    await slack.command("4412", trigger="777.777.same")
    await slack.command("4412", trigger="777.777.same")
    await slack.settle(command=2)
    assert len(slack.fake.posts) == 1


# --- request authenticity --------------------------------------------------------------


async def test_bad_signature_and_stale_timestamp_get_401(slack: Harness) -> None:
    bad = await slack.command("4412", secret="not-the-secret")
    stale = await slack.command("4412", timestamp=int(time.time()) - 10 * 60)
    assert (bad.status, stale.status) == (401, 401)
    await slack.settle()
    assert slack.fake.posts == [] and slack.fake.responses == []


# --- NOC channel escalations -------------------------------------------------------------


def psa_message(text: str, ts: str = "1700000100.000100", **extra: Any) -> dict[str, Any]:
    return {"type": "message", "subtype": "bot_message", "bot_id": "B0PSA", "text": text, "ts": ts,
            "channel": NOC, "channel_type": "channel", "event_ts": ts, **extra}


async def test_escalation_message_in_noc_channel_gets_the_packet_in_its_thread(slack: Harness) -> None:
    await slack.event(psa_message("Ticket #4412 escalated to Tier 2 by Sam"))
    [post] = await slack.fake.wait_for("chat.postMessage")
    await slack.settle()
    assert post.args["channel"] == NOC and post.args["thread_ts"] == "1700000100.000100"
    assert post.blocks[0]["text"]["text"].startswith("Ticket #4412")
    [posted] = rows(slack, PostedMessage)
    assert posted.thread_id == "1700000100.000100"


async def test_escalation_in_attachments_with_links_is_recognised(slack: Harness) -> None:
    event = psa_message("", attachments=[{"fallback": "New escalation",
                                          "text": "<https://psa.example.com/t/4412|Ticket #4412> escalated to Tier 2"}])
    await slack.event(event)
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == event["ts"]


async def test_slack_retries_of_an_escalation_never_post_twice(slack: Harness) -> None:
    event = psa_message("Ticket #4412 escalated to Tier 2")
    first = await slack.event(event, event_id="Ev0RETRY")
    again = await slack.event(event, event_id="Ev0RETRY", retry=1)
    third = await slack.event(event, event_id="Ev0RETRY", retry=2)
    assert (first.status, again.status, third.status) == (200, 200, 200)
    await slack.settle(message=3)
    assert len(slack.fake.posts) == 1 and len(rows(slack, PostedMessage)) == 1


async def test_a_retry_whose_first_attempt_never_arrived_still_works(slack: Harness) -> None:
    await slack.event(psa_message("Ticket #4412 escalated to Tier 2"), event_id="Ev0LOST", retry=1)
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == NOC


@pytest.mark.parametrize("event", [
    psa_message("Ticket #4412 updated: waiting on customer"),  # not an escalation
    {**psa_message("Ticket #4412 escalated to Tier 2"), "channel": ACME},  # not a NOC channel
    psa_message("Ticket #4412 escalated", subtype="message_changed"),  # an edit
])
async def test_other_messages_post_nothing(slack: Harness, event: dict[str, Any]) -> None:
    await slack.event(event)
    await slack.settle(message=1)
    assert slack.fake.posts == []


async def test_escalation_in_an_externally_shared_noc_channel_posts_nothing(slack: Harness) -> None:
    await slack.event(psa_message("Ticket #4412 escalated to Tier 2"), ext_shared=True)
    await slack.settle(message=1)
    assert slack.fake.posts == []
    assert [a.action for a in rows(slack, AuditEvent)] == ["refused"]


async def test_real_message_event_sample_drives_the_noc_path(slack: Harness) -> None:
    payload = sample("socket_mode_envelopes/events_api__message.json")
    payload["event"].update(channel=NOC, text="Ticket #4412 escalated to Tier 2")
    payload["event_id"] = "Ev0SAMPLE"
    response = await slack.post(json.dumps(payload), "application/json")
    assert response.status == 200
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post.args["thread_ts"] == payload["event"]["ts"]


# --- reactions and corrections ------------------------------------------------------------


def reaction(name: str, *, channel: str, ts: str, user: str = "U0ENG1", at: float = 1_800_000_100.0) -> dict[str, Any]:
    return {"type": "reaction_added", "user": user, "reaction": name,
            "item": {"type": "message", "channel": channel, "ts": ts}, "item_user": "U0HANDOFF",
            "event_ts": f"{at:.6f}"}


async def test_thumbs_up_records_acceptance(slack: Harness) -> None:
    post = await post_packet(slack)
    ts = slack.fake.posts[-1].args and rows(slack, PostedMessage)[0].message_id
    await slack.event(reaction("+1::skin-tone-2", channel=ACME, ts=ts), event_id="Ev0LIKE")
    await slack.event(reaction("+1::skin-tone-2", channel=ACME, ts=ts), event_id="Ev0LIKE", retry=1)
    await slack.settle(reaction=2)
    [accept] = rows(slack, Feedback)
    assert (accept.kind, accept.user_id, accept.tenant_id) == ("accept", "U0ENG1", "acme")
    assert post.args["channel"] == ACME


async def test_correction_time_from_pencil_to_thread_reply(slack: Harness) -> None:
    await post_packet(slack)
    ts = rows(slack, PostedMessage)[0].message_id
    await slack.event(reaction("pencil2", channel=ACME, ts=ts, at=1_800_000_100.0))
    await slack.settle(reaction=1)
    [open_] = rows(slack, Feedback)
    assert open_.kind == "correction" and open_.ended_at is None
    # Someone else replying doesn't end U0ENG1's correction; their own reply does.
    for user, at in (("U0OTHER", "1800000150.000200"), ("U0ENG1", "1800000225.500000")):
        await slack.event({"type": "message", "user": user, "text": "fixed the runbook link", "ts": at,
                           "thread_ts": ts, "channel": ACME, "channel_type": "channel", "event_ts": at})
    await slack.settle(message=2)
    [done] = rows(slack, Feedback)
    assert done.duration_s == pytest.approx(125.5) and done.detail["ended_by"] == "thread reply"
    assert slack.fake.posts[1:] == []  # corrections post nothing


async def test_correction_ends_when_the_pencil_is_removed(slack: Harness) -> None:
    await post_packet(slack)
    ts = rows(slack, PostedMessage)[0].message_id
    await slack.event(reaction("pencil2", channel=ACME, ts=ts, at=1_800_000_000.0))
    await slack.settle(reaction=1)  # Slack sends them seconds apart; here they would race
    removed = {**reaction("pencil2", channel=ACME, ts=ts, at=1_800_000_042.0), "type": "reaction_removed"}
    await slack.event(removed)
    await slack.settle(reaction=2)
    [done] = rows(slack, Feedback)
    assert done.duration_s == pytest.approx(42.0) and done.detail["ended_by"] == "reaction removed"


async def test_real_reaction_sample_on_a_message_that_is_not_a_packet_records_nothing(slack: Harness) -> None:
    payload = sample("java-slack-sdk_samples/ReactionAddedPayload.json")
    payload["event"].update(user="U0ENG1", reaction="+1", event_ts="1800000000.000100")
    payload["event"]["item"].update(channel=ACME, ts="1799999999.000001")
    payload.update(event_id="Ev0JAVA", team_id="T0MSP", api_app_id="A0HANDOFF")
    response = await slack.post(json.dumps(payload), "application/json")
    assert response.status == 200
    await slack.settle(reaction=1)
    assert rows(slack, Feedback) == []


# --- the flag control and the rest of a long packet --------------------------------------


async def test_flagging_a_citation_records_claim_and_engineer(slack: Harness) -> None:
    post = await post_packet(slack)
    ts = rows(slack, PostedMessage)[0].message_id
    claim_block = next(b for b in post.blocks if b.get("block_id", "").startswith("claim:"))
    option = claim_block["accessory"]["options"][0]
    action = {"type": "overflow", "action_id": "flag_citation", "block_id": claim_block["block_id"],
              "selected_option": option, "action_ts": "1800000300.000001"}
    await slack.action(slack.block_action(channel=ACME, ts=ts, action=action, user="U0ENG2"))
    await slack.fake.wait_for("response_url")
    await slack.action(slack.block_action(channel=ACME, ts=ts, action=action, user="U0ENG2"))
    await slack.fake.wait_for("response_url", 2)
    await slack.settle(flag=2)
    [flag] = rows(slack, Feedback)
    claim_id = option["value"].split(":")[1]
    assert (flag.kind, flag.claim_id, flag.user_id, flag.tenant_id) == ("flag", claim_id, "U0ENG2", "acme")
    assert flag.detail["sources"]
    thanks, again = slack.fake.responses
    assert "recorded" in thanks.args["text"] and "already flagged" in again.args["text"]


async def test_flag_values_are_not_trusted(slack: Harness) -> None:
    await post_packet(slack)
    ts = rows(slack, PostedMessage)[0].message_id
    forged = {"type": "overflow", "action_id": "flag_citation", "block_id": "claim:c1",
              "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": "999:c999"}}
    await slack.action(slack.block_action(channel=ACME, ts=ts, action=forged))
    # The same control on a message Handoff never posted.
    await slack.action(slack.block_action(channel=RIDGE, ts="1700000000.000001", action={
        **forged, "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": "1:c1"}}))
    await slack.fake.wait_for("response_url", 2)
    await slack.settle(flag=2)
    assert rows(slack, Feedback) == []
    first, second = (r.args["text"] for r in slack.fake.responses)
    assert "no claim c999" in first and "isn't a Handoff packet" in second


async def test_long_packet_degrades_and_the_rest_goes_to_the_thread(slack: Harness) -> None:
    post = await post_packet(slack, "4500")
    assert len(post.blocks) <= 50
    button = next(b for b in post.blocks if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == "show_full_packet" and "Post the other" in button["text"]["text"]
    shown = {b["block_id"][6:] for b in post.blocks if b.get("block_id", "").startswith("claim:")}
    ts = rows(slack, PostedMessage)[0].message_id
    click = {"type": "button", "action_id": "show_full_packet", "block_id": "rest", "value": button["value"]}
    await slack.action(slack.block_action(channel=ACME, ts=ts, action=click))
    await slack.settle(rest=1)
    thread = slack.fake.posts[1:]
    assert thread and all(p.args["thread_ts"] == ts and p.args["channel"] == ACME for p in thread)
    in_thread = {b["block_id"][6:] for p in thread for b in p.blocks if b.get("block_id", "").startswith("claim:")}
    packet_ids = {c.claim_id for c in rows(slack, ClaimRow)}
    assert len(packet_ids) > 60
    assert shown | in_thread == packet_ids and not shown & in_thread
    # Claims in the thread can be flagged too: their messages are stored against the packet.
    kinds = sorted({p.kind for p in rows(slack, PostedMessage)})
    assert kinds == ["packet", "packet_rest"]
    # A second click doesn't post it all again.
    await slack.action(slack.block_action(channel=ACME, ts=ts, action=click))
    await slack.settle(rest=2)
    assert len(slack.fake.posts) == 1 + len(thread)
    assert "already in the thread" in slack.fake.responses[-1].args["text"]


# --- the escalation webhook ---------------------------------------------------------------


async def hook(h: Harness, body: Any, *, token: str = HOOK_TOKEN, key: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = body if isinstance(body, str) else json.dumps(body)
    response = await h.http.post("/hooks/escalation", data=data, headers=headers)
    return response.status, await response.json()


async def test_webhook_posts_the_packet_to_the_clients_channel_once(slack: Harness) -> None:
    status, body = await hook(slack, {"ticket_id": "4412"})
    assert status == 200 and body["channels"][0]["status"] == "posted"
    [post] = slack.fake.posts
    assert post.args["channel"] == ACME and "thread_ts" not in post.args
    status, body = await hook(slack, {"ticket_id": 4412})
    assert status == 200 and body["channels"][0]["status"] == "duplicate"
    assert len(slack.fake.posts) == 1


async def test_webhook_rejects_bad_requests_clearly(slack: Harness) -> None:
    assert (await hook(slack, {"ticket_id": "4412"}, token="wrong"))[0] == 401
    status, body = await hook(slack, "{not json")
    assert status == 400 and "not JSON" in body["error"]
    status, body = await hook(slack, {"ticket_id": "abc"})
    assert status == 400 and "ticket_id" in body["error"]
    status, body = await hook(slack, {"ticket_id": "9999"})
    assert status == 404 and body["error"] == "no ticket #9999"
    assert slack.fake.posts == []


async def test_webhook_never_posts_into_a_slack_connect_channel(slack: Harness) -> None:
    slack.fake.channels[ACME] = {"id": ACME, "is_channel": True, "is_ext_shared": True, "is_shared": True}
    status, body = await hook(slack, {"ticket_id": "4412"})
    assert status == 409 and body["channels"][0]["status"] == "refused"
    assert slack.fake.posts == []


async def test_health(slack: Harness) -> None:
    response = await slack.http.get("/healthz")
    assert response.status == 200 and (await response.json())["ok"] is True


# --- triage and ask: private answers, one client's data only ------------------------------


async def private_reply(h: Harness, text: str, channel: str) -> str:
    before = len(h.fake.responses)
    await h.command(text, channel=channel)
    await h.fake.wait_for("response_url", before + 1)
    await h.settle()
    reply = h.fake.responses[-1]
    assert reply.args["response_type"] == "ephemeral"
    return texts(reply)


async def test_triage_in_a_client_channel_shows_only_that_clients_signals(slack: Harness) -> None:
    # Both clients have a DC01 with a replication alert in the same hour.
    acme = await private_reply(slack, "triage", ACME)
    assert "Alert signals · Acme Dental Group" in acme and "RPC server is unavailable" in acme
    assert "access denied" not in acme and "Ridgeline" not in acme
    noc = await private_reply(slack, "triage", NOC)
    assert "Alert signals · all clients" in noc and "*Acme Dental Group*" in noc and "*Ridgeline Manufacturing*" in noc
    refused = await private_reply(slack, "triage ridge", ACME)
    assert "That isn't available in this channel." in refused and "access denied" not in refused
    assert slack.fake.posts == []


NEAR_TWIN_DOCS = {
    "acme/denticore.md": "---\ntitle: Denticore imaging service\nkind: runbook\nurl: https://docs.example.com/acme/denticore\n"
    "---\n# Denticore imaging service\n## Restart the Denticore service\nOn the imaging server run "
    "`Restart-Service Denticore` after 19:00, then check that port 8443 answers.\n",
    "ridge/denticore.md": "---\ntitle: Denticore imaging service\nkind: runbook\nurl: https://docs.example.com/ridge/denticore\n"
    "---\n# Denticore imaging service\n## Restart the Denticore service\nOn the imaging server run "
    "`Restart-Service Denticore` after 22:00, then check that port 9443 answers.\n",
}


@pytest.fixture
async def twins(tmp_path: Path, db_url: str) -> AsyncIterator[Harness]:
    from bot.core import Core

    if not hasattr(Core, "ask"):
        pytest.skip("Core.ask (retrieval) is not merged into this branch yet")
    world = write_world(tmp_path / "world", docs=NEAR_TWIN_DOCS)
    harness, close = await start_harness(tmp_path, db_url, world)
    try:
        yield harness
    finally:
        await close()


@pytest.mark.parametrize("channel, question, mine, theirs", [
    (ACME, "ask how do we restart the Denticore service?", "acme", "ridge"),
    (RIDGE, "ask how do we restart the Denticore service?", "ridge", "acme"),
    (NOC, "ask acme how do we restart the Denticore service?", "acme", "ridge"),
    (NOC, "ask Ridgeline how do we restart the Denticore service?", "ridge", "acme"),
])
async def test_ask_never_cites_another_clients_near_identical_document(
        twins: Harness, channel: str, question: str, mine: str, theirs: str) -> None:
    reply = await private_reply(twins, question, channel)
    assert f"https://docs.example.com/{mine}/denticore" in reply
    assert f"docs.example.com/{theirs}/" not in reply
    assert ("9443" in reply) == (mine == "ridge") and ("8443" in reply) == (mine == "acme")


async def test_ask_with_nothing_good_enough_says_so(twins: Harness) -> None:
    reply = await private_reply(twins, "ask zebra migration schedule for the penguin enclosure", ACME)
    assert "Nothing found for this client" in reply
