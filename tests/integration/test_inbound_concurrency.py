"""Inbound alerts under concurrency, through the real aiohttp app and its worker threads.

An Alertmanager HA pair sends every notification twice, at the same moment;
retries add more. Identical deliveries racing each other must all succeed
(200, counted once as accepted, the rest duplicates); the same (source, id)
sent for two clients at once must give one 200 and one 409, never a 500.
Runs on SQLite and PostgreSQL (where the old select-then-insert answered 500).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import Session, select

from adapters.inbound.app import make_app
from bot.config import Settings
from bot.core import Core
from bot.db.models import Alert
from bot.ingest.loader import ingest_folder
from tests.harness.worlds import write_world

TOKEN = "s3cret-inbound-token-for-tests"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
async def client(settings: Settings, tmp_path: Path) -> AsyncIterator[TestClient]:
    core = Core(settings.model_copy(update={"inbound_token": TOKEN}))
    assert ingest_folder(write_world(tmp_path / "w", alerts_=[]), engine=core.engine).ok
    async with TestClient(TestServer(make_app(core))) as c:
        c.core = core  # type: ignore[attr-defined]
        yield c
    core.close()


def alert(i: int, **extra: str) -> str:
    return json.dumps({"id": f"race-{i}", "source": "rmm", "device": f"PC{i:02d}", "check": "Disk space",
                       "severity": "warning", "message": f"C: below 10% on PC{i:02d}", "at": "2026-11-24T03:00:00Z",
                       **extra})


async def test_identical_deliveries_at_once_are_stored_once_without_errors(client: TestClient) -> None:
    bodies = [alert(i) for i in range(40) for _ in range(4)]  # 40 alerts x 4 identical deliveries

    async def deliver(body: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        response = await client.post("/alerts/generic/acme", data=body, headers=HEADERS)
        return response.status, await response.json()

    results = await asyncio.gather(*(deliver(b) for b in bodies))
    assert [status for status, _ in results] == [200] * 160
    assert sum(r["accepted"] for _, r in results) == 40
    assert sum(r["duplicate"] for _, r in results) == 120
    with Session(client.core.engine) as session:  # type: ignore[attr-defined]
        assert session.exec(select(func.count()).select_from(Alert)).one() == 40


async def test_the_same_id_for_two_clients_at_once_gives_one_409(client: TestClient) -> None:
    for round_ in range(5):  # several rounds: each is a fresh race for a new id
        posts = [client.post(f"/alerts/generic/{tenant}", data=alert(100 + round_), headers=HEADERS)
                 for tenant in ("acme", "ridge")]
        responses = await asyncio.gather(*posts)
        statuses = sorted(r.status for r in responses)
        assert statuses == [200, 409], [await r.text() for r in responses]
        [loser] = [r for r in responses if r.status == 409]
        body = await loser.json()
        assert body["error"] == "conflict" and "already stored under another client" in body["message"]
        with Session(client.core.engine) as session:  # type: ignore[attr-defined]
            rows = list(session.exec(select(Alert).where(Alert.external_id == f"race-{100 + round_}")))
        assert len(rows) == 1  # the loser stored nothing


async def test_a_changed_alert_delivered_twice_at_once_counts_one_update(client: TestClient) -> None:
    first = await client.post("/alerts/generic/acme", data=alert(7), headers=HEADERS)
    assert first.status == 200
    resolved = alert(7, resolved_at="2026-11-24T03:20:00Z")
    responses = await asyncio.gather(*(client.post("/alerts/generic/acme", data=resolved, headers=HEADERS)
                                       for _ in range(4)))
    results = [await r.json() for r in responses]
    assert [r.status for r in responses] == [200] * 4
    assert sum(r["updated"] for r in results) == 1 and sum(r["duplicate"] for r in results) == 3
