"""Periodic work on servers (adapters/common/periodic.py): of two servers on one database only the lease's
holder runs a job; when it stops (and releases its lease) the other takes the job over at its next try.
The PSA interval sync and the outbox worker both run this way."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.common.periodic import every, leadership
from bot.config import Settings
from bot.core import Core


def server(core: Core, runs: list[str], name: str) -> web.Application:
    app = web.Application()
    lease = leadership(app, core, "psa-sync:connectwise:slack")

    async def job() -> None:
        runs.append(name)

    every(app, lease, 0.05, job, what="a test job")
    return app


async def test_one_of_two_servers_runs_the_job_and_the_other_takes_over(tmp_path: Path, db_url: str) -> None:
    core = Core(Settings(data_dir=tmp_path, database_url=db_url, lease_ttl_s=1.5))
    runs: list[str] = []
    one, two = TestServer(server(core, runs, "one")), TestServer(server(core, runs, "two"))
    await one.start_server()
    await two.start_server()
    try:
        await asyncio.sleep(1.0)
        assert runs and len(set(runs)) == 1, runs  # one leader; the other never ran the job
        leader, other = (one, two) if runs[0] == "one" else (two, one)
        stopped = time.monotonic()
        await leader.close()  # a clean stop releases the lease
        runs.clear()
        while not runs:
            assert time.monotonic() - stopped < 3, "the other server did not take the job over"
            await asyncio.sleep(0.05)
        assert set(runs) == {"two" if leader is one else "one"}
    finally:
        await one.close()
        await two.close()
        core.close()
