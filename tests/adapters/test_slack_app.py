"""The Slack app end to end: /packet, refusals, request authenticity, NOC escalations.

Signed requests in, Web API calls out (to the local fake Slack), rows in the real database, on SQLite
and PostgreSQL. Every message the app posted is checked against Block Kit's rules after each test.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.db.models import AuditEvent, PacketRow, PostedMessage
from tests.harness.slack_harness import (
    ACME,
    NOC,
    Harness,
    post_packet,
    refusal,
    rows,
    sample,
    texts,
)

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


async def test_bad_input_gets_a_clear_private_message_and_stores_nothing(slack: Harness) -> None:
    message = await refusal(slack, "abc")
    assert "I don't know `abc`" in message and "`4412`" in message
    message = await refusal(slack, "packet 12ab")
    assert "`packet` takes a ticket number" in message
    message = await refusal(slack, "&lt;!channel&gt;&amp;")  # Slack escapes command text like mrkdwn
    assert "I don't know `&lt;!channel&gt;&amp;`" in message  # unescaped for the core, escaped again to show
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


async def test_sharing_is_cached_briefly_and_a_channel_shared_event_drops_the_cache(slack: Harness) -> None:
    await post_packet(slack)
    await post_packet(slack)
    assert len(slack.fake.to("conversations.info")) == 1
    # The channel joins Slack Connect: Slack tells us, and the very next request checks again.
    slack.fake.channels[ACME] = {"id": ACME, "is_channel": True, "is_shared": True, "is_ext_shared": True}
    await slack.event({"type": "channel_shared", "connected_team_id": "T0OTHER", "channel": ACME,
                       "event_ts": "1800000000.000100"})
    await slack.settle(shared=1)
    message = await refusal(slack, "4412")
    assert "shared with other organisations" in message
    assert len(slack.fake.to("conversations.info")) == 2 and len(slack.fake.posts) == 2


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
    slack.fake.memberships["U0ENG1"] = [NOC]  # a NOC member's DM sees every client (test_slack_dm_scope.py)
    await slack.command("5001", channel="D0DM01", channel_name="directmessage")
    [post] = await slack.fake.wait_for("chat.postMessage")
    assert post.args["channel"] == "D0DM01" and post.blocks[0]["text"]["text"].startswith("Ticket #5001")
    # A Slack Connect DM (someone from another organisation) gets nothing.
    slack.fake.channels["D0DMEXT"] = {"id": "D0DMEXT", "is_im": True, "is_ext_shared": True}
    message = await refusal(slack, "4412", channel="D0DMEXT")
    assert "shared with other organisations" in message and len(slack.fake.posts) == 1


@pytest.mark.parametrize("guest", ["is_restricted", "is_ultra_restricted"])
async def test_a_guest_sees_nothing_in_a_direct_message(slack: Harness, guest: str) -> None:
    """The Teams rule in Slack: users.info's is_restricted (multi-channel guest) and is_ultra_restricted
    (single-channel guest) are not staff (https://api.slack.com/methods/users.info)."""
    slack.fake.users["U0ENG1"] = {guest: True}  # the asker of refusal()
    message = await refusal(slack, "4412", channel="D0DMGUEST")
    assert "Ticket #4412" not in message and "isn't mapped" in message
    message = await refusal(slack, "ask printer", channel="D0DMGUEST")
    assert "acme" not in message.casefold() and "ridgeline" not in message.casefold()
    assert slack.fake.posts == [] and [c.args["user"] for c in slack.fake.to("users.info")] == ["U0ENG1"]


async def test_rate_limited_post_waits_and_retries(slack: Harness) -> None:
    slack.fake.rate_limited["chat.postMessage"] = 1
    await slack.command("4412")
    await slack.fake.wait_for("chat.postMessage", 2)
    await slack.settle()
    assert [c.args["channel"] for c in slack.fake.posts] == [ACME, ACME]  # the 429, then the post
    assert len(rows(slack, PostedMessage)) == 1 and slack.fake.responses == []


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


async def test_unexpected_failure_gets_an_error_id_that_is_also_logged(
        slack: Harness, caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.errors[("chat.postMessage", ACME)] = "fatal_error"
    with caplog.at_level("ERROR", logger="handoff.slack"):
        message = await refusal(slack, "4412")
    error_id = message.split("error id ")[1].split(")")[0]
    assert len(error_id) == 10 and "fatal_error" not in message
    assert any(error_id in r.getMessage() for r in caplog.records)
