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
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bench.support.fake_slack import BOT_TOKEN, SECRET, FakeSlack
from bot.chat import outbox
from bot.config import Settings
from bot.core import Core
from bot.db.engine import make_engine, session_scope
from bot.db.models import OutboxEntry, utcnow
from bot.ingest.loader import ingest_folder
from bot.runtime.leader import holders
from tests.adapters.test_slack_serve import free_port
from tests.harness import throwaway_pg
from tests.harness.slack_harness import ACME, HOOK_TOKEN
from tests.harness.worlds import write_world

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
TTL_S = 3.0  # HANDOFF_LEASE_TTL_S: renewed every second, taken over at most ~TTL after the holder dies


@pytest.fixture
def pg() -> Iterator[throwaway_pg.ThrowawayPostgres]:
    why = throwaway_pg.available()
    if why:
        pytest.skip(f"no throwaway PostgreSQL: {why}")
    root = Path(tempfile.mkdtemp(prefix="handoff-pg-"))
    root.chmod(0o755)  # the postgres user must reach its folder
    try:
        server = throwaway_pg.ThrowawayPostgres(root / "pg").init()
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


class Server:
    def __init__(self, proc: asyncio.subprocess.Process, port: int, log: Path):
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
async def servers(tmp_path: Path, pg: throwaway_pg.ThrowawayPostgres) -> AsyncIterator[tuple[FakeSlack, list[Server]]]:
    world = write_world(tmp_path / "world")
    core = Core(Settings(data_dir=tmp_path / "setup", database_url=pg.url))  # migrates the fresh database
    assert ingest_folder(world, engine=core.engine).ok
    core.close()
    fake = await FakeSlack().start()
    procs: list[Server] = []
    for n in (1, 2):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_"))}
        env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, HANDOFF_SLACK_API_URL=fake.api_url,
                   HANDOFF_DATABASE_URL=pg.url, HANDOFF_DATA_DIR=str(tmp_path / f"replica{n}"),
                   HANDOFF_INBOUND_TOKEN=HOOK_TOKEN, HANDOFF_LEASE_TTL_S=str(TTL_S),
                   HANDOFF_OUTBOX_RETRY_INTERVAL_S="0.5", HANDOFF_DB_CONNECT_TIMEOUT_S="2",
                   HANDOFF_DB_STATEMENT_TIMEOUT_S="5", PYTHONPATH=str(ROOT))
        log = tmp_path / f"replica{n}.log"  # a file, not a pipe: a full pipe would stall a chatty server
        with log.open("wb") as sink:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "adapters.cli.main", "serve", "slack", "--host", "127.0.0.1", "--port",
                str(port), cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=sink)
        procs.append(Server(proc, port, log))
    try:
        async with aiohttp.ClientSession() as http:
            for server in procs:
                await wait_status(http, server, "/healthz", 200, timeout=90)
        yield fake, procs
    finally:
        for server in procs:
            if server.proc.returncode is None:
                server.proc.send_signal(signal.SIGTERM)
        for server in procs:
            await asyncio.wait_for(server.proc.wait(), 30)
        await fake.stop()


async def wait_status(http: aiohttp.ClientSession, server: Server, path: str, status: int, *,
                      timeout: float) -> float:
    started = time.monotonic()
    while True:
        try:
            async with http.get(server.url + path) as r:
                if r.status == status:
                    return time.monotonic() - started
        except aiohttp.ClientConnectionError:
            pass
        if server.proc.returncode is not None:
            raise AssertionError(f"server exited {server.proc.returncode}: {server.log.read_text()[-3000:]}")
        assert time.monotonic() - started < timeout, f"{path} never answered {status}"
        await asyncio.sleep(0.1)


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
        servers: tuple[FakeSlack, list[Server]], pg: throwaway_pg.ThrowawayPostgres) -> None:
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
