"""Fixtures of the front-end tests: the CLI, the Slack app over a fake Slack, and the Teams app's fake
Bot Connector. The stand-ins and world builders behind them are in tests/harness/ (and
bench/support/fake_slack.py); the database and embedder fixtures in tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.cli.main import main
from adapters.teams.main import make_app
from bot.core import Core
from tests.harness.slack_harness import Harness, assert_messages_valid, big_ticket, start_harness
from tests.harness.teams_fakes import FakeConnector
from tests.harness.teams_harness import card_schema
from tests.harness.worlds import tickets, write_world


@pytest.fixture
def cli(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """``cli("ingest", folder)`` runs the ``handoff`` command in-process on this test's data dir and database."""
    monkeypatch.setenv("HANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HANDOFF_DATABASE_URL", db_url)

    def run(*argv: str) -> int:
        return main(list(argv))

    return run


@pytest.fixture(name="slack")
async def slack_fixture(tmp_path: Path, db_url: str, embedder: Any) -> AsyncIterator[Harness]:
    """The Slack app over the shared world (plus a ticket too big for one message) and a fake Slack.
    Afterwards, every message the app posted must pass Slack's Block Kit limits."""
    world = write_world(tmp_path / "world", tickets_=[*tickets(), big_ticket()])
    harness, close = await start_harness(tmp_path, db_url, world, embedder=embedder)
    try:
        yield harness
        assert_messages_valid(harness)
    finally:
        await close()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """A fake Bot Connector on a local port. Afterwards, every card the bot posted is a valid Adaptive
    Card 1.5 (when the schema is in ../shared/data) inside Teams' size limit."""
    fake = FakeConnector()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("/"))
    yield fake
    await server.close()
    validator = card_schema()
    for post in fake.posts:
        assert post.size <= 28_000
        if validator is not None and post.card is not None:
            assert not list(validator.iter_errors(post.card)), post.path


@pytest.fixture
async def teams(core: Core) -> AsyncIterator[TestClient]:
    """The Teams app (aiohttp + the real CloudAdapter) over the ``core`` fixture of the test module."""
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    yield client
    await client.close()
