"""``POST /hooks/connectwise``, ``/hooks/halopsa``, ``/hooks/autotask``: PSA callbacks, HTTP in,
``bot.psa`` call, then the packet through the one escalation flow (``bot.chat.escalation``).

Authenticated by the PSA's own scheme (ConnectWise's ``x-content-signature``,
HaloPSA's Basic credentials, Autotask's ``X-Hook-Signature``), not the bearer
token, which a PSA callback cannot carry. All the logic (signatures, the key
URL check, dedupe, refetch, store, escalation detection) is in ``bot.psa``.

Mounted on the Slack and Teams servers with their ``ChannelPoster``: an
escalation is posted to the client's channels on that platform, once per
escalation and channel (the delivery key is the escalation's key: the ticket
and the time it moved). Mounted on the inbound alert server without posters:
tickets are kept current, nothing is posted.

Answers: 200 ``{"ok", "status", "ticket", "escalation", "channels"}``; 400
malformed, 401 not authentic, 502 the PSA could not be read (the PSA retries),
503 not configured; the error shape of ``adapters.common.http``. With a PSA
configured the server also syncs every ``HANDOFF_PSA_SYNC_INTERVAL`` seconds
(default 300; 0 = off), the safety net for callbacks that never arrived; of
several replicas only the holder of the sync's lease does (``adapters/common/periodic.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from adapters.common.http import HttpError, read_body, with_json_errors
from adapters.common.periodic import every, leadership
from bot.chat import escalation
from bot.errors import ConfigError, Conflict, HandoffError
from bot.psa.base import WebhookRejected
from bot.psa.connectors import configured, make_service
from bot.psa.http import PsaError
from bot.psa.service import EscalationEvent, PsaService
from bot.psa.sync import run_sync

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("handoff.psa.hooks")

ROUTES = {"connectwise": "/hooks/connectwise", "halopsa": "/hooks/halopsa", "autotask": "/hooks/autotask"}
SIGNED_PATHS = tuple(ROUTES.values())  # the bearer-token check leaves these to the PSA's own scheme
SERVICES_KEY: web.AppKey[dict[str, PsaService]] = web.AppKey("psa_services", dict)


async def deliver(core: Core, event: EscalationEvent, posters: Sequence[escalation.ChannelPoster]) -> list[Any]:
    """The escalation's packet to the client's channels on each platform, through the one flow."""
    results = []
    for poster in posters:
        try:
            result = await escalation.escalate(core, event.ticket_id, poster=poster, delivery=event.key, logger=log)
        except HandoffError as exc:  # no channel on this platform, or the ticket vanished
            log.info("escalation %s not posted to %s: %s", event.key, poster.platform, exc.message)
            results.append({"platform": poster.platform, "status": "not_posted", "reason": exc.message})
            continue
        log.info("escalation %s: %s", event.key, ", ".join(f"{o.channel} {o.status}" for o in result.outcomes))
        results.extend({"platform": poster.platform, **o.as_dict()} for o in result.outcomes)
    return results


def add_psa_routes(app: web.Application, core: Core, *,
                   posters: Sequence[escalation.ChannelPoster] = ()) -> None:
    services: dict[str, PsaService] = {}
    for name in configured(core.settings):
        try:
            services[name] = make_service(name, core.engine, core.settings)
        except ConfigError as exc:
            log.warning("%s callbacks are off: %s", name, exc.message)
    app[SERVICES_KEY] = services
    for name, path in ROUTES.items():
        app.router.add_post(path, with_json_errors(_handler(core, name, posters), log))
    interval = core.settings.psa_sync_interval_s
    if interval > 0:
        # One replica syncs (the lease's holder); the lease is per PSA and per platform posted to, so the
        # Slack servers' sync still posts to Slack and the inbound server's posts nothing (adapters/common/periodic.py).
        where = "+".join(sorted(p.platform for p in posters)) or "-"
        for service in services.values():
            lease = leadership(app, core, f"psa-sync:{service.connector.name}:{where}")
            every(app, lease, interval, partial(_sync_once, core, service, posters),
                  what=f"the {service.connector.name} interval sync")

    async def close(app: web.Application) -> None:
        for service in app[SERVICES_KEY].values():
            service.connector.close()

    app.on_cleanup.append(close)


def _handler(core: Core, name: str, posters: Sequence[escalation.ChannelPoster]):  # type: ignore[no-untyped-def]
    async def handle(request: web.Request) -> web.Response:
        service = request.app[SERVICES_KEY].get(name)
        if service is None:
            raise HttpError(503, "not_configured", f"{name} is not configured (HANDOFF_{name.upper()}_* settings)")
        raw = await read_body(request, core.settings.inbound_max_body_bytes)
        headers = dict(request.headers)
        try:
            outcome = await asyncio.to_thread(service.handle_webhook, raw, headers)
        except WebhookRejected as exc:
            raise HttpError(exc.status, exc.reason, exc.message) from None
        except PsaError as exc:
            raise HttpError(502, "psa_unavailable", exc.message) from None
        body: dict[str, Any] = outcome.as_dict()
        if outcome.escalation is not None:
            body["channels"] = await deliver(core, outcome.escalation, posters)
        log.info("%s callback: %s %s", name, outcome.status, outcome.ticket_id or "")
        return web.json_response(body)

    return handle


async def _sync_once(core: Core, service: PsaService, posters: Sequence[escalation.ChannelPoster]) -> None:
    """A sync from the watermark (on the leader); escalations it finds are posted like a callback's."""
    try:
        report = await asyncio.to_thread(run_sync, service)
        for event in report.escalations:
            await deliver(core, event, posters)
        log.info("%s interval sync: %d ticket(s), %d added, %d updated", service.connector.name,
                 report.tickets, report.added, report.updated)
    except PsaError as exc:
        log.warning("%s interval sync failed, next try at the next interval: %s", service.connector.name,
                    exc.message)
    except Conflict as exc:  # a sync of this PSA runs elsewhere (another kind of server, `handoff sync`)
        log.info("%s interval sync skipped: %s", service.connector.name, exc.message)
