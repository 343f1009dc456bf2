"""``GET /healthz`` and ``GET /readyz``, the same on every server.

``/healthz`` is liveness: the process answers, nothing else is touched.
``/readyz`` is readiness (``bot.runtime.health.readiness``): 200 ``{"ready": true}`` when
the database answers and the index opens; 503 ``{"ready": false, "problems":
[...]}`` naming what is down. A load balancer or orchestrator sends traffic on
the second, restarts on the first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.runtime.health import readiness

if TYPE_CHECKING:
    from bot.core import Core


def readyz(core: Core, *, index: bool = True) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(_request: web.Request) -> web.Response:
        ready, body = await core.run(readiness, core, index=index)
        return web.json_response(body, status=200 if ready else 503)

    return handle
