"""Autotask (Datto) PSA: tickets and ticket notes over the REST API, read-only.

What this relies on (sources cited in tests/unit/test_psa_autotask.py):
  * Auth headers ``ApiIntegrationCode``, ``UserName``, ``Secret``; the zone's REST root from
    ``GET https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation?user=<user>``
    (``{"url": "https://webservicesN.autotask.net/atservicesrest", "webUrl": ...}``).
  * ``GET /v1.0/Tickets/{id}`` -> ``{"item": {...}}``; ``GET /v1.0/Tickets/query?search=<json filter>``
    -> ``{"items": [...], "pageDetails": {"count", "requestCount", "prevPageUrl", "nextPageUrl"}}``,
    at most 500 a page; changes since a time with ``lastActivityDate gte`` (the "best practices"
    article names LastActivityDate for Ticket).
  * Picklist labels (status, queue, priority) from ``GET /v1.0/Tickets/entityInformation/fields``.
  * ``GET /v1.0/TicketNotes/query?search={"filter":[{"op":"eq","field":"ticketID","value":N}]}``;
    a note's ``publish`` picklist label ``All`` is what the customer sees, anything else is internal.
  * Webhooks: ``X-Hook-Signature: sha1=<base64 HMAC-SHA1(secret key, body)>``; the body carries
    ``Action``, ``Guid``, ``EntityType``, ``Id``, ``SequenceNumber``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings
from bot.errors import ConfigError
from bot.psa.base import ChangedPage, PsaDevice, PsaNote, PsaTicket, WebhookEvent, WebhookRejected, parse_time
from bot.psa.http import PsaError, PsaHttp, RetryPolicy

NAME = "autotask"
ZONE_LOOKUP = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
MAX_PAGE_SIZE = 500



def _search(filters: list[dict[str, Any]], max_records: int | None = None) -> str:
    query: dict[str, Any] = {"filter": filters}
    if max_records:
        query["MaxRecords"] = max_records
    return json.dumps(query, separators=(",", ":"))


def _origin(url: str) -> tuple[str, str | None, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port


def _next_page(data: dict[str, Any], root: str) -> str | None:
    details = data.get("pageDetails")
    url = details.get("nextPageUrl") if isinstance(details, dict) else None
    if not url:
        return None
    if _origin(str(url)) != _origin(root):
        # The credentials go with every request: never to a host other than the zone's.
        raise PsaError(f"Autotask named a next page on another host ({url}); refusing to follow it")
    return str(url)


class AutotaskConnector:
    name = NAME

    def __init__(self, *, username: str, secret: str, integration_code: str, zone_url: str | None = None,
                 web_url: str | None = None, webhook_secret: str | None = None, timeout_s: float = 20.0,
                 policy: RetryPolicy | None = None, fetch_workers: int = 4, zone_lookup: str = ZONE_LOOKUP) -> None:
        self._headers = {"ApiIntegrationCode": integration_code, "UserName": username, "Secret": secret,
                         "Accept": "application/json"}
        self._username = username
        self._timeout, self._policy = timeout_s, policy
        self._zone_url = zone_url.rstrip("/") if zone_url else None
        self._web_url = web_url
        self._zone_lookup = zone_lookup
        self._webhook_secret = webhook_secret
        self._http: PsaHttp | None = None
        self._picklists: dict[str, dict[str, dict[str, str]]] = {}
        self._lock = threading.Lock()
        self._workers = max(1, fetch_workers)

    @classmethod
    def from_settings(cls, settings: Settings) -> AutotaskConnector:
        missing = [env for env, value in [
            ("HANDOFF_AUTOTASK_USERNAME", settings.autotask_username),
            ("HANDOFF_AUTOTASK_SECRET", settings.autotask_secret),
            ("HANDOFF_AUTOTASK_INTEGRATION_CODE", settings.autotask_integration_code),
        ] if not value]
        if missing:
            raise ConfigError(f"Autotask is not configured: set {', '.join(missing)} (see README, 'PSA connectors')")
        return cls(username=settings.autotask_username or "", secret=settings.autotask_secret or "",
                   integration_code=settings.autotask_integration_code or "", zone_url=settings.autotask_zone_url,
                   webhook_secret=settings.autotask_webhook_secret, timeout_s=settings.psa_timeout_s,
                   policy=RetryPolicy(max_retries=settings.psa_max_retries,
                                      max_retry_after_s=settings.psa_max_retry_after_s))

    @property
    def http(self) -> PsaHttp:
        with self._lock:
            if self._http is None:
                root = self._zone_url
                if root is None:
                    lookup = PsaHttp("", timeout_s=self._timeout, policy=self._policy, describe="Autotask zones",
                                     headers={"Accept": "application/json"})
                    try:
                        data = lookup.get(self._zone_lookup, {"user": self._username}).data
                    finally:
                        lookup.close()
                    if not isinstance(data, dict) or not data.get("url"):
                        raise PsaError("Autotask zoneInformation did not name the zone's URL")
                    root = str(data["url"]).rstrip("/")
                    self._web_url = self._web_url or data.get("webUrl")
                self._http = PsaHttp(root, headers=self._headers, timeout_s=self._timeout, policy=self._policy,
                                     describe="Autotask")
            return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    # --- picklists ---------------------------------------------------------------------

    def _labels(self, entity: str, field: str) -> dict[str, str]:
        if entity not in self._picklists:
            data = self.http.get(f"/v1.0/{entity}/entityInformation/fields").data
            table: dict[str, dict[str, str]] = {}
            for item in (data or {}).get("fields") or []:
                if isinstance(item, dict) and item.get("isPickList"):
                    table[str(item.get("name")).lower()] = {
                        str(v.get("value")): str(v.get("label")) for v in item.get("picklistValues") or []
                        if isinstance(v, dict)}
            self._picklists[entity] = table
        return self._picklists[entity].get(field.lower(), {})

    # --- reads -------------------------------------------------------------------------

    def fetch_ticket(self, ticket_id: str) -> PsaTicket | None:
        if not str(ticket_id).isdigit():
            return None
        answer = self.http.get(f"/v1.0/Tickets/{ticket_id}", allow_404=True)
        item = answer.data.get("item") if isinstance(answer.data, dict) else None
        if answer.status == 404 or not isinstance(item, dict):
            return None
        return self.fetch_notes_and_devices(self._ticket(item))

    def changed_pages(self, since: datetime | None, *, start_page: int = 1,
                      page_size: int = MAX_PAGE_SIZE) -> Iterator[ChangedPage]:
        # Autotask pages by nextPageUrl only: a resumed run walks the list pages it already stored
        # (one request per 500 tickets) without fetching their notes again.
        field = {"op": "gte", "field": "lastActivityDate", "value": since.astimezone(UTC).isoformat()} \
            if since is not None else {"op": "gte", "field": "id", "value": 0}
        url: str | None = "/v1.0/Tickets/query"
        params: dict[str, Any] | None = {"search": _search([field], min(page_size, MAX_PAGE_SIZE))}
        page = 0
        while url:
            page += 1
            data = self.http.get(url, params).data
            data = data if isinstance(data, dict) else {}
            url, params = _next_page(data, str(self.http.base_url)), None
            if page < start_page:
                continue
            rows = [r for r in data.get("items") or [] if isinstance(r, dict)]
            yield ChangedPage(page=page, tickets=[self._ticket(r) for r in rows], has_next=url is not None)

    def fetch_notes_and_devices(self, ticket: PsaTicket) -> PsaTicket:
        search = _search([{"op": "eq", "field": "ticketID", "value": int(ticket.id)}])
        notes: list[PsaNote] = []
        url: str | None = "/v1.0/TicketNotes/query"
        params: dict[str, Any] | None = {"search": search}
        publish = self._labels("TicketNotes", "publish")
        while url:
            data = self.http.get(url, params).data
            data = data if isinstance(data, dict) else {}
            for row in data.get("items") or []:
                if isinstance(row, dict) and str(row.get("description") or "").strip():
                    visible = publish.get(str(row.get("publish")), "").strip().lower() == "all"
                    notes.append(PsaNote(id=str(row.get("id")), text=str(row["description"]).strip(),
                                         kind="discussion" if visible else "internal", customer_visible=visible,
                                         at=parse_time(row.get("createDateTime")),
                                         author=str(row.get("creatorResourceID") or "") or None))
            url, params = _next_page(data, str(self.http.base_url)), None
        notes.sort(key=lambda n: (n.at or ticket.created_at, n.id))
        return replace(ticket, notes=tuple(notes))

    def fill_many(self, tickets: list[PsaTicket]) -> list[PsaTicket]:
        if len(tickets) <= 1 or self._workers == 1:
            return [self.fetch_notes_and_devices(t) for t in tickets]
        self._labels("TicketNotes", "publish")  # once, before the threads need it
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="at-fetch") as pool:
            return list(pool.map(self.fetch_notes_and_devices, tickets))

    # --- webhooks ------------------------------------------------------------------------

    def verify_webhook(self, raw: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        if not self._webhook_secret:
            raise WebhookRejected(401, "not_configured", "set HANDOFF_AUTOTASK_WEBHOOK_SECRET (the webhook's SecretKey)")
        given = {k.lower(): v for k, v in headers.items()}.get("x-hook-signature", "").strip()
        digest = hmac.new(self._webhook_secret.encode(), raw, hashlib.sha1).digest()
        expected = "sha1=" + base64.b64encode(digest).decode()
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected(401, "bad_signature", "missing or wrong X-Hook-Signature")
        try:
            body = json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WebhookRejected(400, "malformed", f"body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise WebhookRejected(400, "malformed", "body must be a JSON object")
        kind = str(body.get("EntityType") or "").strip().lower()
        guid, sequence = body.get("Guid"), body.get("SequenceNumber")
        delivery = f"{guid}:{sequence}" if guid and sequence is not None else hashlib.sha256(raw).hexdigest()
        raw_id = body.get("Id")
        ticket_id = None
        if kind == "ticket":
            if isinstance(raw_id, bool) or not isinstance(raw_id, (int, str)) or not str(raw_id).strip().isdigit():
                raise WebhookRejected(400, "malformed", "Id: a ticket webhook needs the ticket's numeric id")
            ticket_id = str(raw_id).strip()
        return WebhookEvent(delivery, kind or "unknown", str(body.get("Action") or "").lower(), ticket_id)

    # --- shapes ------------------------------------------------------------------------

    def _ticket(self, row: dict[str, Any]) -> PsaTicket:
        ticket_id = str(row.get("id"))
        status = self._labels("Tickets", "status").get(str(row.get("status")))
        queue = self._labels("Tickets", "queueID").get(str(row.get("queueID")))
        priority = self._labels("Tickets", "priority").get(str(row.get("priority")))
        created = parse_time(row.get("createDate"))
        updated = parse_time(row.get("lastActivityDate"))
        completed = parse_time(row.get("completedDate"))
        device = row.get("configurationItemID")
        web = (self._web_url or "").rstrip("/")
        return PsaTicket(
            connector=NAME, id=ticket_id, company=str(row.get("companyID") or ""),
            summary=str(row.get("title") or f"Autotask ticket {row.get('ticketNumber') or ticket_id}"),
            board=queue, status=status, closed=completed is not None,
            created_at=created or updated or datetime.now(UTC), updated_at=updated, priority=priority,
            resolved_at=completed,
            url=f"{web}/Mvc/ServiceDesk/TicketDetail.mvc?ticketId={ticket_id}" if web else None,
            description=str(row.get("description") or "").strip() or None,
            devices=(PsaDevice(str(device), f"configuration item {device}"),) if device else (),
        )
