"""Two real ``handoff serve slack`` processes on one PostgreSQL database (a throwaway server of the test's
own, so that it can be stopped) and one fake Slack Web API:

- the same escalation driven at both, again and again, is posted exactly once;
- exactly one of them holds the outbox worker's lease; killed (SIGKILL: no clean release), the other takes
  the lease within the lease time and does the periodic work (posts a due outbox entry);
- with the database stopped the survivor's ``/readyz`` answers 503 (``/healthz`` stays 200), and 200 once
  the database is back.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from adapters.cli.main import main
from bench.support.fake_slack import FakeSlack
from bot.chat import outbox
from bot.config import Settings
from bot.core import Core
from bot.db.engine import make_engine, session_scope
from bot.db.models import OutboxEntry, utcnow
from bot.ingest.loader import ingest_folder
from bot.runtime.leader import holders
from tests.harness import throwaway_pg
from tests.harness.servers import Server, start_slack_server, wait_status
from tests.harness.slack_harness import ACME, HOOK_TOKEN
from tests.harness.worlds import write_world

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TTL_S = 3.0  # HANDOFF_LEASE_TTL_S: renewed every second, taken over at most ~TTL after the holder dies


@pytest.fixture
def pg() -> Iterator[throwaway_pg.ThrowawayPostgres]:
    why = throwaway_pg.available()
    if why:
        pytest.skip(f"no throwaway PostgreSQL: {why}")
    with throwaway_pg.running() as server:
        yield server


@pytest.fixture
async def servers(tmp_path: Path, pg: throwaway_pg.ThrowawayPostgres) -> AsyncIterator[tuple[FakeSlack, list[Server]]]:
    world = write_world(tmp_path / "world")
    core = Core(Settings(data_dir=tmp_path / "setup", database_url=pg.url))  # migrates the fresh database
    assert ingest_folder(world, engine=core.engine).ok
    core.close()
    fake = await FakeSlack().start()
    procs = [await start_slack_server(
        tmp_path / f"replica{n}.log", fake, HANDOFF_DATABASE_URL=pg.url, HANDOFF_DATA_DIR=str(tmp_path / f"replica{n}"),
        HANDOFF_INBOUND_TOKEN=HOOK_TOKEN, HANDOFF_LEASE_TTL_S=str(TTL_S), HANDOFF_OUTBOX_RETRY_INTERVAL_S="0.5",
        HANDOFF_DB_CONNECT_TIMEOUT_S="2", HANDOFF_DB_STATEMENT_TIMEOUT_S="5") for n in (1, 2)]
    try:
        async with aiohttp.ClientSession() as http:
            for server in procs:
                await wait_status(http, server, "/healthz", 200, timeout=90)
        yield fake, procs
    finally:
        for server in procs:
            await server.stop()
        await fake.stop()


async def escalate(http: aiohttp.ClientSession, server: Server, key: str) -> tuple[int, Any]:
    async with http.post(server.url + "/hooks/escalation", data=json.dumps({"ticket_id": "4412"}), headers={
            "Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json",
            "Idempotency-Key": key}) as r:
        return r.status, await r.json()


def lease_holder(url: str, name: str) -> str | None:
    engine = make_engine(url)
    try:
        now = utcnow()
        return next((row.holder for row in holders(engine) if row.name == name and row.expires_at > now), None)
    finally:
        engine.dispose()


def pid_of(holder: str | None) -> int | None:
    return int(holder.split(":")[1]) if holder else None


async def test_two_replicas_one_post_one_leader_and_a_takeover(
        servers: tuple[FakeSlack, list[Server]], pg: throwaway_pg.ThrowawayPostgres, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    fake, (one, two) = servers
    async with aiohttp.ClientSession() as http:
        # The same escalation (the PSA retrying, a load balancer spreading it) at both replicas at once.
        answers = await asyncio.gather(*[escalate(http, s, "psa-delivery-77") for s in (one, two) * 3])
        assert all(status == 200 for status, _ in answers), answers
        statuses = sorted(body["channels"][0]["status"] for _, body in answers)
        assert statuses.count("posted") == 1 and set(statuses) == {"posted", "duplicate"}, statuses
        assert [c.args["channel"] for c in fake.delivered] == [ACME]

        # One leader for the outbox worker.
        deadline = time.monotonic() + 10
        while (leader_pid := pid_of(await asyncio.to_thread(lease_holder, pg.url, "outbox:slack"))) is None:
            assert time.monotonic() < deadline, "no replica took the outbox worker's lease"
            await asyncio.sleep(0.2)
        pids = {one.proc.pid: one, two.proc.pid: two}
        assert leader_pid in pids
        leader, survivor = pids[leader_pid], (two if pids[leader_pid] is one else one)

        # The leader dies without releasing its lease; the survivor takes it within the lease time.
        leader.proc.send_signal(signal.SIGKILL)
        await leader.proc.wait()
        killed = time.monotonic()
        while pid_of(await asyncio.to_thread(lease_holder, pg.url, "outbox:slack")) != survivor.proc.pid:
            assert time.monotonic() - killed < TTL_S + TTL_S / 3 + 3, "the lease was not taken over"
            await asyncio.sleep(0.1)
        took_over_s = time.monotonic() - killed
        assert took_over_s <= TTL_S + TTL_S / 3 + 3
        # `handoff leases` names the holder.
        assert await asyncio.to_thread(main, ["--database-url", pg.url, "--data-dir", str(tmp_path / "cli"),
                                              "leases"]) == 0
        [line] = [row for row in capsys.readouterr().out.splitlines() if row.startswith("outbox:slack")]
        assert f":{survivor.proc.pid}:" in line and "held" in line

        # ...and does the periodic work: a failed entry that is due is posted by the survivor's worker.
        await asyncio.to_thread(add_due_entry, pg.url)
        deadline = time.monotonic() + 15
        while len(fake.delivered) < 2:
            assert time.monotonic() < deadline, "the survivor's outbox worker did not post the due entry"
            await asyncio.sleep(0.1)
        assert [c.args["channel"] for c in fake.delivered] == [ACME, ACME]

        # The database stops: not ready (liveness stays cheap and fine); back: ready again.
        pg.stop()
        pg.wait_down()
        await wait_status(http, survivor, "/readyz", 503, timeout=20)
        async with http.get(survivor.url + "/readyz") as r:
            assert (await r.json())["problems"][0].startswith("database:")
        async with http.get(survivor.url + "/healthz") as r:
            assert r.status == 200
        pg.start()
        await wait_status(http, survivor, "/readyz", 200, timeout=30)
    assert len(fake.delivered) == 2  # nothing was posted twice along the way
    print(f"lease taken over {took_over_s:.1f}s after the leader was killed (TTL {TTL_S}s)")


def add_due_entry(url: str) -> None:
    """An escalation whose request failed earlier: the stored packet, due for a background round now."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            first = session.exec(select(OutboxEntry)).one()
            now = utcnow()
            session.add(OutboxEntry(platform="slack", key="hook:C0ACME:psa-delivery-78", kind="escalation",
                                    channel=ACME, tenant_id=first.tenant_id, packet_pk=first.packet_pk,
                                    status=outbox.FAILED, attempts=2, last_error="HTTP 500", error_id="e0",
                                    created_at=now, updated_at=now, next_attempt_at=now))
    finally:
        engine.dispose()
