"""A local stand-in for the Autotask REST API (one zone plus the zone lookup).

Follows (also cited in tests/unit/test_psa_autotask.py) the Autotask developer help:
  * "Making basic query calls to the REST API" and "Advanced query features" (GET ``.../query?search=``
    with a JSON ``filter``, ``MaxRecords`` up to 500, ``{"items", "pageDetails": {"count", "requestCount",
    "prevPageUrl", "nextPageUrl"}}``; GET by id answers ``{"item": ...}``),
    https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/API_Calls/REST_Basic_Query_Calls.htm
  * "REST API best practices" (Ticket ``LastActivityDate`` for changes since the last query),
  * zone lookup ``/v1.0/zoneInformation?user=`` -> ``{"url", "webUrl"}``; header authentication
    ``ApiIntegrationCode``, ``UserName``, ``Secret``,
  * ``entityInformation/fields`` with ``isPickList`` and ``picklistValues`` ({value, label}),
  * webhooks: "Secret key and payload verification" (``X-Hook-Signature: sha1=<base64 HMAC-SHA1>``),
    https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/Webhooks/SecretKeyPayloadVerification.htm
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.harness.threaded_app import ThreadedApp

USER, SECRET, CODE = "api@handoffmsp.example", "at-secret-1", "INTEGRATION-CODE-1"
STATUS = {"1": "New", "5": "Complete", "8": "In Progress", "13": "Escalated"}
QUEUES = {"29682833": "Level I Support", "29682969": "Level II Support"}
PRIORITY = {"1": "High", "2": "Medium", "3": "Low", "4": "Critical"}
PUBLISH = {"1": "All Autotask Users", "2": "Internal Project Team", "3": "All"}


def at_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _picklist(name: str, values: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "dataType": "integer", "isPickList": True,
            "picklistValues": [{"value": k, "label": v, "isActive": True} for k, v in values.items()]}


@dataclass
class AutotaskStandIn:
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    storm_429: int = 0
    next_host: str | None = None  # a test's hostile "nextPageUrl" host
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    _server: ThreadedApp | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_ticket(self, ticket_id: int, *, company: int, title: str, updated: datetime, status: str = "8",
                   queue: str = "29682833", description: str = "", completed: bool = False) -> None:
        with self._lock:
            self.tickets[ticket_id] = {
                "id": ticket_id, "ticketNumber": f"T20261201.{ticket_id:04d}", "title": title,
                "description": description, "companyID": company, "status": int(status), "queueID": int(queue),
                "priority": 2, "createDate": at_time(updated), "lastActivityDate": at_time(updated),
                "completedDate": at_time(updated) if completed else None, "configurationItemID": 77,
            }
            self.notes.setdefault(ticket_id, [])

    def add_note(self, ticket_id: int, note_id: int, text: str, *, publish: str, at: datetime) -> None:
        with self._lock:
            self.notes.setdefault(ticket_id, []).append({
                "id": note_id, "ticketID": ticket_id, "title": "Note", "description": text, "noteType": 1,
                "publish": int(publish), "createDateTime": at_time(at), "creatorResourceID": 29682885,
                "lastActivityDate": at_time(at)})

    def move(self, ticket_id: int, *, queue: str | None = None, status: str | None = None,
             updated: datetime) -> None:
        with self._lock:
            ticket = self.tickets[ticket_id]
            if queue:
                ticket["queueID"] = int(queue)
            if status:
                ticket["status"] = int(status)
            ticket["lastActivityDate"] = at_time(updated)

    def start(self) -> AutotaskStandIn:
        self._server = ThreadedApp(self._app(), name="autotask-standin")
        self.url = self._server.start()
        return self

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        root = "/atservicesrest/v1.0"
        app.router.add_get(f"{root}/zoneInformation", self.zone)
        app.router.add_get(f"{root}/Tickets/entityInformation/fields", self.ticket_fields)
        app.router.add_get(f"{root}/TicketNotes/entityInformation/fields", self.note_fields)
        app.router.add_get(f"{root}/Tickets/query", self.query_tickets)
        app.router.add_get(f"{root}/Tickets/query/next", self.query_tickets)
        app.router.add_get(f"{root}/Tickets/{{id}}", self.get_ticket)
        app.router.add_get(f"{root}/TicketNotes/query", self.query_notes)
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
            return web.json_response({"errors": ["Rate limit exceeded"]}, status=429, headers={"Retry-After": "0"})
        if not request.path.endswith("/zoneInformation"):
            h = request.headers
            if (h.get("ApiIntegrationCode"), h.get("UserName"), h.get("Secret")) != (CODE, USER, SECRET):
                return web.json_response({"errors": ["Unauthorized"]}, status=401)
        return await handler(request)

    async def zone(self, request: web.Request) -> web.Response:
        if request.query.get("user") != USER:
            return web.json_response({"errors": ["Invalid user"]}, status=404)
        return web.json_response({"zoneName": "Stand-in", "url": f"{self.url}/atservicesrest",
                                  "webUrl": f"{self.url}/web", "ci": 1})

    async def ticket_fields(self, request: web.Request) -> web.Response:
        return web.json_response({"fields": [_picklist("status", STATUS), _picklist("queueID", QUEUES),
                                             _picklist("priority", PRIORITY),
                                             {"name": "title", "dataType": "string", "isPickList": False}]})

    async def note_fields(self, request: web.Request) -> web.Response:
        return web.json_response({"fields": [_picklist("publish", PUBLISH)]})

    async def get_ticket(self, request: web.Request) -> web.Response:
        ticket = self.tickets.get(int(request.match_info["id"])) if request.match_info["id"].isdigit() else None
        if ticket is None:
            return web.json_response({"item": None})  # Autotask answers a missing id with a null item
        return web.json_response({"item": ticket})

    async def query_tickets(self, request: web.Request) -> web.Response:
        search = json.loads(request.query["search"])
        (flt,) = search["filter"]
        rows = sorted(self.tickets.values(), key=lambda t: t["id"])
        if flt["field"] == "lastActivityDate":
            since = datetime.fromisoformat(flt["value"].replace("Z", "+00:00"))
            rows = [t for t in rows if datetime.fromisoformat(t["lastActivityDate"].replace("Z", "+00:00")) >= since]
        size = min(int(search.get("MaxRecords") or 500), 500)
        offset = int(request.query.get("paging", "0"))
        chunk = rows[offset:offset + size]
        nxt = None
        if offset + size < len(rows):
            nxt = (f"{self.next_host or self.url}/atservicesrest/v1.0/Tickets/query/next?"
                   + urlencode({"paging": offset + size, "search": request.query["search"]}))
        return web.json_response({"items": chunk, "pageDetails": {"count": len(chunk), "requestCount": size,
                                                                   "prevPageUrl": None, "nextPageUrl": nxt}})

    async def query_notes(self, request: web.Request) -> web.Response:
        (flt,) = json.loads(request.query["search"])["filter"]
        rows = list(self.notes.get(int(flt["value"]), []))
        return web.json_response({"items": rows, "pageDetails": {"count": len(rows), "requestCount": 500,
                                                                  "prevPageUrl": None, "nextPageUrl": None}})

    def non_gets(self) -> set[tuple[str, str]]:
        with self._lock:
            return {(m, p) for m, p in self.requests if m != "GET"}
