"""Fault injection against the real Teams bot (CloudAdapter) and the fake Bot Connector: posts answered
500 (plain text) or 429 with Retry-After are retried through the outbox; the escalation is posted
exactly once, and a delivery that finally fails keeps its key for the PSA's retry.

The Bot Connector's documented answers: HTTP 429 with Retry-After when throttled
(https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit), 5xx on service errors.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.main import make_app
from bot.chat import outbox
from bot.config import Settings
from bot.core import Core
from bot.db.models import OutboxEntry, PostedMessage
from tests.harness.teams_fakes import MSP_TENANT, FakeConnector, bot_added
from tests.harness.teams_harness import ACME, NOC, TENANTS, TOKEN, escalate, rows, send
from tests.harness.worlds import core_with_index, write_world


@pytest.fixture
def core(tmp_path: Path, embedder) -> Iterator[Core]:  # type: ignore[no-untyped-def]
    c = core_with_index(Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'h.db'}",
                                 teams_noc_channels=NOC, microsoft_app_tenant_id=MSP_TENANT, inbound_token=TOKEN),
                        embedder, write_world(tmp_path / "w", tenants_yaml=TENANTS))
    c.outbox.policy = outbox.RetryPolicy(attempts=3, base_delay_s=0.05)
    yield c
    c.close()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("/"))
    yield fake
    await server.close()


@pytest.fixture
async def teams(core: Core) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    yield client
    await client.close()


@pytest.mark.parametrize("fault", ["500", "429"])
async def test_teams_escalation_survives_a_fault_and_posts_once(core: Core, teams: TestClient,
                                                                connector: FakeConnector, fault: str) -> None:
    await send(teams, bot_added(connector.url, channel=ACME))
    before = len(connector.delivered)
    connector.faults = [fault]
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-1"})
    assert response.status == 200, await response.text()
    assert (await response.json())["channels"][0]["status"] == "posted"
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-1"})
    assert (await response.json())["channels"][0]["status"] == "duplicate"
    assert len(connector.delivered) - before == 1 and len(rows(core, PostedMessage)) == 1
    [entry] = rows(core, OutboxEntry)
    assert entry.status == outbox.DELIVERED and entry.attempts == 2


async def test_teams_failed_escalation_is_posted_by_the_psas_retry(core: Core, teams: TestClient,
                                                                   connector: FakeConnector) -> None:
    await send(teams, bot_added(connector.url, channel=ACME))
    before = len(connector.delivered)
    connector.faults = ["500", "500", "500"]
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-2"})
    assert response.status == 502
    reason = (await response.json())["channels"][0]["reason"]
    [entry] = rows(core, OutboxEntry)
    assert entry.status == outbox.FAILED and entry.error_id in reason
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-2"})
    assert (await response.json())["channels"][0]["status"] == "posted"
    assert len(connector.delivered) - before == 1
    assert [e.status for e in rows(core, OutboxEntry)] == [outbox.DELIVERED]


async def test_a_hanging_connector_is_given_up_on_and_the_post_retried_once_delivered(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    """The Bot Connector client has no per-request limit: a connector that accepts the post and never
    answers used to stall the escalation forever. Now the attempt times out and the outbox retries it."""
    core.settings.teams_call_timeout_s = 0.5
    connector.hang_s = 1.5
    await send(teams, bot_added(connector.url, channel=ACME))
    before = len(connector.delivered)
    connector.faults = ["hang"]
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-hang"})
    assert response.status == 200, await response.text()
    assert (await response.json())["channels"][0]["status"] == "posted"
    [entry] = rows(core, OutboxEntry)
    assert entry.status == outbox.DELIVERED and entry.attempts == 2
    assert len(connector.delivered) - before == 1 and len(rows(core, PostedMessage)) == 1
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-hang"})
    assert (await response.json())["channels"][0]["status"] == "duplicate"
    assert len(connector.delivered) - before == 1
    # The hung post's HTTP request itself was given up (its worker thread freed), not only awaited no more;
    # and the connector client did not re-send it on its own.
    await asyncio.sleep(1.2)
    assert connector.abandoned == 1 and len(connector.posts) - before == 2


async def test_a_connector_that_keeps_hanging_is_reported_with_an_error_id_and_posted_on_the_retry(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    core.settings.teams_call_timeout_s = 0.3
    connector.hang_s = 2.0
    await send(teams, bot_added(connector.url, channel=ACME))
    before = len(connector.delivered)
    connector.faults = ["hang", "hang", "hang"]
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-hang-2"})
    assert response.status == 502
    reason = (await response.json())["channels"][0]["reason"]
    [entry] = rows(core, OutboxEntry)
    assert entry.status == outbox.FAILED and entry.error_id in reason and "did not answer" in reason
    assert len(connector.delivered) == before
    connector.faults = []
    response = await escalate(teams, {"ticket_id": "4412"}, **{"Idempotency-Key": "psa-hang-2"})
    assert (await response.json())["channels"][0]["status"] == "posted"
    assert len(connector.delivered) - before == 1
    assert [e.status for e in rows(core, OutboxEntry)] == [outbox.DELIVERED]


async def test_a_hanging_reply_in_a_chat_is_given_up_on_and_the_user_told(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    """A reply in a conversation (the turn's own, not the outbox's) is bounded too: the turn gives up
    after the limit, not after the connector's 2 s hang, and the error card with its id reaches the user."""
    import time

    from tests.harness.teams_fakes import teams_activity

    core.settings.teams_call_timeout_s = 0.3
    connector.hang_s = 2.0
    connector.faults = ["hang"]  # the reply hangs; the error card after it goes through
    started = time.monotonic()
    await send(teams, teams_activity(connector.url, text="help", kind="channel", channel=ACME))
    assert time.monotonic() - started < 1.9
    [told] = [c.card for c in connector.delivered if c.card]
    assert "error id" in json.dumps(told)
