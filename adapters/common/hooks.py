"""``POST /hooks/escalation``, the same for every chat front end.

Body ``{"ticket_id": "4412"}`` (or ``ticket``), ``Authorization: Bearer
<HANDOFF_INBOUND_TOKEN>``, an optional ``Idempotency-Key`` header (or
``delivery_id``) naming the delivery. Answers: 200/409/502 with one outcome per
home channel (``bot.chat.escalation``); 400 bad body, 401 bad token, 404
unknown ticket (one Handoff has not seen is first fetched from the configured PSA), 409 no home channel on this platform, 413 body too large, 503
no token configured: the error shape of ``adapters.common.http``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.common.http import Handler, HttpError, check_bearer, read_json, with_json_errors
from bot.chat import escalation
from bot.errors import BadInput, NotFound
from bot.psa.connectors import fetch_unknown_ticket

if TYPE_CHECKING:
    from bot.core import Core

ROUTE = "/hooks/escalation"


def escalation_hook(core: Core, *, poster: escalation.ChannelPoster, logger: logging.Logger,
                    track: Callable[[str], AbstractAsyncContextManager[None]] | None = None) -> Handler:
    """The route's handler; ``track`` counts the work so that shutdown lets it finish."""

    async def handle(request: web.Request) -> web.StreamResponse:
        check_bearer(request, core.settings.inbound_token, route="the escalation webhook")
        body = await read_json(request, core.settings.inbound_max_body_bytes)
        try:
            ticket, delivery = escalation.parse_request(body, idempotency_key=request.headers.get("Idempotency-Key"))
        except BadInput as exc:
            raise HttpError(400, "malformed", exc.message) from None
        async with track("hook") if track else nullcontext():
            try:
                result = await _escalate(core, ticket, poster=poster, delivery=delivery, logger=logger)
            except NotFound as exc:
                raise HttpError(404, "not_found", exc.message) from None
            except escalation.NoHomeChannel as exc:
                raise HttpError(409, "no_channel", exc.message) from None
        logger.info("escalation of #%s: %s", ticket, ", ".join(f"{o.channel} {o.status}" for o in result.outcomes))
        return web.json_response(result.as_dict(), status=result.http_status)

    return with_json_errors(handle, logger)


async def _escalate(core: Core, ticket: str, *, poster: escalation.ChannelPoster, delivery: str | None,
                    logger: logging.Logger) -> escalation.Escalation:
    """The flow; a ticket number Handoff has not seen is fetched from the configured PSA first."""
    try:
        return await escalation.escalate(core, ticket, poster=poster, delivery=delivery, logger=logger)
    except NotFound:
        found = await asyncio.to_thread(fetch_unknown_ticket, ticket, core.engine, core.settings)
        if found not in ("stored", "unchanged"):
            raise
        logger.info("escalation of #%s: fetched from the PSA first", ticket)
        return await escalation.escalate(core, ticket, poster=poster, delivery=delivery, logger=logger)
