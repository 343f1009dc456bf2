"""``GET /metrics`` and per-request bookkeeping for every Handoff HTTP server.

``instrument(app, server="slack")`` adds, as the outermost middleware:

- a request id: the caller's ``X-Request-Id`` when it is a sane token (a
  proxy's or the ingress's), else a new one; echoed in the response header and
  carried by every log line of the request (``bot.runtime.logs``);
- the request count and latency per *route pattern* (``/alerts/{source}``,
  never the raw path: the label set stays bounded), and each refusal by its
  reason: the ``code`` of the common JSON error body (``unauthorized``,
  ``too_large``, ...) or ``http_<status>`` for answers of another shape
  (Bolt's 401 on a bad Slack signature);
- ``GET /metrics``: the Prometheus text format of ``bot.runtime.telemetry``, answered
  before any authentication middleware (it holds counts, never a tenant or
  text; keep the port off the public ingress, as the manifests do).
"""

from __future__ import annotations

import json
import re
import time
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.runtime import telemetry
from bot.runtime.logs import request_id_var, tenant_var

METRICS_PATH = "/metrics"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Probes and scrapes every few seconds would drown the request numbers; they are counted, not timed.
_QUIET = frozenset({"/healthz", "/readyz", METRICS_PATH})


def instrument(app: web.Application, *, server: str) -> web.Application:
    app.middlewares.insert(0, _middleware(server))
    app.router.add_get(METRICS_PATH, _metrics)
    return app


async def _metrics(_request: web.Request) -> web.Response:
    return web.Response(body=telemetry.render(), headers={"Content-Type": telemetry.CONTENT_TYPE})


def _route_of(request: web.Request) -> str:
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "unmatched"


def _reason(response: web.StreamResponse) -> str:
    body = getattr(response, "body", None)
    if isinstance(body, bytes) and response.content_type == "application/json":
        try:
            code = json.loads(body).get("error", {}).get("code")
        except (ValueError, AttributeError):
            code = None
        if isinstance(code, str) and _SANE_ID.fullmatch(code):
            return code
    return f"http_{response.status}"


def _middleware(server: str):  # type: ignore[no-untyped-def]
    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.headers.get("X-Request-Id", "")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        id_token, tenant_token = request_id_var.set(request_id), tenant_var.set(None)
        started = time.perf_counter()
        route = _route_of(request)
        response: web.StreamResponse
        try:
            if request.path == METRICS_PATH and request.method == "GET":
                response = await _metrics(request)  # ahead of the app's own authentication middlewares
            else:
                response = await handler(request)
        except web.HTTPException as exc:  # aiohttp's own answers (404, 405) arrive raised
            _record(server, route, request, exc.status, started, reason=f"http_{exc.status}")
            exc.headers["X-Request-Id"] = request_id
            raise
        except BaseException:
            _record(server, route, request, 500, started, reason="internal")
            raise
        finally:
            request_id_var.reset(id_token)
            tenant_var.reset(tenant_token)
        _record(server, route, request, response.status, started,
                reason=_reason(response) if response.status >= 400 else None)
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
        return response

    return observe


def _record(server: str, route: str, request: web.Request, status: int, started: float, *,
            reason: str | None) -> None:
    telemetry.http_requests.labels(server=server, route=route, method=request.method, status=str(status)).inc()
    if request.path not in _QUIET:
        telemetry.http_latency.labels(server=server, route=route).observe(time.perf_counter() - started)
    if reason is not None:
        telemetry.webhook_rejections.labels(server=server, reason=reason).inc()
