"""Periodic work on a server, run by one replica at a time (``bot/runtime/leader.py``).

Each job has its own lease, named after what it does and where it posts, so
that each kind of server keeps doing its own periodic work while replicas of
the same kind share it: ``outbox:slack`` (the Slack servers' outbox worker),
``psa-sync:connectwise:slack`` (a ConnectWise sync whose escalations go to
Slack), ``psa-sync:connectwise:-`` (the inbound server's, which posts nothing).
A lease is tried (and renewed) every third of ``HANDOFF_LEASE_TTL_S``; only the
holder runs the job when its interval comes round. Stopping a server releases
its leases, so another replica takes over at its next try; a killed leader's
lease expires after ``HANDOFF_LEASE_TTL_S`` and another takes it then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.chat.outbox_worker import OutboxWorker, Redeliverer
from bot.runtime import telemetry
from bot.runtime.leader import Leadership

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("handoff.periodic")
LEASES: web.AppKey[dict[str, Leadership]] = web.AppKey("leases", dict)
WORKERS: web.AppKey[dict[str, OutboxWorker]] = web.AppKey("outbox_workers", dict)
LEASE_TASKS: web.AppKey[list[asyncio.Task[None]]] = web.AppKey("lease_tasks", list)


def leadership(app: web.Application, core: Core, name: str) -> Leadership:
    """The lease ``name`` of this server (made on first use; tried from the server's start on)."""
    if LEASES not in app:
        app[LEASES] = {}
        app.on_startup.append(_start_leases)
        app.on_cleanup.append(_stop_leases)
    leases = app[LEASES]
    if name not in leases:
        leases[name] = Leadership(core.engine, name, ttl_s=core.settings.lease_ttl_s)
    return leases[name]


def in_background(app: web.Application, loop: Callable[[], Awaitable[None]]) -> None:
    """Run ``loop`` as a task from the server's start; cancel it first thing at cleanup (before the leases
    are released, so a job never runs without its lease)."""
    task: list[asyncio.Task[None]] = []

    async def start(_app: web.Application) -> None:
        task.append(asyncio.create_task(loop()))

    async def stop(_app: web.Application) -> None:
        for t in task:
            t.cancel()
        await asyncio.gather(*task, return_exceptions=True)

    app.on_startup.append(start)
    app.on_cleanup.insert(0, stop)


def every(app: web.Application, lease: Leadership, interval_s: float, job: Callable[[], Awaitable[object]],
          *, what: str) -> None:
    """Run ``job`` every ``interval_s`` seconds while this process holds ``lease``; errors are logged, not fatal."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_s)
            if not lease.is_leader:
                continue
            try:
                await job()
            except Exception:  # one bad run must not end the job for the life of the server
                log.exception("%s failed; next try in %.0fs", what, interval_s)

    in_background(app, loop)


def add_outbox_gauges(app: web.Application, core: Core, *, every_s: float = 15.0) -> None:
    """``handoff_outbox_depth`` and ``..._oldest_age_seconds``, read from the database every ``every_s`` on every
    replica (not at scrape time: a scrape must not wait on a database that does not answer)."""

    async def loop() -> None:
        while True:
            try:
                telemetry.observe_outbox(*await asyncio.to_thread(core.outbox.waiting))
            except Exception as exc:  # the gauges keep their last values; readiness reports the database
                log.warning("outbox gauges not updated: %s", type(exc).__name__)
            await asyncio.sleep(every_s)

    in_background(app, loop)


def add_outbox_worker(app: web.Application, core: Core, redeliverer: Redeliverer) -> OutboxWorker | None:
    """The outbox worker for one platform, on the lease ``outbox:<platform>`` (off when the interval is 0),
    and the outbox gauges."""
    add_outbox_gauges(app, core)
    interval = core.settings.outbox_retry_interval_s
    if interval <= 0:
        return None
    worker = OutboxWorker(core, redeliverer)
    app.setdefault(WORKERS, {})[redeliverer.platform] = worker
    lease = leadership(app, core, f"outbox:{redeliverer.platform}")
    every(app, lease, interval, worker.run_once, what=f"the {redeliverer.platform} outbox worker")
    return worker


async def _start_leases(app: web.Application) -> None:
    app[LEASE_TASKS] = [asyncio.create_task(lease.run()) for lease in app[LEASES].values()]


async def _stop_leases(app: web.Application) -> None:
    tasks = app.get(LEASE_TASKS) or []
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
