"""Fault injection: a PostgreSQL of the test's own, stopped and started mid-run under the real Slack app.

While it is down: reactions and NOC escalation notices are *not* acked (503 in the JSON error shape,
so Slack re-sends them: https://api.slack.com/apis/events-api#retries), the escalation webhook answers
503 (the PSA retries), ``/readyz`` says the database is down and ``/healthz`` stays cheap and 200.
After it is back, Slack's and the PSA's retries are recorded and posted exactly once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.chat import outbox
from bot.db.models import Feedback, OutboxEntry
from tests.harness import throwaway_pg
from tests.harness.slack_harness import ACME, HOOK_TOKEN, NOC, Harness, rows, start_harness
from tests.harness.worlds import write_world

pytestmark = pytest.mark.slow


@pytest.fixture
def pg() -> Iterator[throwaway_pg.ThrowawayPostgres]:
    why = throwaway_pg.available()
    if why:
        pytest.skip(f"no throwaway PostgreSQL: {why}")
    with throwaway_pg.running() as server:
        yield server


@pytest.fixture
async def slack(tmp_path: Path, embedder: Any, pg: throwaway_pg.ThrowawayPostgres) -> AsyncIterator[Harness]:
    world = write_world(tmp_path / "world")
    harness, close = await start_harness(tmp_path, pg.url, world, embedder=embedder, db_connect_timeout_s=2,
                                         db_statement_timeout_s=5)
    harness.core.outbox.policy = outbox.RetryPolicy(attempts=2, base_delay_s=0.05)
    try:
        yield harness
    finally:
        await close()


async def get(h: Harness, path: str) -> tuple[int, Any]:
    response = await h.http.get(path)
    return response.status, await response.json()


async def hook(h: Harness, key: str) -> tuple[int, Any]:
    response = await h.http.post("/hooks/escalation", data=json.dumps({"ticket_id": "4412"}), headers={
        "Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json", "Idempotency-Key": key})
    return response.status, await response.json()


async def test_database_outage_loses_nothing_and_acks_nothing(slack: Harness,
                                                              pg: throwaway_pg.ThrowawayPostgres) -> None:
    # A packet is posted while everything is up; a reaction to it will arrive during the outage.
    assert (await slack.command("4412")).status == 200
    [packet] = await slack.fake.wait_for("chat.postMessage")
    await slack.settle()
    assert (await get(slack, "/readyz"))[0] == 200

    pg.stop()
    pg.wait_down()
    slack.front.core  # noqa: B018  (the same core; its pooled connections are now dead)
    status, body = await get(slack, "/readyz")
    assert status == 503 and body["problems"][0].startswith("database:")
    assert (await get(slack, "/healthz"))[0] == 200

    reaction = {"type": "reaction_added", "user": "U0ENG1", "reaction": "+1", "item_user": "U0HANDOFF",
                "item": {"type": "message", "channel": ACME, "ts": packet.args["ts"] if "ts" in packet.args
                         else slack.fake.delivered[0].args["ts"]}, "event_ts": "1800000100.000000"}
    noc = {"type": "message", "subtype": "bot_message", "bot_id": "B0PSA", "text": "Ticket #4412 escalated to Tier 2",
           "ts": "1700000200.000100", "channel": NOC, "channel_type": "channel", "event_ts": "1700000200.000100"}
    for event, event_id in ((reaction, "EvREACT1"), (noc, "EvNOC1")):
        response = await slack.event(event, event_id=event_id)
        assert response.status == 503, "an event was acked while it could not be recorded"
        assert (await response.json())["error"]["code"] == "unavailable"
    status, body = await hook(slack, "psa-1")
    assert status == 503 and body["error"]["code"] == "unavailable"
    await slack.settle()

    pg.start()
    # Slack and the PSA retry; each is recorded / posted exactly once, however often it is retried.
    for retry in (1, 2):
        assert (await slack.event(reaction, event_id="EvREACT1", retry=retry)).status == 200
        assert (await slack.event(noc, event_id="EvNOC1", retry=retry)).status == 200
        await slack.settle()
        status, body = await hook(slack, "psa-1")
        assert status == 200 and body["channels"][0]["status"] in ("posted", "duplicate")
    [accepted] = rows(slack, Feedback)
    assert accepted.kind == "accept"
    posted = [(c.args["channel"], c.args.get("thread_ts")) for c in slack.fake.delivered]
    assert sorted(posted, key=str) == sorted([(ACME, None), (NOC, "1700000200.000100"), (ACME, None)], key=str)
    assert {e.status for e in rows(slack, OutboxEntry)} == {outbox.DELIVERED} and len(rows(slack, OutboxEntry)) == 3
    assert (await get(slack, "/readyz"))[0] == 200
