"""Fault injection against the real Slack app: the fake Slack Web API answers 500 (plain text), 429 with
Retry-After, or hangs, on a schedule; afterwards every accepted packet and escalation was posted exactly
once (counted on what Slack *accepted*, ``FakeSlack.delivered``), or is kept failed in the outbox and the
asker was told, with an error id.

Slack's documented behaviour the fake follows: ``chat.postMessage`` answers HTTP 429 with a
``Retry-After`` header when rate limited (https://api.slack.com/apis/rate-limits); the Events API
re-sends an event its app did not answer with HTTP 2xx (https://api.slack.com/apis/events-api#retries).
A 5xx with a plain-text body is what a proxy or Slack's edge answers during an incident.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.chat import outbox
from bot.db.models import OutboxEntry, PostedMessage
from tests.harness.slack_harness import ACME, HOOK_TOKEN, NOC, Harness, rows, start_harness
from tests.harness.worlds import write_world


@pytest.fixture
async def slack(tmp_path: Path, embedder: Any) -> AsyncIterator[Harness]:
    world = write_world(tmp_path / "world")
    harness, close = await start_harness(tmp_path, f"sqlite:///{tmp_path / 'handoff.db'}", world, embedder=embedder,
                                         post_attempts=3)
    harness.front.client.timeout = 1  # a hanging Slack costs a second per attempt here
    harness.core.outbox.policy = outbox.RetryPolicy(attempts=3, base_delay_s=0.05)
    harness.fake.retry_after, harness.fake.hang_s = 1, 3.0
    try:
        yield harness
    finally:
        await close()


async def hook(h: Harness, ticket: str = "4412", *, key: str = "psa-delivery-1") -> tuple[int, Any]:
    response = await h.http.post("/hooks/escalation", data=json.dumps({"ticket_id": ticket}), headers={
        "Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json", "Idempotency-Key": key})
    return response.status, await response.json()


def entries(h: Harness) -> list[OutboxEntry]:
    return rows(h, OutboxEntry)


@pytest.mark.parametrize("fault", ["500", "429", "hang"])
async def test_escalation_survives_one_fault_and_posts_once(slack: Harness, fault: str) -> None:
    slack.fake.faults["chat.postMessage"] = [fault]
    status, body = await hook(slack)
    assert status == 200 and body["channels"][0]["status"] == "posted", body
    assert [c.args["channel"] for c in slack.fake.delivered] == [ACME]
    [entry] = entries(slack)
    # A 429 is retried (after its Retry-After) inside Slack's SDK, within the outbox's first attempt.
    assert entry.status == outbox.DELIVERED and entry.attempts == (1 if fault == "429" else 2)
    assert entry.message_id == slack.fake.delivered[0].args["ts"] and len(slack.fake.posts) == 2
    # The PSA's retry of a delivered escalation is a duplicate: still one post.
    status, body = await hook(slack)
    assert status == 200 and body["channels"][0]["status"] == "duplicate"
    assert len(slack.fake.delivered) == 1 and len(rows(slack, PostedMessage)) == 1


async def test_failed_escalation_keeps_its_key_for_the_psas_retry(slack: Harness) -> None:
    """The bug: the key was claimed before posting, so the retry after a 500 answered "duplicate"."""
    slack.fake.faults["chat.postMessage"] = ["500", "500", "500"]  # every attempt of the first delivery
    status, body = await hook(slack)
    assert status == 502
    [channel] = body["channels"]
    assert channel["status"] == "error" and "HTTP 500" in channel["reason"] and "error id" in channel["reason"]
    [entry] = entries(slack)
    assert entry.status == outbox.FAILED and entry.attempts == 2 and entry.error_id in channel["reason"]
    assert slack.fake.delivered == []
    status, body = await hook(slack)  # the PSA retries the same delivery
    assert status == 200 and body["channels"][0]["status"] == "posted"
    status, body = await hook(slack)
    assert body["channels"][0]["status"] == "duplicate"
    assert len(slack.fake.delivered) == 1
    assert [e.status for e in entries(slack)] == [outbox.DELIVERED]


async def test_five_consecutive_429s_still_post_the_packet(slack: Harness) -> None:
    slack.core.outbox.policy = outbox.RetryPolicy(attempts=6, base_delay_s=0.05)
    slack.fake.retry_after = 0  # Slack's SDK and the outbox both honour it; 0 keeps the test short
    slack.fake.faults["chat.postMessage"] = ["429"] * 5
    response = await slack.command("4412")
    assert response.status == 200
    await slack.fake.wait_for("chat.postMessage", 6, timeout=30)
    await slack.settle()
    assert [c.args["channel"] for c in slack.fake.delivered] == [ACME]
    assert [e.status for e in entries(slack)] == [outbox.DELIVERED]
    assert not slack.fake.responses, "the asker was told of an error although the packet was posted"


async def test_a_packet_that_cannot_be_posted_is_told_to_the_asker_and_kept(slack: Harness) -> None:
    slack.fake.faults["chat.postMessage"] = ["500"] * 10
    await slack.command("4412")
    await slack.fake.wait_for("response_url", 1, timeout=30)
    await slack.settle()
    told = json.dumps(slack.fake.responses[-1].args)
    assert slack.fake.responses[-1].args["response_type"] == "ephemeral"
    [entry] = entries(slack)
    assert entry.status == outbox.FAILED and entry.error_id and entry.error_id in told
    assert "HTTP 500" in told and slack.fake.delivered == []
    assert slack.core.outbox.entries()[0].pk == entry.pk  # what `handoff outbox` lists


async def test_noc_escalation_after_a_failed_post_is_posted_by_slacks_retry(slack: Harness) -> None:
    slack.fake.faults["chat.postMessage"] = ["500"] * 3
    event = {"type": "message", "subtype": "bot_message", "bot_id": "B0PSA", "text": "Ticket #4412 escalated to Tier 2",
             "ts": "1700000100.000100", "channel": NOC, "channel_type": "channel", "event_ts": "1700000100.000100"}
    assert (await slack.event(event, event_id="EvNOC1")).status == 200
    await slack.fake.wait_for("chat.postMessage", 3, timeout=30)
    await slack.settle()
    assert slack.fake.delivered == [] and [e.status for e in entries(slack)] == [outbox.FAILED]
    # Slack re-sends the event (a new delivery of the same message): it is posted, once.
    assert (await slack.event(event, event_id="EvNOC1", retry=1)).status == 200
    await slack.fake.wait_for("chat.postMessage", 4, timeout=30)
    await slack.settle()
    assert (await slack.event(event, event_id="EvNOC1", retry=2)).status == 200
    await slack.settle()
    assert [(c.args["channel"], c.args["thread_ts"]) for c in slack.fake.delivered] == [(NOC, "1700000100.000100")]
    assert [e.status for e in entries(slack)] == [outbox.DELIVERED]
