"""``POST /hooks/connectwise``, ``/hooks/halopsa``, ``/hooks/autotask``: PSA callbacks, HTTP in,
``bot.psa`` call, JSON out.

Authenticated by the PSA's own scheme (ConnectWise's ``x-content-signature``,
HaloPSA's Basic credentials, Autotask's ``X-Hook-Signature``), not the inbound
bearer token, which a PSA callback cannot carry. All the logic (the
signature, the key URL check, dedupe, refetch, store, escalation) is in
``bot.psa.service``; this module only moves bytes and maps outcomes to answers:
200 stored/ignored/duplicate/unmapped (a retry would not change anything),
400 malformed, 401 not authentic, 502 the PSA could not be read (ConnectWise
retries the callback later), 503 not configured. With a connector configured,
the server also syncs changed tickets every ``HANDOFF_PSA_SYNC_INTERVAL`` seconds
(default 300; 0 = off), the safety net for callbacks that never arrived.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from bot.core import Core
from bot.errors import ConfigError
from bot.psa.base import WebhookRejected
from bot.psa.connectors import configured, make_service
from bot.psa.http import PsaError
from bot.psa.service import PsaService
from bot.psa.sync import run_sync

log = logging.getLogger("handoff.inbound.psa")

# Paths that carry their own authentication (the bearer-token middleware lets them through).
SIGNED_PATHS = ("/hooks/connectwise", "/hooks/halopsa", "/hooks/autotask")
SERVICES_KEY: web.AppKey[dict[str, PsaService]] = web.AppKey("psa_services", dict)


def add_psa_routes(app: web.Application, core: Core, executor_key: web.AppKey[ThreadPoolExecutor]) -> None:
    services: dict[str, PsaService] = {}
    for name in configured(core.settings):
        try:
            services[name] = make_service(name, core.engine, core.settings)
        except ConfigError as exc:
            log.warning("%s callbacks are off: %s", name, exc.message)
    app[SERVICES_KEY] = services
    app.router.add_post("/hooks/connectwise", _handler("connectwise", executor_key))
    app.router.add_post("/hooks/halopsa", _handler("halopsa", executor_key))
    app.router.add_post("/hooks/autotask", _handler("autotask", executor_key))
    interval = core.settings.psa_sync_interval_s
    tasks: list[asyncio.Task[None]] = []

    async def start(app: web.Application) -> None:
        if interval > 0:
            for service in services.values():
                tasks.append(asyncio.create_task(_sync_every(service, interval, app[executor_key])))

    async def close(app: web.Application) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for service in app[SERVICES_KEY].values():
            service.connector.close()

    app.on_startup.append(start)
    app.on_cleanup.append(close)


async def _sync_every(service: PsaService, interval: float, executor: ThreadPoolExecutor) -> None:
    """The safety net for lost callbacks: a sync from the watermark every ``interval`` seconds."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval)
        try:
            report = await loop.run_in_executor(executor, lambda: run_sync(service))
            log.info("%s interval sync: %d ticket(s), %d added, %d updated", service.connector.name,
                     report.tickets, report.added, report.updated)
        except PsaError as exc:
            log.warning("%s interval sync failed, next try in %.0fs: %s", service.connector.name, interval,
                        exc.message)
        except Exception:
            # Keep the loop alive: one bad run must not end the safety net for the life of the server.
            log.exception("%s interval sync failed unexpectedly", service.connector.name)


def _answer(status: int, error: str, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": error, "message": message}, status=status)


def _handler(name: str, executor_key: web.AppKey[ThreadPoolExecutor]):  # type: ignore[no-untyped-def]
    async def handle(request: web.Request) -> web.Response:
        service = request.app[SERVICES_KEY].get(name)
        if service is None:
            return _answer(503, "not_configured", f"{name} is not configured (HANDOFF_{name.upper()}_* settings)")
        raw = await request.read()  # aiohttp refuses bodies past client_max_size with 413
        headers = dict(request.headers)
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(request.app[executor_key],
                                                 lambda: service.handle_webhook(raw, headers))
        except WebhookRejected as exc:
            log.warning("refused %s callback from %s: %s %s: %s", name, request.remote, exc.status, exc.reason,
                        exc.message)
            return _answer(exc.status, exc.reason, exc.message)
        except PsaError as exc:
            log.warning("%s callback not processed, the PSA could not be read: %s", name, exc.message)
            return _answer(502, "psa_unavailable", exc.message)
        log.info("%s callback: %s %s", name, outcome.status, outcome.ticket_id or "")
        return web.json_response(outcome.as_dict())

    return handle
