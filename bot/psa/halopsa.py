"""HaloPSA: tickets and actions over the REST API, read-only, with OAuth2 client credentials.

What this relies on (sources cited in tests/unit/test_psa_halopsa.py):
  * Auth: ``GET {site}/api/authinfo`` names the ``auth_url``; ``POST {auth_url}/token``
    (``?tenant=`` for hosted instances) with ``grant_type=client_credentials``, ``client_id``,
    ``client_secret``, ``scope=all`` answers ``{access_token, token_type, expires_in}``;
    ``{site}/auth/token`` when authinfo gives nothing. Requests carry ``Authorization: Bearer``.
  * ``GET /api/tickets?pageinate=true&page_size=N&page_no=K&order=last_update&orderdesc=true``
    answers ``{"record_count", "tickets": [...]}``; ``GET /api/tickets/{id}?includedetails=true``
    adds ``status_name``, ``tickettype_name``, ``priority`` (the ticket's ``client_id`` is the
    company tenants.yaml ``psa: {halopsa: <id>}`` names; ``team`` the team's name).
  * ``GET /api/actions?ticket_id=N&excludesys=true`` (``&excludeprivate=true`` leaves out private
    actions: the difference is what the customer does not see).
  * Webhooks: HaloPSA sends them with the authentication configured on the webhook; Handoff
    expects Basic authentication with ``HANDOFF_HALOPSA_WEBHOOK_USER``/``..._PASSWORD``.

Changes since a watermark: ordered by ``last_update`` newest first, paged until a page
reaches tickets older than the watermark (the list API's documented ``order``/``orderdesc``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.config import Settings
from bot.errors import ConfigError
from bot.psa.base import ChangedPage, PsaNote, PsaTicket, WebhookEvent, WebhookRejected, parse_time
from bot.psa.http import PsaError, PsaHttp, RetryPolicy

NAME = "halopsa"
MAX_PAGE_SIZE = 100



class HaloPsaConnector:
    name = NAME

    def __init__(self, *, site: str, client_id: str, client_secret: str, tenant: str | None = None,
                 webhook_user: str | None = None, webhook_password: str | None = None,
                 timeout_s: float = 20.0, policy: RetryPolicy | None = None, fetch_workers: int = 4) -> None:
        self.site = site.rstrip("/")
        self.http = PsaHttp(self.site, timeout_s=timeout_s, policy=policy, describe="HaloPSA",
                            headers={"Accept": "application/json"})
        self._client_id, self._secret, self._tenant = client_id, client_secret, tenant
        self._webhook_user, self._webhook_password = webhook_user, webhook_password
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self._workers = max(1, fetch_workers)
        self.token_requests = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> HaloPsaConnector:
        missing = [env for env, value in [
            ("HANDOFF_HALOPSA_SITE", settings.halopsa_site),
            ("HANDOFF_HALOPSA_CLIENT_ID", settings.halopsa_client_id),
            ("HANDOFF_HALOPSA_CLIENT_SECRET", settings.halopsa_client_secret),
        ] if not value]
        if missing:
            raise ConfigError(f"HaloPSA is not configured: set {', '.join(missing)} (see README, 'PSA connectors')")
        return cls(site=settings.halopsa_site or "", client_id=settings.halopsa_client_id or "",
                   client_secret=settings.halopsa_client_secret or "", tenant=settings.halopsa_tenant,
                   webhook_user=settings.halopsa_webhook_user, webhook_password=settings.halopsa_webhook_password,
                   timeout_s=settings.psa_timeout_s,
                   policy=RetryPolicy(max_retries=settings.psa_max_retries,
                                      max_retry_after_s=settings.psa_max_retry_after_s))

    def close(self) -> None:
        self.http.close()

    # --- auth ------------------------------------------------------------------------

    def _bearer(self, *, renew: bool = False) -> str:
        with self._lock:
            if self._token and not renew and time.monotonic() < self._token[1]:
                return self._token[0]
            token_url = f"{self.site}/auth/token"
            info = self.http.get("/api/authinfo", allow_404=True)
            if isinstance(info.data, dict) and info.data.get("auth_url"):
                token_url = str(info.data["auth_url"]).rstrip("/") + "/token"
            if self._tenant:
                token_url += f"?tenant={self._tenant}"
            answer = self.http.post_form(token_url, {"grant_type": "client_credentials", "client_id": self._client_id,
                                                     "client_secret": self._secret, "scope": "all"})
            self.token_requests += 1
            data = answer.data if isinstance(answer.data, dict) else {}
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise PsaError("HaloPSA token endpoint answered without an access_token")
            lifetime = float(data.get("expires_in") or 3600)
            self._token = (token, time.monotonic() + max(30.0, lifetime - 60))
            return token

    def _get(self, path: str, params: Mapping[str, Any] | None = None, *, allow_404: bool = False) -> Any:
        self.http.set_header("Authorization", f"Bearer {self._bearer()}")
        try:
            return self.http.get(path, params, allow_404=allow_404)
        except PsaError as exc:
            if exc.status != 401:
                raise
            # The token expired early or was revoked: one new token, one more try.
            self.http.set_header("Authorization", f"Bearer {self._bearer(renew=True)}")
            return self.http.get(path, params, allow_404=allow_404)

    # --- reads -------------------------------------------------------------------------

    def fetch_ticket(self, ticket_id: str) -> PsaTicket | None:
        if not str(ticket_id).isdigit():
            return None
        answer = self._get(f"/api/tickets/{ticket_id}", {"includedetails": "true"}, allow_404=True)
        if answer.status == 404 or not isinstance(answer.data, dict):
            return None
        return self._with_actions(self._ticket(answer.data))

    def changed_pages(self, since: datetime | None, *, start_page: int = 1,
                      page_size: int = MAX_PAGE_SIZE) -> Iterator[ChangedPage]:
        page = max(1, start_page)
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        while True:
            answer = self._get("/api/tickets", {"pageinate": "true", "page_size": size, "page_no": page,
                                                "order": "last_update", "orderdesc": "true"})
            data = answer.data if isinstance(answer.data, dict) else {}
            rows = [r for r in data.get("tickets") or [] if isinstance(r, dict)]
            tickets = [self._ticket(r) for r in rows]
            fresh = [t for t in tickets if since is None or (t.updated_at or t.created_at) >= since]
            total = int(data.get("record_count") or 0)
            more = bool(rows) and page * size < total and len(fresh) == len(tickets)
            yield ChangedPage(page=page, tickets=fresh, has_next=more)
            if not more:
                return
            page += 1

    def fetch_notes_and_devices(self, ticket: PsaTicket) -> PsaTicket:
        # The list answer lacks status and type names: the detailed ticket has them.
        answer = self._get(f"/api/tickets/{ticket.id}", {"includedetails": "true"}, allow_404=True)
        if answer.status != 404 and isinstance(answer.data, dict):
            ticket = self._ticket(answer.data)
        return self._with_actions(ticket)

    def fill_many(self, tickets: list[PsaTicket]) -> list[PsaTicket]:
        if len(tickets) <= 1 or self._workers == 1:
            return [self.fetch_notes_and_devices(t) for t in tickets]
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="halo-fetch") as pool:
            return list(pool.map(self.fetch_notes_and_devices, tickets))

    def _with_actions(self, ticket: PsaTicket) -> PsaTicket:
        every = self._actions(ticket.id, private=True)
        public = {a.get("id") for a in self._actions(ticket.id, private=False)}
        notes = [self._note(a, a.get("id") in public) for a in every if str(a.get("note") or "").strip()]
        notes.sort(key=lambda n: (n.at or ticket.created_at, n.id))
        return replace(ticket, notes=tuple(notes))

    def _actions(self, ticket_id: str, *, private: bool) -> list[dict[str, Any]]:
        params = {"ticket_id": ticket_id, "excludesys": "true"}
        if not private:
            params["excludeprivate"] = "true"
        data = self._get("/api/actions", params).data
        rows = data.get("actions") if isinstance(data, dict) else None
        return [r for r in rows or [] if isinstance(r, dict)]

    # --- webhooks ------------------------------------------------------------------------

    def verify_webhook(self, raw: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        if not self._webhook_user or not self._webhook_password:
            raise WebhookRejected(401, "not_configured",
                                  "set HANDOFF_HALOPSA_WEBHOOK_USER and HANDOFF_HALOPSA_WEBHOOK_PASSWORD")
        given = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self._webhook_user}:{self._webhook_password}".encode()).decode()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected(401, "bad_credentials", "missing or wrong Basic credentials")
        try:
            body = json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WebhookRejected(400, "malformed", f"body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise WebhookRejected(400, "malformed", "body must be a JSON object")
        ticket = body.get("ticket")
        ticket = ticket if isinstance(ticket, dict) else {}
        raw_id = ticket.get("id", body.get("ticket_id"))
        if isinstance(raw_id, bool) or not isinstance(raw_id, (int, str)) or not str(raw_id).strip().isdigit():
            return WebhookEvent(hashlib.sha256(raw).hexdigest(), "unknown", "", None)
        # No delivery id is documented: the same body twice is the same delivery.
        return WebhookEvent(hashlib.sha256(raw).hexdigest(), "ticket", str(body.get("event") or "updated"),
                            str(raw_id).strip())

    # --- shapes ------------------------------------------------------------------------

    def _ticket(self, row: dict[str, Any]) -> PsaTicket:
        ticket_id = str(row.get("id"))
        priority = row.get("priority")
        created = parse_time(row.get("datecreated")) or parse_time(row.get("dateoccurred"))
        updated = parse_time(row.get("last_update")) or parse_time(row.get("lastactiondate"))
        status = row.get("status_name")
        return PsaTicket(
            connector=NAME,
            id=ticket_id,
            company=str(row.get("client_id") or ""),
            summary=str(row.get("summary") or f"HaloPSA ticket {ticket_id}"),
            board=row.get("team") or None,
            status=str(status) if status else None,
            closed=bool(row.get("inactive")) or bool(status and str(status).lower() == "closed"),
            created_at=created or updated or datetime.now(UTC),
            updated_at=updated,
            priority=(priority.get("name") if isinstance(priority, dict) else None) or None,
            type=row.get("tickettype_name") or None,
            contact=row.get("user_name") or None,
            url=f"{self.site}/ticket?id={ticket_id}",
            description=str(row.get("details") or "").strip() or None,
        )

    @staticmethod
    def _note(row: dict[str, Any], public: bool) -> PsaNote:
        return PsaNote(id=str(row.get("id")), text=str(row.get("note") or "").strip(),
                       kind="discussion" if public else "internal", customer_visible=public,
                       at=parse_time(row.get("datetime")), author=row.get("who") or row.get("on_behalf_of_name") or None)
