"""The inbound alert webhooks as an aiohttp application: HTTP in, ``bot.alerts.inbound`` call, JSON out.

Routes (all ``POST``, JSON bodies, ``Authorization: Bearer <HANDOFF_INBOUND_TOKEN>``):

  /alerts/alertmanager            Alertmanager v4 body; tenant from the label ``tenant`` or ``client``
  /alerts/alertmanager/{tenant}   the same, with this endpoint's tenant for alerts without such a label
  /alerts/generic                 one alert object or a list, the ``alerts.jsonl`` format
  /alerts/generic/{tenant}        the same, with this endpoint's tenant for alerts without ``tenant``
  GET /healthz                    liveness, no auth

Answers: 200 ``{"accepted", "updated", "duplicate", "tenants", "signals", ...}``;
400 malformed (the field or JSON position at fault); 401 missing or wrong
token; 409 an alert id already stored under another client; 413 body larger
than ``HANDOFF_INBOUND_MAX_BODY_BYTES``; 415 not JSON; 422 no tenant, unknown
tenant, or a tenant other than the endpoint's. Refusals have the shape of
``adapters.common.http`` (``{"error": {"code", "message", "error_id",
"problems"}}``); each is logged with its reason, and nothing of a refused body
is stored.

The core is synchronous SQL; it runs in a small thread pool so the event loop
keeps accepting requests while one is stored (one thread for SQLite, whose
writers queue anyway).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from aiohttp.typedefs import Middleware

from adapters.common.http import (
    Handler,
    HttpError,
    check_bearer,
    check_length,
    json_errors,
    read_body,
)
from bot.alerts.inbound import Format, Rejected, receive_alerts
from bot.core import Core

log = logging.getLogger("handoff.inbound")

CORE_KEY: web.AppKey[Core] = web.AppKey("core", Core)
EXECUTOR_KEY: web.AppKey[ThreadPoolExecutor] = web.AppKey("executor", ThreadPoolExecutor)

STATUS = {"malformed": 400, "no_tenant": 422, "unknown_tenant": 422, "tenant_mismatch": 422, "conflict": 409}


def make_app(core: Core, *, insecure_no_auth: bool = False) -> web.Application:
    """The webhook app. Without a token it refuses to exist unless ``insecure_no_auth`` (local dev)."""
    token = core.settings.inbound_token
    if not token and not insecure_no_auth:
        from bot.errors import ConfigError

        raise ConfigError("HANDOFF_INBOUND_TOKEN is not set: set it (the webhooks' bearer token) "
                          "or pass --insecure-no-auth for local development")
    limit = core.settings.inbound_max_body_bytes
    # read_body counts every body (chunked ones too); client_max_size is the same limit for anything else.
    app = web.Application(client_max_size=limit, middlewares=[json_errors(log), _auth(token, limit)])
    app[CORE_KEY] = core
    workers = 1 if core.settings.resolved_database_url.startswith("sqlite") else 4
    app[EXECUTOR_KEY] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inbound")
    app.router.add_post("/alerts/alertmanager", _handler("alertmanager"))
    app.router.add_post("/alerts/alertmanager/{tenant}", _handler("alertmanager"))
    app.router.add_post("/alerts/generic", _handler("generic"))
    app.router.add_post("/alerts/generic/{tenant}", _handler("generic"))
    app.router.add_get("/healthz", _health)
    app.on_cleanup.append(_shutdown)
    return app


async def _shutdown(app: web.Application) -> None:
    app[EXECUTOR_KEY].shutdown(wait=True)


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def _auth(token: str | None, limit: int) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/healthz":
            return await handler(request)
        if token is not None:
            check_bearer(request, token)
        check_length(request, limit)  # an announced oversized body is refused before a byte is read
        return await handler(request)

    return middleware


def _handler(fmt: Format) -> Handler:
    async def handle(request: web.Request) -> web.Response:
        if request.content_type not in ("application/json", "text/json", "application/octet-stream", ""):
            raise HttpError(415, "unsupported_media_type", f"expected application/json, got {request.content_type}")
        raw = await read_body(request, request.app[CORE_KEY].settings.inbound_max_body_bytes)
        core = request.app[CORE_KEY]
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                request.app[EXECUTOR_KEY],
                lambda: receive_alerts(raw, fmt=fmt, endpoint_tenant=request.match_info.get("tenant"),
                                       engine=core.engine),
            )
        except Rejected as exc:
            raise HttpError(STATUS[exc.reason], exc.reason, exc.message, problems=exc.problems) from None
        log.info("%s: %d new, %d updated, %d duplicate for %s", request.path, result.accepted, result.updated,
                 result.duplicate, ",".join(result.tenants))
        return web.json_response(result.as_dict())

    return handle
