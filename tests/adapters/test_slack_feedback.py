"""Reactions, corrections, the flag control and the rest of a long packet, through the real Slack app."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.db.models import ClaimRow, Feedback, PostedMessage
from tests.harness.slack_harness import (
    ACME,
    RIDGE,
    Harness,
    post_packet,
    rows,
    sample,
)

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
    await slack.fake.wait_for("response_url", 1)  # answered before the next click, so the replies keep their order
    # The same control on a message Handoff never posted.
    await slack.action(slack.block_action(channel=RIDGE, ts="1700000000.000001", action={
        **forged, "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": "1:c1"}}))
    await slack.fake.wait_for("response_url", 2)
    await slack.settle(flag=2)
    assert rows(slack, Feedback) == []
    # The two clicks run concurrently, so their answers may arrive in either order.
    answers = [r.args["text"] for r in slack.fake.responses]
    assert len(answers) == 2
    assert any("no claim c999" in a for a in answers) and any("isn't a Handoff packet" in a for a in answers)


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
