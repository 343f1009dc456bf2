"""The inbound alert webhooks as an aiohttp application: HTTP in, ``bot.alerts.inbound`` call, JSON out.

Routes (all ``POST``, ``Authorization: Bearer <HANDOFF_INBOUND_TOKEN>``, or on a
``/{source}/{tenant}`` endpoint that endpoint's own token from the endpoints file):

  /alerts/{source}                a body of that source (alertmanager, grafana, ninjaone, datto-rmm,
                                  n-able, generic, or a mapped source of the endpoints file);
                                  the client from the body's own label/field or the clients table
  /alerts/{source}/{tenant}       the same, with this endpoint's tenant for alerts without one
  /hooks/connectwise, /hooks/halopsa, /hooks/autotask
                                  PSA callbacks, the PSA's own authentication (adapters/common/psa_hooks.py)
  GET /healthz                    liveness, no auth
  GET /readyz                     readiness (database; the index only when it is a Qdrant server), no auth

The converters and the endpoints file are in ``bot/alerts/`` (formats/, endpoints.py).

Answers: 200 ``{"accepted", "updated", "duplicate", "tenants", "signals", ...}``;
400 malformed (the field, or the JSON or XML position, at fault); 401 missing or
wrong token (or another endpoint's own token); 404 an unknown source; 409 an
alert id already stored under another client; 413 body larger than
``HANDOFF_INBOUND_MAX_BODY_BYTES``; 415 not JSON (not XML for n-able); 422 no tenant, unknown
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
import os
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web
from aiohttp.typedefs import Middleware

from adapters.common.health import readyz
from adapters.common.http import Handler, HttpError, check_bearer, check_length, json_errors, read_body
from adapters.common.observability import instrument
from adapters.common.psa_hooks import SIGNED_PATHS, add_psa_routes
from bot.alerts.endpoints import EndpointBook, load_endpoints
from bot.alerts.formats import FORMATS
from bot.alerts.inbound import Rejected, receive_alerts
from bot.core import Core
from bot.errors import Conflict

log = logging.getLogger("handoff.inbound")

CORE_KEY: web.AppKey[Core] = web.AppKey("core", Core)
EXECUTOR_KEY: web.AppKey[ThreadPoolExecutor] = web.AppKey("executor", ThreadPoolExecutor)
ENDPOINTS_KEY: web.AppKey[EndpointBook] = web.AppKey("endpoints", EndpointBook)
JSON_TYPES = ("application/json", "text/json", "application/octet-stream", "")
XML_TYPES = ("application/xml", "text/xml", "application/octet-stream", "")

STATUS = {"malformed": 400, "no_tenant": 422, "unknown_tenant": 422, "tenant_mismatch": 422, "conflict": 409}


def make_app(core: Core, *, insecure_no_auth: bool = False) -> web.Application:
    """The webhook app. Without a token it refuses to exist unless ``insecure_no_auth`` (local dev)."""
    token = core.settings.inbound_token
    endpoints = load_endpoints(core.settings.inbound_endpoints, os.environ)
    if not token and not insecure_no_auth and not any(e.token for e in endpoints.configured.values()):
        from bot.errors import ConfigError

        raise ConfigError("HANDOFF_INBOUND_TOKEN is not set: set it (the webhooks' bearer token) "
                          "or pass --insecure-no-auth for local development")
    limit = core.settings.inbound_max_body_bytes
    # read_body counts every body (chunked ones too); client_max_size is the same limit for anything else.
    app = web.Application(client_max_size=limit, middlewares=[json_errors(log), _auth(token, limit, endpoints)])
    app[CORE_KEY] = core
    app[ENDPOINTS_KEY] = endpoints
    workers = 1 if core.settings.resolved_database_url.startswith("sqlite") else 4
    app[EXECUTOR_KEY] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inbound")
    app.router.add_post("/alerts/{source}", _handle)
    app.router.add_post("/alerts/{source}/{tenant}", _handle)
    app.router.add_get("/healthz", _health)
    add_psa_routes(app, core)  # no chat here: PSA callbacks keep tickets current, nothing is posted
    app.router.add_get("/readyz", readyz(core, index=False))
    app.on_cleanup.append(_shutdown)
    return instrument(app, server="inbound")


async def _shutdown(app: web.Application) -> None:
    app[EXECUTOR_KEY].shutdown(wait=True)


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def _auth(token: str | None, limit: int, endpoints: EndpointBook) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in ("/healthz", "/readyz"):
            return await handler(request)
        # An endpoint's own token is good on that endpoint only; the global token everywhere.
        own = endpoints.token_for(request.match_info.get("source", ""), request.match_info.get("tenant"))
        allowed = [t for t in (token, own) if t]
        # A PSA callback carries the PSA's own signature (adapters/common/psa_hooks.py), not a bearer token.
        if allowed and request.path not in SIGNED_PATHS:
            check_bearer(request, allowed)
        check_length(request, limit)  # an announced oversized body is refused before a byte is read
        return await handler(request)

    return middleware


async def _handle(request: web.Request) -> web.Response:
    source, tenant = request.match_info["source"], request.match_info.get("tenant")
    settings = request.app[ENDPOINTS_KEY].resolve(source, tenant) if source != "generic" else None
    if settings is None and source != "generic":
        known = ", ".join(["generic", *request.app[ENDPOINTS_KEY].sources()])
        raise HttpError(404, "unknown_source", f"no alert source {source!r} (known: {known})")
    fmt = settings.format.name if settings else "generic"
    xml = fmt in FORMATS and FORMATS[fmt].body == "xml"
    if request.content_type not in (XML_TYPES if xml else JSON_TYPES):
        wanted = "application/xml" if xml else "application/json"
        raise HttpError(415, "unsupported_media_type", f"expected {wanted}, got {request.content_type}")
    core = request.app[CORE_KEY]
    raw = await read_body(request, core.settings.inbound_max_body_bytes)
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(
            request.app[EXECUTOR_KEY],
            lambda: receive_alerts(raw, fmt=fmt, endpoint_tenant=tenant, engine=core.engine, settings=settings),
        )
    except Rejected as exc:
        status = 409 if isinstance(exc, Conflict) else STATUS[exc.reason]
        raise HttpError(status, exc.reason, exc.message, problems=exc.problems) from None
    log.info("%s: %d new, %d updated, %d duplicate for %s", request.path, result.accepted, result.updated,
             result.duplicate, ",".join(result.tenants))
    return web.json_response(result.as_dict())
