"""Running the Slack app: over HTTP (aiohttp) or in Socket Mode.

HTTP: ``POST /slack/events`` (slash commands, events, interactivity: one
Request URL for all three; 503 in the JSON error shape while the database is down, so Slack
re-sends), ``POST /hooks/escalation``, ``GET /healthz`` (liveness) and ``GET /readyz`` (database and index).
Socket Mode: the app dials out to Slack over a websocket, so no public
ingress is needed; ``--port`` additionally serves the webhook and the health
check on the local network.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import signal
import time
from contextlib import suppress

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.common.health import readyz
from adapters.common.hooks import ROUTE as ESCALATION_ROUTE
from adapters.common.hooks import escalation_hook
from adapters.common.http import HttpError, read_body, with_json_errors
from adapters.common.observability import instrument
from adapters.common.periodic import add_outbox_worker
from adapters.common.psa_hooks import add_psa_routes
from adapters.slack.app import SlackFrontEnd, build_app
from adapters.slack.payloads import request_body, shape_problem
from adapters.slack.redeliver import SlackRedeliverer
from bot.core import Core
from bot.errors import ConfigError
from bot.runtime.health import DatabaseProbe

log = logging.getLogger("handoff.slack")
EVENTS_PATH = "/slack/events"
MAX_SLACK_BODY = 1_000_000  # Slack's own payloads are far smaller; a larger body is not Slack's
FRONT = web.AppKey("front", SlackFrontEnd)


def web_app(core: Core, *, client: AsyncWebClient | None = None, bolt: AsyncApp | None = None,
            front: SlackFrontEnd | None = None) -> web.Application:
    """The aiohttp application. With ``bolt`` None the app is built here (HTTP mode)."""
    if bolt is None:
        bolt, front = build_app(core, client=client)
    assert front is not None
    app = web.Application()
    app[FRONT] = front

    probe = DatabaseProbe(front.core)
    secret = front.core.settings.slack_signing_secret or ""

    async def slack_events(request: web.Request) -> web.StreamResponse:
        # Nothing is acked while the database is down: Slack re-sends events answered with an error
        # (its retry policy), and a reaction or NOC message acked now could not be recorded.
        body = await read_body(request, MAX_SLACK_BODY)
        check_signature(request, body, secret)
        problem = await front.core.run(probe.problem)
        if problem is not None:
            raise HttpError(503, "unavailable", f"Handoff can't record this now ({problem}); Slack retries later")
        try:
            problem = shape_problem(request_body(body, request.content_type))
        except (ValueError, KeyError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deeply
            problem = f"not a Slack request body: {exc}"
        if problem is not None:
            raise HttpError(400, "malformed", problem)
        try:
            # Bolt reads fields of the body (authorizations[0], event.enterprise_id...) while building its
            # request, before any listener: a signed but malformed body is the sender's error, a 400.
            # Listener errors never reach here (Bolt hands them to SlackFrontEnd.on_error).
            bolt_request = AsyncBoltRequest(body=body.decode("utf-8"), query=request.query_string,
                                            headers=request.headers)  # type: ignore[arg-type]
            answer = await bolt.async_dispatch(bolt_request)
        except (KeyError, IndexError, AttributeError, TypeError, ValueError) as exc:
            raise HttpError(400, "malformed", f"not a Slack request body: {type(exc).__name__} {exc}") from None
        return await to_aiohttp_response(answer)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "in_flight": front.work.running})

    app.router.add_post(EVENTS_PATH, with_json_errors(slack_events, log))
    app.router.add_post(ESCALATION_ROUTE, escalation_hook(front.core, poster=front, logger=log,
                                                          track=front.work.track))
    add_psa_routes(app, front.core, posters=[front])  # PSA callbacks: an escalation posts its packet here
    add_outbox_worker(app, front.core, SlackRedeliverer(front))  # posts left failed or stuck, on one replica
    app.router.add_get("/healthz", health)
    app.router.add_get("/readyz", readyz(front.core))
    return instrument(app, server="slack")


def check_signature(request: web.Request, body: bytes, secret: str) -> None:
    """Slack's v0 signature over the raw body, checked before anything reads the body
    (https://api.slack.com/authentication/verifying-requests-from-slack); 401 naming what is wrong."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not timestamp.strip().isdigit():
        raise HttpError(401, "unauthorized", "X-Slack-Request-Timestamp is missing or not a number")
    if abs(time.time() - int(timestamp)) > 60 * 5:
        raise HttpError(401, "unauthorized", "X-Slack-Request-Timestamp is more than 5 minutes off")
    # Over the raw bytes (slack_sdk's verifier decodes them as UTF-8 first, and raises on other bytes).
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise HttpError(401, "unauthorized", "X-Slack-Signature does not match the body")


def hooks_app(front: SlackFrontEnd) -> web.Application:
    """Socket Mode's local HTTP side: the webhook and the health check, no Slack events."""
    app = web.Application()
    app[FRONT] = front

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "in_flight": front.work.running})

    app.router.add_post(ESCALATION_ROUTE, escalation_hook(front.core, poster=front, logger=log,
                                                          track=front.work.track))
    add_psa_routes(app, front.core, posters=[front])
    add_outbox_worker(app, front.core, SlackRedeliverer(front))
    app.router.add_get("/healthz", health)
    app.router.add_get("/readyz", readyz(front.core))
    return instrument(app, server="slack")


def check_settings(core: Core, *, socket_mode: bool) -> None:
    s = core.settings
    if not s.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...).")
    if socket_mode and not (s.slack_app_token or "").startswith("xapp-"):
        raise ConfigError("Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-...) with connections:write.")
    if not socket_mode and not s.slack_signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET is not set: Handoff can't verify requests from Slack.")


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def _bound_port(runner: web.AppRunner, asked: int) -> int:
    """The port actually listened on (``--port 0`` asks the OS for a free one)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return asked


async def serve(core: Core, *, host: str = "127.0.0.1", port: int | None = 3000, socket_mode: bool = False) -> None:
    check_settings(core, socket_mode=socket_mode)
    await asyncio.to_thread(core.open_for_serving)  # before requests; on PostgreSQL refuses an old schema
    await asyncio.to_thread(core.check_configuration, platforms=("slack",))
    bolt, front = build_app(core, socket_mode=socket_mode)
    runner: web.AppRunner | None = None
    handler: AsyncSocketModeHandler | None = None
    try:
        if socket_mode:
            handler = AsyncSocketModeHandler(bolt, app_token=core.settings.slack_app_token)
            await handler.connect_async()
            log.warning("Handoff is connected to Slack in Socket Mode")
            if port is not None:
                runner = await _start_site(hooks_app(front), host, port)
                log.warning("webhook and health check on http://%s:%s", host, _bound_port(runner, port))
        else:
            asked = 3000 if port is None else port
            runner = await _start_site(web_app(core, bolt=bolt, front=front), host, asked)
            log.warning("Handoff listens for Slack on http://%s:%s%s", host, _bound_port(runner, asked), EVENTS_PATH)
        await _until_stopped()
    finally:
        # Let packets that were already acked reach their channel before leaving.
        with suppress(TimeoutError):
            await front.work.settle(timeout=20)
        if handler is not None:
            await handler.close_async()
        if runner is not None:
            await runner.cleanup()
