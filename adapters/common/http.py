"""What every Handoff HTTP surface does the same way: the bearer token, the body limit, the error body.

Used by the Slack and Teams escalation webhooks and the inbound alert server,
so a PSA or RMM integrator meets one contract everywhere:

- ``Authorization: Bearer <HANDOFF_INBOUND_TOKEN>``; missing or wrong: 401.
- A body over ``HANDOFF_INBOUND_MAX_BODY_BYTES``: 413, whether it announced its
  length (refused before a byte is read) or came chunked (refused as soon as
  the limit is passed; never read whole into memory).
- Every refusal has one JSON shape, its ``error_id`` also in the log line:
  ``{"error": {"code": "too_large", "message": "...", "error_id": "3f2a..."}}``
  (plus ``problems`` naming fields, where there are several). An unexpected
  exception is a 500 of the same shape, logged with its traceback; a database that
  is down or does not answer in time is a 503 (retry later) of the same shape.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.db.engine import what_failed
from bot.errors import DatabaseUnavailable, new_error_id

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpError(Exception):
    """A refusal to answer as ``{"error": {...}}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, *, problems: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.problems = status, code, message, problems


def error_response(request: web.Request, status: int, code: str, message: str, *,
                   problems: list[tuple[str, str]] | None = None, logger: logging.Logger | None = None,
                   error_id: str | None = None) -> web.Response:
    error_id = error_id or new_error_id()
    (logger or logging.getLogger("handoff.http")).warning(
        "refused %s %s from %s: %s %s (error id %s): %s", request.method, request.path, request.remote, status, code,
        error_id, message)
    error: dict[str, Any] = {"code": code, "message": message, "error_id": error_id}
    if problems:
        error["problems"] = [{"field": f, "message": m} for f, m in problems]
    return web.json_response({"error": error}, status=status)


async def answer_errors(request: web.Request, handler: Handler, logger: logging.Logger) -> web.StreamResponse:
    """Run ``handler``: ``HttpError`` becomes its JSON answer, anything unexpected a 500 with a logged error id."""
    try:
        return await handler(request)
    except HttpError as exc:
        return error_response(request, exc.status, exc.code, exc.message, problems=exc.problems, logger=logger)
    except web.HTTPRequestEntityTooLarge as exc:  # aiohttp's own client_max_size, should a route read whole
        return error_response(request, 413, "too_large", exc.text or "body too large", logger=logger)
    except web.HTTPException:
        raise
    except (OperationalError, InterfaceError, DatabaseUnavailable) as exc:
        # The database is down or too slow: the caller should retry later (a PSA does on 5xx).
        return error_response(request, 503, "unavailable", f"the database is unavailable, try again later "
                              f"({what_failed(exc)})", logger=logger)
    except Exception:
        error_id = new_error_id()
        logger.exception("unexpected error %s on %s %s", error_id, request.method, request.path)
        return web.json_response({"error": {"code": "internal", "message": f"unexpected error (id {error_id})",
                                            "error_id": error_id}}, status=500)


def json_errors(logger: logging.Logger) -> Middleware:
    """``answer_errors`` as middleware, for an app whose every route speaks this error shape."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await answer_errors(request, handler, logger)

    return middleware


def with_json_errors(handler: Handler, logger: logging.Logger) -> Handler:
    """``answer_errors`` for one route of an app whose other routes answer in their own way."""

    async def route(request: web.Request) -> web.StreamResponse:
        return await answer_errors(request, handler, logger)

    return route


def check_bearer(request: web.Request, token: str | Sequence[str] | None, *, route: str = "this webhook") -> None:
    """401 unless the request carries ``Authorization: Bearer <token>`` (any of them, when several are
    good here: the inbound server's own token and an endpoint's); 503 when no token is configured."""
    tokens = [token] if isinstance(token, str) else [t for t in (token or []) if t]
    if not tokens:
        raise HttpError(503, "disabled", f"{route} is off: set HANDOFF_INBOUND_TOKEN")
    given = request.headers.get("Authorization", "").encode()
    # compare_digest: the time taken does not tell how much of the token was right; every token is
    # compared, so neither does which one matched.
    if not any([hmac.compare_digest(given, f"Bearer {t}".encode()) for t in tokens]):
        why = "missing" if not given else "wrong"
        raise HttpError(401, "unauthorized", f"{why} bearer token (Authorization: Bearer <token>)")


def check_length(request: web.Request, limit: int) -> None:
    """Refuse a body that announces it is over the limit, before reading a byte of it."""
    if request.content_length is not None and request.content_length > limit:
        raise HttpError(413, "too_large", f"body of {request.content_length} bytes exceeds the limit of {limit}")


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes; 413 past it.

    aiohttp quirk: ``request.content.read(n)`` returns whatever has arrived, up
    to ``n`` bytes (one chunk of a chunked body), not ``n`` bytes; reading once
    would take a prefix for the body. So read until the end, counting.
    """
    check_length(request, limit)
    body = bytearray()
    while True:
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            raise HttpError(413, "too_large", f"body exceeds the limit of {limit} bytes")


async def read_json(request: web.Request, limit: int) -> Any:
    """The body parsed as JSON (any JSON value); 413 past the limit, 400 naming the JSON error."""
    raw = await read_body(request, limit)
    try:
        return json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HttpError(400, "malformed", f"body is not JSON: {exc}") from None
    except RecursionError:  # 100,000 nested arrays exhaust the parser's stack: still the sender's error
        raise HttpError(400, "malformed", "body is not usable JSON: nested too deeply") from None
