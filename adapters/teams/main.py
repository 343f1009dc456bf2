"""The Teams bot's web server: ``handoff serve teams``.

Routes:

  POST /api/messages        Bot Framework activities (CloudAdapter); JWT-validated when MicrosoftAppId is set
  POST /hooks/escalation    ``{"ticket_id": "4412"}`` with ``Authorization: Bearer <HANDOFF_INBOUND_TOKEN>``:
                            post the ticket's packet into its client's Teams channels (the Slack front
                            end's contract: ``Idempotency-Key`` names the delivery, answers per channel)
  GET  /healthz             liveness, no auth
  GET  /readyz              readiness: database and index (503 naming what is down), no auth

Authentication of ``/api/messages``:

- With ``MicrosoftAppId`` set (production) the CloudAdapter validates every
  request's Bot Framework JWT (issuer, signature against Microsoft's OpenID
  keys, audience = the app id, ``serviceurl`` claim = the activity's). No token
  or an invalid one: 401. ``MicrosoftAppTenantId`` is then required too: it is
  how conversations of other Microsoft 365 tenants are recognised and refused.
- Without an app id (local development) the adapter accepts requests without a
  token, and start-up logs an ``UNAUTHENTICATED`` warning.
- Either way a malformed ``Authorization`` header is a 401. (Bot Framework
  quirk: the SDK decodes the header with PyJWT before validating it, and a
  ``jwt.DecodeError`` escaping from there would be an HTTP 500.)
"""

from __future__ import annotations

import logging
import re
from typing import Any

import jwt
import requests
from aiohttp import web
from azure.core.exceptions import DeserializationError
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication
from msrest.exceptions import DeserializationError as MsrestDeserializationError

from adapters.common.health import readyz
from adapters.common.hooks import ROUTE as ESCALATION_ROUTE
from adapters.common.hooks import escalation_hook
from adapters.common.http import error_response, with_json_errors
from adapters.common.observability import instrument
from adapters.common.periodic import add_outbox_worker
from adapters.common.psa_hooks import add_psa_routes
from adapters.teams import activity as act
from adapters.teams.bot import HandoffBot
from adapters.teams.manifest import GUID
from adapters.teams.posting import BoundedConnector, TeamsPoster, on_turn_error
from adapters.teams.redeliver import TeamsRedeliverer
from bot.config import Settings
from bot.core import Core
from bot.errors import ConfigError

log = logging.getLogger("handoff.teams")

CORE_KEY: web.AppKey[Core] = web.AppKey("core", Core)
BOT_KEY: web.AppKey[HandoffBot] = web.AppKey("bot", HandoffBot)
ADAPTER_KEY: web.AppKey[CloudAdapter] = web.AppKey("adapter", CloudAdapter)

_BEARER = re.compile(r"Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
UNAUTHENTICATED_WARNING = (
    "UNAUTHENTICATED: MicrosoftAppId is not set, so /api/messages accepts activities without a Bot Framework "
    "token and anyone who can reach this port can talk to the bot as any user. Use this only for local "
    "development; set MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId in production."
)


class BotConfig:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads, from Handoff's settings."""

    def __init__(self, settings: Settings):
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = settings.microsoft_app_password
        # Without an app id there is nothing to authenticate as; the SDK's SingleTenant factory would
        # refuse to start (deploy/handoff.env.example presets SingleTenant), MultiTenant means "auth off".
        self.APP_TYPE = settings.microsoft_app_type if settings.microsoft_app_id else "MultiTenant"
        self.APP_TENANTID = settings.microsoft_app_tenant_id


class KeysUnavailable(Exception):
    """Microsoft's token signing keys could not be fetched: an outage, not a bad request."""


class StrictAuthentication(BotFrameworkAuthentication):
    """The SDK's authentication, with every way a token can be bad ending as ``PermissionError`` (401).

    Bot Framework quirk: besides ``PermissionError``, a forged or garbled token
    can make the SDK raise ``jwt.DecodeError``, ``IndexError`` (a key id Microsoft
    never issued) or a bare ``Exception`` (endorsements), each an HTTP 500 if it
    escaped. A failure to fetch the signing keys is kept apart (503).
    """

    def __init__(self, inner: BotFrameworkAuthentication):
        self._inner = inner

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            return await self._inner.authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except requests.RequestException as exc:
            raise KeysUnavailable(str(exc)) from exc
        except Exception as exc:
            raise PermissionError(f"invalid token: {type(exc).__name__}") from exc

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> Any:
        raise PermissionError("streaming connections are not used by Handoff")

    def create_connector_factory(self, claims_identity: Any) -> Any:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: Any) -> Any:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self) -> Any:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> Any:
        return await self._inner.authenticate_channel_request(auth_header)


def authenticated(settings: Settings) -> bool:
    """Whether requests are authenticated; ``ConfigError`` for a half-configured production setup."""
    if not settings.microsoft_app_id:
        return False
    if not GUID.match(settings.microsoft_app_id) or not settings.microsoft_app_id.strip("0-"):
        raise ConfigError(f"MicrosoftAppId {settings.microsoft_app_id!r} is not a bot's app id (a GUID from the "
                          "Azure Bot registration)")
    missing = []
    if not settings.microsoft_app_password and settings.microsoft_app_type.lower() != "userassignedmsi":
        missing.append("MicrosoftAppPassword")
    if not settings.microsoft_app_tenant_id:
        missing.append("MicrosoftAppTenantId (needed to refuse conversations of other Microsoft 365 tenants)")
    if missing:
        raise ConfigError("MicrosoftAppId is set but these are not: " + ", ".join(missing))
    return True


def make_adapter(settings: Settings) -> CloudAdapter:
    adapter = CloudAdapter(StrictAuthentication(ConfigurationBotFrameworkAuthentication(BotConfig(settings))))
    adapter.on_turn_error = on_turn_error  # the one place a turn's errors become words
    adapter.use(BoundedConnector(settings))
    return adapter


def make_app(core: Core, *, adapter: CloudAdapter | None = None) -> web.Application:
    settings = core.settings
    if authenticated(settings):
        log.info("Bot Framework authentication on for app id %s", settings.microsoft_app_id)
    else:
        log.warning(UNAUTHENTICATED_WARNING)
        if not settings.microsoft_app_tenant_id:
            log.warning("MicrosoftAppTenantId is not set: conversations of other Microsoft 365 tenants "
                        "cannot be recognised (local development only)")
    app = web.Application()
    app[CORE_KEY] = core
    app[BOT_KEY] = HandoffBot(core)
    app[ADAPTER_KEY] = adapter or make_adapter(settings)
    app.router.add_post("/api/messages", with_json_errors(_messages, log))
    poster = TeamsPoster(core, app[ADAPTER_KEY])
    app.router.add_post(ESCALATION_ROUTE, escalation_hook(core, poster=poster, logger=log))
    add_psa_routes(app, core, posters=[poster])  # PSA callbacks: an escalation posts its packet here
    add_outbox_worker(app, core, TeamsRedeliverer(poster))  # posts left failed, on one replica
    app.router.add_get("/healthz", _health)
    app.router.add_get("/readyz", readyz(core))
    return instrument(app, server="teams")


def _refuse(request: web.Request, status: int, code: str, message: str) -> web.Response:
    return error_response(request, status, code, message, logger=log)


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _messages(request: web.Request) -> web.Response:
    settings = request.app[CORE_KEY].settings
    header = request.headers.get("Authorization")
    if header is not None:
        if not _BEARER.fullmatch(header.strip()):
            return _refuse(request, 401, "unauthorized", "malformed Authorization header")
        try:
            jwt.get_unverified_header(header.strip().split(" ", 1)[1])
        except jwt.PyJWTError:
            return _refuse(request, 401, "unauthorized", "Authorization header is not a JWT")
    elif settings.microsoft_app_id:
        return _refuse(request, 401, "unauthorized", "missing Bot Framework token")
    if "application/json" not in request.headers.get("Content-Type", ""):
        return _refuse(request, 415, "unsupported_media_type", "expected application/json")
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deeply for the parser
        return _refuse(request, 400, "malformed", "body is not JSON")
    problem = act.shape_problem(body)
    if problem is not None:
        return _refuse(request, 400, "malformed", problem)
    try:
        response = await request.app[ADAPTER_KEY].process(request, request.app[BOT_KEY])
    except (DeserializationError, MsrestDeserializationError) as exc:  # a field of another type deeper down
        return _refuse(request, 400, "malformed", f"not a Bot Framework activity: {exc}")
    except web.HTTPUnauthorized:  # the adapter's answer to PermissionError
        return _refuse(request, 401, "unauthorized", "invalid Bot Framework token")
    except web.HTTPException:
        raise
    except KeysUnavailable as exc:
        log.error("cannot validate Bot Framework tokens: %s", exc)
        return _refuse(request, 503, "unavailable", "token validation keys unavailable, try again")
    return response or web.Response(status=201)


def serve(core: Core, *, host: str, port: int) -> None:
    logging.getLogger("handoff").setLevel(core.settings.log_level.upper())
    app = make_app(core)
    core.open_for_serving()  # before the first request: on PostgreSQL refuses an old schema (exit 2)
    core.check_configuration(platforms=("teams",))
    web.run_app(app, host=host, port=port, print=announce("Teams bot", "/api/messages"), access_log=None,
                handle_signals=True)


def announce(what: str, route: str):  # type: ignore[no-untyped-def]
    """aiohttp's start-up line, made ours: the address actually bound (``--port 0`` picks a free one)."""
    import re

    def say(message: str) -> None:
        match = re.search(r"Running on (\S+)", message)
        where = match.group(1).rstrip("/") if match else "?"
        print(f"Handoff {what} on {where}{route} (Ctrl-C to stop)", flush=True)

    return say
