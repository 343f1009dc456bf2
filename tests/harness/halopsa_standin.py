"""A local stand-in for the HaloPSA REST API and its OAuth2 token endpoint.

Follows (sources also cited in tests/unit/test_psa_halopsa.py):
  * homotechsual/HaloAPI (PowerShell module): Public/Connect-HaloAPI.ps1 (``GET api/authinfo`` ->
    ``auth_url``; ``POST <auth_url>/token[?tenant=]`` form ``grant_type=client_credentials``,
    ``client_id``, ``client_secret``, ``scope``; answer ``access_token``, ``token_type``, ``expires_in``),
    Public/Get/Get-HaloTicket.ps1 (``api/tickets``: ``pageinate``, ``page_size``, ``page_no``, ``order``,
    ``orderdesc``; ``api/tickets/{id}`` with ``includedetails``), Private/New-HaloGETRequest.ps1 (pages
    until ``ceil(record_count / page_size)``), Public/Get/Get-HaloAction.ps1 (``api/actions``:
    ``ticket_id``, ``excludesys``, ``excludeprivate``).
  * redanthrax/halopsa-node nodes/HaloPSA/actions/interfaces/{tickets,actions}.ts (field names:
    ``client_id``, ``team``, ``status_name``, ``last_update``, ``details``; ``{record_count, tickets}``,
    ``{record_count, actions}``); docs/webhooks.md (webhook authentication: Basic).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.harness.threaded_app import ThreadedApp

CLIENT_ID, CLIENT_SECRET, TENANT = "halo-client-1", "halo-secret-1", "handoffmsp"


def halo_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")  # Halo writes UTC without a zone


@dataclass
class HaloStandIn:
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    actions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    storm_429: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    _server: ThreadedApp | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_ticket(self, ticket_id: int, *, client_id: int, summary: str, team: str = "1st Line Support",
                   status: str = "In Progress", updated: datetime, details: str = "",
                   closed: bool = False) -> None:
        with self._lock:
            self.tickets[ticket_id] = {
                "id": ticket_id, "summary": summary, "details": details, "client_id": client_id,
                "client_name": f"Client {client_id}", "team": team, "status_id": 2, "status_name": status,
                "tickettype_id": 1, "tickettype_name": "Incident", "priority_id": 2,
                "priority": {"id": 2, "name": "P2"}, "user_name": "Dana Whitfield", "inactive": closed,
                "dateoccurred": halo_time(updated), "datecreated": halo_time(updated),
                "last_update": halo_time(updated), "lastactiondate": halo_time(updated),
            }
            self.actions.setdefault(ticket_id, [])

    def add_action(self, ticket_id: int, action_id: int, note: str, *, private: bool, at: datetime,
                   who: str = "Sam (L1)", system: bool = False) -> None:
        with self._lock:
            self.actions.setdefault(ticket_id, []).append({
                "id": action_id, "ticket_id": ticket_id, "outcome": "Private Note" if private else "Email User",
                "who": who, "datetime": halo_time(at), "note": note, "hiddenfromuser": private,
                "_system": system,
            })

    def move(self, ticket_id: int, *, team: str | None = None, status: str | None = None,
             updated: datetime) -> None:
        with self._lock:
            ticket = self.tickets[ticket_id]
            if team:
                ticket["team"] = team
            if status:
                ticket["status_name"] = status
            ticket["last_update"] = halo_time(updated)

    # --- life cycle ----------------------------------------------------------------

    def start(self) -> HaloStandIn:
        self._server = ThreadedApp(self._app(), name="halo-standin")
        self.url = self._server.start()
        return self

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/api/authinfo", self.authinfo)
        app.router.add_post("/auth/token", self.token)
        app.router.add_get("/api/tickets", self.list_tickets)
        app.router.add_get("/api/tickets/{id}", self.get_ticket)
        app.router.add_get("/api/actions", self.list_actions)
        return app

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @web.middleware
    async def _record(self, request: web.Request, handler):  # type: ignore[no-untyped-def]
        with self._lock:
            self.requests.append((request.method, request.path))
            storm = self.storm_429 > 0
            self.storm_429 = max(0, self.storm_429 - 1)
        if storm:
            return web.json_response({"error": "Too many requests"}, status=429, headers={"Retry-After": "0"})
        if request.path.startswith("/api/") and request.path != "/api/authinfo":
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return web.json_response({"error": "unauthorized"}, status=401)
        return await handler(request)

    # --- endpoints -----------------------------------------------------------------------

    async def authinfo(self, request: web.Request) -> web.Response:
        return web.json_response({"auth_url": f"{self.url}/auth", "tenant_id": TENANT})

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET or request.query.get("tenant") != TENANT):
            return web.json_response({"error": "invalid_client"}, status=400)
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return web.json_response({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    async def list_tickets(self, request: web.Request) -> web.Response:
        rows = list(self.tickets.values())
        if request.query.get("order") == "last_update":
            rows.sort(key=lambda t: (t["last_update"], t["id"]), reverse=request.query.get("orderdesc") == "true")
        size = int(request.query.get("page_size", "50"))
        page = int(request.query.get("page_no", "1"))
        summary_keys = ("status_name", "tickettype_name", "priority")  # detail-only fields
        chunk = [{k: v for k, v in t.items() if k not in summary_keys} for t in rows[(page - 1) * size: page * size]]
        return web.json_response({"record_count": len(rows), "tickets": chunk, "include_children": False})

    async def get_ticket(self, request: web.Request) -> web.Response:
        ticket = self.tickets.get(int(request.match_info["id"]))
        if ticket is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(ticket)

    async def list_actions(self, request: web.Request) -> web.Response:
        rows = list(self.actions.get(int(request.query.get("ticket_id", "0")), []))
        if request.query.get("excludesys") == "true":
            rows = [a for a in rows if not a["_system"]]
        if request.query.get("excludeprivate") == "true":
            rows = [a for a in rows if not a["hiddenfromuser"]]
        return web.json_response({"record_count": len(rows),
                                  "actions": [{k: v for k, v in a.items() if not k.startswith("_")} for a in rows]})

    def methods(self) -> set[tuple[str, str]]:
        with self._lock:
            return {(m, p) for m, p in self.requests if m != "GET"}
