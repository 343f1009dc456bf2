"""The outbox worker against the real Slack app, on SQLite and PostgreSQL: what a request could not post is
posted in the background once Slack recovers, exactly once; a post whose "delivered" was lost is found on
Slack by its delivery key (message metadata) instead of being posted again; an entry is never posted into a
channel that may not see its client; bounded rounds end in one log line with an error id and the asker told.

Slack's documented behaviour the fake follows: ``chat.postMessage`` takes ``metadata`` with an ``event_type``
and an ``event_payload`` (https://api.slack.com/metadata/using); ``conversations.history`` returns it only with
``include_all_metadata`` (https://api.slack.com/methods/conversations.history#arg_include_all_metadata).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from adapters.cli.main import main
from adapters.common.periodic import WORKERS
from adapters.slack.app import DELIVERY_EVENT
from bot.chat import outbox
from bot.chat.outbox_worker import OutboxWorker
from bot.db.models import OutboxEntry, PostedMessage, utcnow
from bot.runtime import telemetry
from bot.tenancy import rollout
from tests.harness.slack_harness import ACME, HOOK_TOKEN, RIDGE, Harness, rows, start_harness
from tests.harness.worlds import write_world


async def _no_sleep(_s: float) -> None:
    return None


@pytest.fixture
async def slack(tmp_path: Path, embedder: Any, db_url: str) -> AsyncIterator[Harness]:
    world = write_world(tmp_path / "world")
    harness, close = await start_harness(tmp_path, db_url, world, embedder=embedder, post_attempts=2)
    # Two quick attempts per round, three rounds, each due at once (round_delay 0): the test drives the rounds.
    harness.core.outbox.policy = outbox.RetryPolicy(attempts=2, base_delay_s=0.01, rounds=3, round_delay_s=0)
    harness.core.outbox.sleep = _no_sleep
    try:
        yield harness
    finally:
        await close()


def worker(h: Harness) -> OutboxWorker:
    return h.http.server.app[WORKERS]["slack"]


async def hook(h: Harness, key: str = "psa-1") -> tuple[int, Any]:
    response = await h.http.post("/hooks/escalation", data=json.dumps({"ticket_id": "4412"}), headers={
        "Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json", "Idempotency-Key": key})
    return response.status, await response.json()


def set_entry(h: Harness, **values: Any) -> None:
    with h.core.session() as session:
        session.execute(update(OutboxEntry).values(**values))


def failed_total() -> float:
    return telemetry.REGISTRY.get_sample_value("handoff_deliveries_failed_total", {"platform": "slack"}) or 0.0


async def test_a_failed_escalation_is_posted_once_after_slack_recovers(slack: Harness) -> None:
    slack.fake.faults["chat.postMessage"] = ["500", "500"]  # both attempts of the request
    failed_before = failed_total()
    status, body = await hook(slack)
    assert status == 502 and body["channels"][0]["status"] == "error"
    assert "try again in the background" in body["channels"][0]["reason"]
    [entry] = rows(slack, OutboxEntry)
    assert entry.status == outbox.FAILED and entry.next_attempt_at is not None and slack.fake.delivered == []
    # What an operator watches: one failed delivery, one waiting (the gauges' source).
    assert failed_total() == failed_before + 1
    depth, age = slack.core.outbox.waiting(utcnow() + timedelta(seconds=90))
    assert depth == 1 and 90 <= age < 120

    # Slack is back: one worker round posts it, tagged with its delivery key, and records it.
    [outcome] = await worker(slack).run_once()
    assert outcome.status == "delivered"
    [post] = slack.fake.delivered
    assert post.args["channel"] == ACME and post.args["metadata"] == {"event_type": DELIVERY_EVENT,
                                                                      "event_payload": {"key": entry.key}}
    [entry] = rows(slack, OutboxEntry)
    assert (entry.status, entry.message_id, entry.rounds) == (outbox.DELIVERED, post.args["ts"], 1)
    assert [m.message_id for m in rows(slack, PostedMessage)] == [post.args["ts"]]
    assert slack.core.outbox.waiting() == (0, 0.0)
    # Nothing is due any more; the PSA's own retry of the same delivery is a duplicate.
    assert await worker(slack).run_once(utcnow() + timedelta(hours=1)) == []
    status, body = await hook(slack)
    assert status == 200 and body["channels"][0]["status"] == "duplicate"
    assert len(slack.fake.delivered) == 1


async def test_a_post_whose_delivered_was_lost_is_found_not_posted_again(slack: Harness,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Slack accepts the post, then the database refuses every bookkeeping write for a while (a blip).
    monkeypatch.setattr(outbox, "RECORD_DELAYS_S", (0.0, 0.0))
    real = outbox.Outbox._delivered

    def blip(self: outbox.Outbox, pk: int, message_id: str) -> None:
        raise ConnectionError("server closed the connection unexpectedly")

    monkeypatch.setattr(outbox.Outbox, "_delivered", blip)
    status, body = await hook(slack)
    assert status == 200 and body["channels"][0]["status"] == "posted"  # posted: not an error, not retried
    assert len(slack.fake.delivered) == 1
    [entry] = rows(slack, OutboxEntry)
    assert entry.status == outbox.SENDING and entry.message_id is None
    monkeypatch.setattr(outbox.Outbox, "_delivered", real)

    # Not yet stale: left alone. Stale (its process might have died mid-post): found on Slack, not re-posted.
    assert await worker(slack).run_once() == []
    [outcome] = await worker(slack).run_once(utcnow() + outbox.STALE_SENDING + timedelta(seconds=1))
    assert (outcome.status, outcome.message_id) == ("found", slack.fake.delivered[0].args["ts"])
    assert len(slack.fake.delivered) == 1
    [entry] = rows(slack, OutboxEntry)
    assert entry.status == outbox.DELIVERED and entry.message_id == slack.fake.delivered[0].args["ts"]
    history = slack.fake.to("conversations.history")
    assert history and history[-1].args["include_all_metadata"] in (True, "true", "1")


async def test_if_slack_cannot_say_whether_it_has_the_post_nothing_is_posted(slack: Harness) -> None:
    slack.fake.faults["chat.postMessage"] = ["500", "500"]
    await hook(slack)
    slack.fake.faults["conversations.history"] = ["500"]  # one lookup fails
    [outcome] = await worker(slack).run_once()
    assert outcome.status == "failed" and slack.fake.delivered == []
    [entry] = rows(slack, OutboxEntry)
    assert entry.status == outbox.FAILED and entry.next_attempt_at is not None  # another round later
    [outcome] = await worker(slack).run_once(utcnow() + timedelta(seconds=1))
    assert outcome.status == "delivered" and len(slack.fake.delivered) == 1


async def test_an_entry_is_never_posted_where_its_client_may_not_be_seen(slack: Harness) -> None:
    """Adversarial: an entry for Acme's packet whose channel was changed to Ridgeway's channel."""
    slack.fake.faults["chat.postMessage"] = ["500", "500"]
    await hook(slack)
    set_entry(slack, channel=RIDGE)
    [outcome] = await worker(slack).run_once()
    assert outcome.status == "refused" and slack.fake.delivered == []
    [entry] = rows(slack, OutboxEntry)
    assert entry.status == outbox.FAILED and entry.next_attempt_at is None  # never again by itself
    assert await worker(slack).run_once(utcnow() + timedelta(days=1)) == []
    # A packet id from another client under this entry's tenant is refused too (not found for that client).
    set_entry(slack, channel=ACME, tenant_id="ridgeway", status=outbox.FAILED, next_attempt_at=utcnow())
    [outcome] = await worker(slack).run_once(utcnow() + timedelta(seconds=1))
    assert outcome.status == "refused" and slack.fake.delivered == []


async def test_an_entry_is_not_posted_after_its_client_was_switched_off(slack: Harness) -> None:
    slack.fake.faults["chat.postMessage"] = ["500", "500"]
    await hook(slack)
    with slack.core.session() as session:
        rollout.set_mode(session=session, tenant_id="acme", category=rollout.ANY, mode="off", by="test")
    [outcome] = await worker(slack).run_once()
    assert outcome.status == "refused" and slack.fake.delivered == []


async def test_rounds_are_bounded_then_one_log_line_and_the_asker_is_told(slack: Harness,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.faults["chat.postMessage"] = ["500"] * 2  # the request's two attempts
    response = await slack.command("4412", channel=ACME, user="U0ENG1")
    assert response.status == 200
    await slack.fake.wait_for("response_url")  # the asker is told it failed, with the error id
    await slack.settle()
    [entry] = rows(slack, OutboxEntry)
    assert entry.status == outbox.FAILED and entry.asker == "U0ENG1"
    caplog.set_level(logging.INFO, logger="handoff.outbox.worker")
    slack.fake.faults["chat.postMessage"] = ["500"] * 6  # Slack stays down for three rounds of two attempts
    later = utcnow()
    outcomes = []
    for _ in range(4):
        later += timedelta(seconds=1)
        outcomes += [o.status for o in await worker(slack).run_once(later)]
    assert outcomes == ["failed", "failed", "given_up"] and slack.fake.delivered == []
    [entry] = rows(slack, OutboxEntry)
    assert entry.status == outbox.FAILED and entry.next_attempt_at is None and entry.rounds == 3
    [line] = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert entry.error_id and f"error id {entry.error_id}" in line
    [told] = slack.fake.to("chat.postEphemeral")
    assert told.args["user"] == "U0ENG1" and told.args["channel"] == ACME and entry.error_id in told.args["text"]


async def test_handoff_outbox_retry_makes_a_given_up_entry_due(slack: Harness, db_url: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    slack.fake.faults["chat.postMessage"] = ["500", "500"]
    await hook(slack)
    set_entry(slack, next_attempt_at=None)  # as if its rounds were spent
    assert await worker(slack).run_once(utcnow() + timedelta(days=1)) == []
    [entry] = rows(slack, OutboxEntry)
    cli = ["--database-url", db_url, "--data-dir", str(slack.core.settings.data_dir), "outbox"]
    assert main([*cli, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["counts"]["failed"] == 1 and listed["entries"][0]["id"] == entry.pk
    assert main(cli) == 0
    assert "given up (--retry)" in capsys.readouterr().out
    assert main([*cli, "--retry", str(entry.pk)]) == 0
    assert "outbox:slack" in capsys.readouterr().out
    [outcome] = await worker(slack).run_once(utcnow() + timedelta(seconds=1))
    assert outcome.status == "delivered" and len(slack.fake.delivered) == 1
    assert main([*cli, "--retry", str(entry.pk)]) == 2
    assert "delivered already" in capsys.readouterr().err
    assert main([*cli, "--retry", "999999"]) == 2
    assert "no outbox entry 999999" in capsys.readouterr().err


# --- Teams: no way to look a post up, so only entries that surely did not reach Teams are posted again ----

async def test_teams_worker_posts_a_failed_escalation_but_never_a_stuck_one(tmp_path: Path, embedder: Any) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from adapters.teams.main import make_app
    from bot.config import Settings
    from tests.harness.teams_fakes import MSP_TENANT, FakeConnector, bot_added
    from tests.harness.teams_harness import ACME as TEAMS_ACME
    from tests.harness.teams_harness import NOC, TENANTS, TOKEN, escalate, send
    from tests.harness.worlds import core_with_index

    core = core_with_index(Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'h.db'}",
                                    teams_noc_channels=NOC, microsoft_app_tenant_id=MSP_TENANT, inbound_token=TOKEN),
                           embedder, write_world(tmp_path / "w", tenants_yaml=TENANTS))
    core.outbox.policy = outbox.RetryPolicy(attempts=2, base_delay_s=0.01, rounds=3, round_delay_s=0)
    connector = FakeConnector()
    fake_server = TestServer(connector.app())
    await fake_server.start_server()
    connector.url = str(fake_server.make_url("/"))
    app = make_app(core)
    teams = TestClient(TestServer(app))
    await teams.start_server()
    try:
        await send(teams, bot_added(connector.url, channel=TEAMS_ACME))
        before = len(connector.delivered)
        connector.faults = ["500", "500"]
        response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-9"})
        assert response.status == 502
        teams_worker = app[WORKERS]["teams"]
        [outcome] = await teams_worker.run_once()
        assert outcome.status == "delivered" and len(connector.delivered) - before == 1
        # An entry stuck in "sending" (its process died, perhaps after posting) is left for an operator.
        with core.session() as session:
            session.execute(update(OutboxEntry).values(status=outbox.SENDING, message_id=None))
        assert await teams_worker.run_once(utcnow() + timedelta(days=1)) == []
        assert len(connector.delivered) - before == 1
    finally:
        await teams.close()
        await fake_server.close()
        core.close()
