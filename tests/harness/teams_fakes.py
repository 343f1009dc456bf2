"""Stand-ins for Microsoft's side of a Teams conversation, for driving the real CloudAdapter.

- ``FakeConnector``: an aiohttp server answering the Bot Connector REST calls the
  bot makes (``POST /v3/conversations/{id}/activities[/{replyToId}]``, ``GET
  .../members/{id}``) and recording each, with its raw body size. Activities
  name it as their ``serviceUrl``.
- ``teams_activity``: a Teams activity built from the real examples in
  ``../shared/data/teams/activities`` (skipping, with the reason, when absent),
  turned into a channel message, a personal chat, an invoke, ... as asked.
- ``OpenIdServer`` + ``sign``: an OpenID configuration and JWKS served from a
  thread (the SDK fetches keys with blocking ``requests``), and tokens signed
  with its key or another, to test the adapter's JWT validation offline.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bench.support.shared_data import shared_path

MSP_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # the tenant of the shared examples: the MSP's own
OTHER_TENANT = "476ca735-cce2-462b-b69e-f7284b54fab0"
BOT_ID = "28:c9e8c047-2a74-40a2-b28a-b162d5f5327c"
TEAM_ID = "19:team-msp@thread.tacv2"


@dataclass
class Call:
    method: str
    path: str
    conversation: str
    reply_to: str | None
    body: dict[str, Any]
    size: int

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return attachment["content"]
        return None


@dataclass
class FakeConnector:
    """Records what the bot posted; ``roles`` answers member look-ups (default role ``user``)."""

    calls: list[Call] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    fail_posts: bool = False
    # Faults answered to posts, one per post, in order: "500" (plain-text body), "429" (Retry-After: 1),
    # "hang" (accept the request, answer 504 only after hang_s: a stalled connector).
    faults: list[str] = field(default_factory=list)
    hang_s: float = 5.0
    abandoned: int = 0  # hung posts whose connection the bot closed (gave up) before the answer
    # Channel conversation id -> its members' ids; a channel not listed has every user as a member.
    members: dict[str, set[str]] = field(default_factory=dict)
    member_faults: list[str] = field(default_factory=list)  # like ``faults``, for member look-ups
    bot_missing: set[str] = field(default_factory=set)  # channels whose member look-ups answer 403
    delivered: list[Call] = field(default_factory=list)  # posts answered with an id (really posted)
    url: str = ""
    _ids: Any = field(default_factory=lambda: itertools.count(1700000000001))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        return app

    async def _post(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.calls.append(Call("POST", request.path, request.match_info["conversation"],
                               request.match_info.get("reply_to"), json.loads(raw), len(raw)))
        if self.fail_posts:
            return web.json_response({"error": {"code": "ServiceError", "message": "down"}}, status=502)
        fault = self.faults.pop(0) if self.faults else None
        if fault == "500":
            return web.Response(status=500, text="upstream request timeout", content_type="text/plain")
        if fault == "429":
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=429,
                                     headers={"Retry-After": "1"})
        if fault == "hang":
            try:
                await asyncio.sleep(self.hang_s)
            except asyncio.CancelledError:  # aiohttp cancels a handler whose client closed the connection
                self.abandoned += 1
                raise
            return web.json_response({"error": {"code": "GatewayTimeout", "message": "hung"}}, status=504)
        self.delivered.append(self.calls[-1])
        return web.json_response({"id": str(next(self._ids))})

    async def _member(self, request: web.Request) -> web.Response:
        member = request.match_info["member"]
        conversation = request.match_info["conversation"]
        self.calls.append(Call("GET", request.path, conversation, None, {}, 0))
        fault = self.member_faults.pop(0) if self.member_faults else None
        if fault == "500":
            return web.Response(status=500, text="upstream request timeout", content_type="text/plain")
        if fault == "hang":
            await asyncio.sleep(self.hang_s)
            return web.json_response({"error": {"code": "GatewayTimeout", "message": "hung"}}, status=504)
        if conversation in self.bot_missing:  # the bot was removed from that channel's team
            return web.json_response({"error": {"code": "BotNotInConversationRoster",
                                                "message": "The bot is not part of the conversation roster."}},
                                     status=403)
        if conversation in self.members and member not in self.members[conversation]:
            # https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context: 404 for a non-member
            return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                                "message": "The member could not be found in the conversation."}},
                                     status=404)
        return web.json_response({"id": member, "name": "Someone", "aadObjectId": "aad-" + member[-6:],
                                  "userRole": self.roles.get(member, "user"), "tenantId": MSP_TENANT})

    @property
    def posts(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST"]

    def cards(self) -> list[dict[str, Any]]:
        return [c.card for c in self.posts if c.card is not None]


def _example(name: str) -> dict[str, Any]:
    path = shared_path("teams", "activities", name)
    if path is None:
        pytest.skip(f"../shared/data/teams/activities/{name} is absent (Teams activity examples)")
    return json.loads(path.read_text())


def real_examples() -> list[tuple[str, dict[str, Any]]]:
    names = ["msteams_inbound_message_activity.json", "msteams_inbound_message_activity_with_conversation_tenantId.json"]
    return [(n, _example(n)) for n in names]


_seq = itertools.count(1)


def teams_activity(service_url: str, *, text: str = "", kind: str = "channel", channel: str = "19:acme@thread.tacv2",
                   tenant: str = MSP_TENANT, user: str = "29:1Xv-engineer", mention: bool = True,
                   shared_channel: bool = False, **extra: Any) -> dict[str, Any]:
    """A Teams activity: the real personal-chat example with the conversation changed to ``kind``.

    ``kind``: ``channel`` (a mention in a channel thread), ``personal`` or ``groupChat``.
    """
    base = copy.deepcopy(_example("msteams_inbound_message_activity_with_conversation_tenantId.json"))
    n = next(_seq)
    base["id"] = f"1572555{n:06d}"
    base["serviceUrl"] = service_url
    base["recipient"] = {"id": BOT_ID, "name": "Handoff"}
    base["from"] = {"id": user, "name": "Jane Doe", "aadObjectId": "aad-" + user.rsplit("-", 1)[-1]}
    base["channelData"] = {"tenant": {"id": tenant}}
    base["conversation"]["tenantId"] = tenant
    if kind == "channel":
        base["conversation"] = {"isGroup": True, "conversationType": "channel", "tenantId": tenant,
                                "id": f"{channel};messageid={base['id']}"}
        base["channelData"].update({"teamsChannelId": channel, "teamsTeamId": TEAM_ID,
                                    "channel": {"id": channel}, "team": {"id": TEAM_ID}})
        if shared_channel:
            base["channelData"]["channel"]["type"] = "shared"
    elif kind == "groupChat":
        base["conversation"] = {"isGroup": True, "conversationType": "groupChat", "tenantId": tenant, "id": channel}
    if kind != "personal" and mention and text:
        base["text"] = f"<at>Handoff</at> {text}"
        base["entities"] = list(base.get("entities", [])) + [
            {"type": "mention", "text": "<at>Handoff</at>", "mentioned": {"id": BOT_ID, "name": "Handoff"}}]
    else:
        base["text"] = text
    base.update(extra)
    return base


def card_click(message: dict[str, Any], card_message_id: str, verb: str, data: dict[str, Any], *,
               form: str = "execute") -> dict[str, Any]:
    """A click on a card button, as Teams delivers it: an invoke (Action.Execute) or a message (Action.Submit)."""
    click = copy.deepcopy(message)
    click["id"] = f"f:{next(_seq)}"
    click["replyToId"] = card_message_id
    click.pop("entities", None)
    click["text"] = None
    if form == "execute":
        click["type"] = "invoke"
        click["name"] = "adaptiveCard/action"
        click["value"] = {"action": {"type": "Action.Execute", "verb": verb, "data": data, "id": "a1"},
                          "trigger": "manual"}
    else:
        click["type"] = "message"
        click["value"] = {"handoff": verb, **data}
    return click


def bot_added(service_url: str, *, channel: str, tenant: str = MSP_TENANT,
              event: str = "teamMemberAdded") -> dict[str, Any]:
    """The conversationUpdate Teams sends when the bot is added to a team (lands in the General channel)."""
    base = teams_activity(service_url, kind="channel", channel=channel, tenant=tenant)
    base.update({"type": "conversationUpdate", "text": None, "membersAdded": [{"id": BOT_ID}]})
    base.pop("entities", None)
    base["conversation"]["id"] = channel
    base["channelData"]["eventType"] = event
    return base


# --- tokens ----------------------------------------------------------------------------

class OpenIdServer:
    """Serves ``/.well-known/openid-configuration`` and ``/keys`` with one RSA key (kid ``k1``)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": "k1", "use": "sig", "endorsements": ["msteams"]})
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path.endswith("openid-configuration"):
                    body = {"issuer": "https://api.botframework.com", "jwks_uri": f"{server.url}/keys"}
                elif self.path.endswith("/keys"):
                    body = {"keys": [jwk]}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sign(key: Any, *, audience: str, service_url: str, issuer: str = "https://api.botframework.com",
         kid: str = "k1", expires_in: int = 3600) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 60, "iat": now - 60,
              "exp": now + expires_in}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def other_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# --- reading cards back ------------------------------------------------------------------

def card_claims(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The claims a packet card holds (shown, or behind "Show all"): id, text, confidence line, source links,
    plain source names, and whether it is visible before any toggle."""
    import re

    found = []

    def walk(items: list[Any], visible: bool) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            if str(item.get("id", "")).startswith("claim-"):
                text_block, confidence_block, *source_blocks = item["items"]
                links, plain = [], []
                for block in source_blocks:
                    if block["type"] == "TextBlock":  # Markdown links
                        links += re.findall(r"\[[^\]]*\]\(([^)]*)\)", block["text"])
                    else:  # literal names
                        names = block["inlines"][0]["text"].removeprefix("Sources: ").removeprefix("Also: ")
                        plain += names.split(" · ")
                found.append({
                    "id": item["id"].removeprefix("claim-"),
                    "text": text_block["inlines"][0]["text"],
                    "confidence": confidence_block["inlines"][0]["text"],
                    "links": links,
                    "plain": plain,
                    "visible": visible,
                })
            elif item.get("type") == "Container":
                walk(item.get("items", []), visible and item.get("isVisible", True))

    walk(card.get("body", []), True)
    return found


def card_picker(card: dict[str, Any]) -> list[str]:
    """The claim ids the card's "Flag wrong source" picker offers."""
    return [c["value"] for item in card.get("body", []) if item.get("type") == "Input.ChoiceSet"
            for c in item["choices"]]


def card_text(card: dict[str, Any]) -> str:
    """The visible text of a card: one line per text element (a RichTextBlock's runs joined), facts, buttons."""
    lines: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "RichTextBlock":
            lines.append("".join(run.get("text", "") for run in node.get("inlines", [])))
        elif kind == "TextBlock":
            lines.append(node.get("text", ""))
        elif kind == "FactSet":
            lines.extend(f"{f['title']}: {f['value']}" for f in node.get("facts", []))
        elif str(kind).startswith("Action."):
            lines.append(node.get("title", ""))
        for key in ("body", "items", "actions", "columns"):
            walk(node.get(key))
    walk(card)
    return "\n".join(line for line in lines if line.strip())
