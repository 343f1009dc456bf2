"""A local stand-in for the ConnectWise PSA REST API and its callback signing key.

Follows the documented requests and responses (sources, also cited in tests/unit/test_psa_connectwise.py):
  * ConnectWise developer guide, "PSA Pagination": ``page``/``pageSize`` (max 1000),
    navigable ``Link`` header with ``rel="next"``/``rel="last"``
    (https://developer.connectwise.com/Best_Practices/PSA_Pagination; worked example in
    https://www.thelazyadministrator.com/2024/06/06/how-the-connectwise-manage-api-handles-pagination-with-powershell/).
  * Auth ``Basic base64(company+public:private)`` + ``clientId`` header
    (developer.connectwise.com "ClientID"; slartimitvar/zabbix-connectwise-webhook README).
  * ``GET /login/companyinfo/{company}`` -> ``{"Codebase": "v2025_1/", ...}``.
  * Ticket, ServiceNote (``detailDescriptionFlag``, ``internalAnalysisFlag``, ``resolutionFlag``,
    ``internalFlag``, ``externalFlag``, ``member``, ``contact``, ``dateCreated``) and
    ConfigurationReference (``id``, ``deviceIdentifier``) shapes as in the generated models of
    HealthITAU/pyconnectwise (src/pyconnectwise/models/manage/).
  * Errors: ``{"code": "NotFound", "message": ..., "errors": null}``; 429 with ``Retry-After``.
  * Callback key: ``GET {key_url}`` -> ``{"signing_key": ...}`` (NangoHQ/nango
    packages/server/lib/webhook/connectwise-psa-webhook-routing.ts, citing the developer guide).

It runs in a thread with its own event loop so the synchronous connector (and a
CLI subprocess) can talk to it. Faults are injected per request: 429 storms,
5xx, slow answers (client timeouts) and dropped connections.
"""

from __future__ import annotations

import asyncio
import base64
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

CODEBASE = "v2025_1/"
COMPANY = "handoffmsp"
PUBLIC, PRIVATE, CLIENT_ID = "pubKEY123", "privKEY456", "11111111-2222-3333-4444-555555555555"
SIGNING_KEY = "cw-signing-key-0001"


def cw_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Faults:
    storm_429: int = 0  # the next N API requests answer 429
    retry_after: str = "0"
    random_429: float = 0.0  # probability per API request
    errors_5xx: int = 0
    slow: int = 0  # the next N requests answer after slow_s (longer than the client's timeout)
    slow_s: float = 2.0
    drops: int = 0  # the next N requests get their connection closed without an answer


@dataclass
class StandIn:
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    configurations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    signing_key: str = SIGNING_KEY
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request
    served: Counter = field(default_factory=Counter)  # path -> 2xx answers
    url: str = ""
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- data ------------------------------------------------------------------

    def add_ticket(self, ticket_id: int, *, company: str, summary: str, board: str = "Service Desk",
                   status: str = "In Progress", updated: datetime, created: datetime | None = None,
                   closed: bool = False, priority: str = "Priority 3 - Normal", type_: str = "Incident",
                   contact: str | None = "Dana Whitfield") -> dict[str, Any]:
        created = created or updated - timedelta(hours=2)
        ticket = {
            "id": ticket_id, "summary": summary, "recordType": "ServiceTicket",
            "board": {"id": 1, "name": board}, "status": {"id": 2, "name": status},
            "company": {"id": 100 + len(company), "identifier": company, "name": company},
            "priority": {"id": 3, "name": priority}, "type": {"id": 4, "name": type_},
            "contactName": contact, "closedFlag": closed,
            "dateResolved": cw_time(updated) if closed else None,
            "_info": {"lastUpdated": cw_time(updated), "dateEntered": cw_time(created), "updatedBy": "l1tech"},
        }
        with self._lock:
            self.tickets[ticket_id] = ticket
            self.notes.setdefault(ticket_id, [])
            self.configurations.setdefault(ticket_id, [])
        return ticket

    def add_note(self, ticket_id: int, note_id: int, text: str, *, kind: str = "internal",
                 at: datetime, member: str | None = "Jamie L1", contact: str | None = None) -> None:
        note = {
            "id": note_id, "ticketId": ticket_id, "text": text,
            "detailDescriptionFlag": kind == "discussion", "internalAnalysisFlag": kind == "internal",
            "resolutionFlag": kind == "resolution", "internalFlag": kind == "internal",
            "externalFlag": kind != "internal", "customerUpdatedFlag": contact is not None,
            "member": {"id": 7, "identifier": "jl1", "name": member} if member else None,
            "contact": {"id": 8, "name": contact} if contact else None,
            "dateCreated": cw_time(at), "createdBy": "jl1", "_info": {"lastUpdated": cw_time(at)},
        }
        with self._lock:
            self.notes.setdefault(ticket_id, []).append(note)

    def add_configuration(self, ticket_id: int, config_id: int, device: str) -> None:
        with self._lock:
            self.configurations.setdefault(ticket_id, []).append(
                {"id": config_id, "deviceIdentifier": device, "_info": {}})

    def move(self, ticket_id: int, *, board: str | None = None, status: str | None = None,
             updated: datetime) -> None:
        with self._lock:
            ticket = self.tickets[ticket_id]
            if board:
                ticket["board"] = {"id": 9, "name": board}
            if status:
                ticket["status"] = {"id": 10, "name": status}
            ticket["_info"]["lastUpdated"] = cw_time(updated)

    # --- life cycle ------------------------------------------------------------

    def start(self) -> StandIn:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="cw-standin", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    async def _start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/login/companyinfo/{company}", self.companyinfo)
        base = f"/{CODEBASE}apis/3.0"
        app.router.add_get(f"{base}/service/tickets", self.list_tickets)
        app.router.add_get(f"{base}/service/tickets/count", self.count_tickets)
        app.router.add_get(f"{base}/service/tickets/{{id}}", self.get_ticket)
        app.router.add_get(f"{base}/service/tickets/{{id}}/notes", self.list_notes)
        app.router.add_get(f"{base}/service/tickets/{{id}}/configurations", self.list_configurations)
        app.router.add_route("*", "/{tail:.*}", self.not_found)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)  # type: ignore[union-attr]
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)

    # --- transport behaviour -------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler):  # type: ignore[no-untyped-def]
        with self._lock:
            self.requests.append((request.method, request.path))
        if request.path.startswith("/login/companyinfo/") or "callbackkey" in request.path:
            return await handler(request)  # public endpoints (no API member credentials)
        expected = "Basic " + base64.b64encode(f"{COMPANY}+{PUBLIC}:{PRIVATE}".encode()).decode()
        if request.headers.get("Authorization") != expected or request.headers.get("clientId") != CLIENT_ID:
            return web.json_response({"code": "Unauthorized", "message": "Authentication failed.", "errors": None},
                                     status=401)
        f = self.faults
        with self._lock:
            action = None
            if f.drops > 0:
                f.drops, action = f.drops - 1, "drop"
            elif f.slow > 0:
                f.slow, action = f.slow - 1, "slow"
            elif f.storm_429 > 0 or (f.random_429 and self.rng.random() < f.random_429):
                f.storm_429, action = max(0, f.storm_429 - 1), "429"
            elif f.errors_5xx > 0:
                f.errors_5xx, action = f.errors_5xx - 1, "5xx"
        if action == "drop":
            assert request.transport is not None
            request.transport.abort()  # the client sees the connection drop with no answer
            return web.Response(status=204)
        if action == "slow":
            await asyncio.sleep(f.slow_s)
        if action == "429":
            return web.json_response({"code": "TooManyRequests", "message": "Rate limit exceeded", "errors": None},
                                     status=429, headers={"Retry-After": f.retry_after})
        if action == "5xx":
            return web.json_response({"code": "InternalServerError", "message": "An error occurred", "errors": None},
                                     status=503)
        response = await handler(request)
        if response.status < 300:
            with self._lock:
                self.served[request.path] += 1
        return response

    # --- endpoints -----------------------------------------------------------------

    async def companyinfo(self, request: web.Request) -> web.Response:
        return web.json_response({"CompanyName": request.match_info["company"], "Codebase": CODEBASE,
                                  "VersionCode": "v2025.1", "CompanyID": request.match_info["company"],
                                  "IsCloud": True, "SiteUrl": "127.0.0.1"})

    async def callback_key(self, request: web.Request) -> web.Response:
        return web.json_response({"id": request.query.get("id"), "signing_key": self.signing_key})

    async def not_found(self, request: web.Request) -> web.Response:
        # The key URL of the shared sample has a double slash (".../v2025_1//system/callbackkey/...").
        if request.method == "GET" and request.path.endswith("/system/callbackkey/index.rails"):
            return await self.callback_key(request)
        return web.json_response({"code": "NotFound", "message": f"{request.path} not found", "errors": None},
                                 status=404)

    def _page(self, request: web.Request, rows: list[Any]) -> web.Response:
        try:
            page = int(request.query.get("page", "1"))
            size = min(int(request.query.get("pageSize", "25")), 1000)
        except ValueError:
            return web.json_response({"code": "InvalidObject", "message": "page and pageSize must be numbers",
                                      "errors": None}, status=400)
        start = (page - 1) * size
        chunk = rows[start:start + size]
        headers = {}
        last = max(1, -(-len(rows) // size))
        if page < last:
            base = str(request.url.with_query(None))
            query = {k: v for k, v in request.query.items() if k != "page"}
            links = [f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"',
                     f'<{base}?{urlencode({**query, "page": last})}>; rel="last"']
            headers["Link"] = ", ".join(links)
        return web.json_response(chunk, headers=headers)

    async def count_tickets(self, request: web.Request) -> web.Response:
        rows = self._matching(request)
        if isinstance(rows, web.Response):
            return rows
        return web.json_response({"count": len(rows)})

    async def list_tickets(self, request: web.Request) -> web.Response:
        rows = self._matching(request)
        return rows if isinstance(rows, web.Response) else self._page(request, rows)

    def _matching(self, request: web.Request) -> list[dict[str, Any]] | web.Response:
        conditions = request.query.get("conditions", "").strip()
        since, strict = None, False
        if conditions:
            import re

            match = re.fullmatch(r"lastUpdated\s*(>=|>)\s*\[([^\]]+)\]", conditions)
            if not match:
                return web.json_response({"code": "InvalidObject", "message": f"cannot parse conditions {conditions}",
                                          "errors": None}, status=400)
            strict = match.group(1) == ">"
            since = datetime.fromisoformat(match.group(2).replace("Z", "+00:00"))
        with self._lock:
            rows = sorted(self.tickets.values(), key=lambda t: t["id"])
        if since is not None:
            def keep(t: dict[str, Any]) -> bool:
                at = datetime.fromisoformat(t["_info"]["lastUpdated"].replace("Z", "+00:00"))
                return at > since if strict else at >= since
            rows = [t for t in rows if keep(t)]
        return rows

    async def get_ticket(self, request: web.Request) -> web.Response:
        ticket = self.tickets.get(int(request.match_info["id"])) if request.match_info["id"].isdigit() else None
        if ticket is None:
            return web.json_response({"code": "NotFound", "message": f"Ticket with id {request.match_info['id']} "
                                      "was not found.", "errors": None}, status=404)
        return web.json_response(ticket)

    async def list_notes(self, request: web.Request) -> web.Response:
        return self._page(request, list(self.notes.get(int(request.match_info["id"]), [])))

    async def list_configurations(self, request: web.Request) -> web.Response:
        return self._page(request, list(self.configurations.get(int(request.match_info["id"]), [])))

    # --- assertions helpers ----------------------------------------------------------

    def methods(self) -> set[str]:
        with self._lock:
            return {m for m, _ in self.requests}


def populate(standin: StandIn, *, tickets: int, notes_per_ticket: int, companies: list[str],
             start: datetime, seed: int = 3) -> None:
    """A large, deterministic PSA: ``tickets`` tickets spread over ``companies``, some resolved."""
    rng = random.Random(seed)
    note_id = 1_000_000
    for n in range(tickets):
        tid = 10_000 + n
        updated = start + timedelta(minutes=n)
        company = companies[n % len(companies)]
        closed = rng.random() < 0.4
        standin.add_ticket(tid, company=company, summary=f"Ticket {tid}: printer queue stuck on PRN-{n % 50}",
                           status="Closed" if closed else "In Progress", updated=updated, closed=closed)
        for k in range(notes_per_ticket):
            note_id += 1
            kind = "discussion" if k == 0 else ("internal" if k % 3 else "discussion")
            standin.add_note(tid, note_id, f"Note {k} on {tid}: restarted the spooler, no change.", kind=kind,
                             at=updated - timedelta(minutes=notes_per_ticket - k))
        standin.add_configuration(tid, 500 + n % 50, f"PRN-{n % 50}")


def main() -> None:
    """``python -m bench.support.connectwise_standin --tickets N --notes M``: serve until killed.

    Prints the URL on the first line; used by the benchmark to keep the
    stand-in out of the measured process (as a real PSA would be).
    """
    import argparse
    import sys
    import time as _time

    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=8)
    parser.add_argument("--companies", default="AcmeDental,RidgelineMfg")
    args = parser.parse_args()
    server = StandIn().start()
    populate(server, tickets=args.tickets, notes_per_ticket=args.notes, companies=args.companies.split(","),
             start=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    print(server.url, flush=True)
    try:
        while True:
            _time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
