"""ConnectWise PSA (formerly Manage): tickets, notes and configurations over REST, read-only.

What the API documents and this relies on (sources cited in tests/unit/test_psa_connectwise.py):
  * Auth: ``Authorization: Basic base64("{company}+{publicKey}:{privateKey}")`` of an
    API member, plus the integration's ``clientId`` header.
  * The codebase: ``GET {site}/login/companyinfo/{company}`` answers ``{"Codebase":
    "v2025_1/", ...}``; the REST root is ``{site}/{codebase}apis/3.0/``
    (``v4_6_release/`` when the lookup gives nothing).
  * ``GET service/tickets?conditions=lastUpdated>=[ISO]&orderBy=id asc&page=N&pageSize=M``
    (pageSize at most 1000); a ``Link`` header names the ``rel="next"`` page.
  * ``GET service/tickets/{id}`` (404 ``{"code": "NotFound", ...}`` when absent),
    ``.../{id}/notes`` (``detailDescriptionFlag`` = discussion, ``internalAnalysisFlag``,
    ``resolutionFlag``, ``internalFlag``/``externalFlag``) and ``.../{id}/configurations``.
  * Callbacks: see ``bot.psa.cw_callbacks``.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.config import Settings
from bot.errors import ConfigError
from bot.psa.base import ChangedPage, PsaDevice, PsaNote, PsaTicket, WebhookEvent, parse_time
from bot.psa.cw_callbacks import CallbackVerifier
from bot.psa.http import PsaError, PsaHttp, RetryPolicy, link_next

log = logging.getLogger("handoff.psa.connectwise")

DEFAULT_CODEBASE = "v4_6_release/"
NAME = "connectwise"
MAX_PAGE_SIZE = 1000  # the API's hard limit per page



def _name(ref: Any) -> str | None:
    if isinstance(ref, dict):
        value = ref.get("name") or ref.get("identifier")
        return str(value) if value else None
    return None


def _cw_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ConnectWiseConnector:
    name = NAME

    def __init__(self, *, site: str, company: str, public_key: str, private_key: str, client_id: str,
                 timeout_s: float = 20.0, policy: RetryPolicy | None = None, codebase: str | None = None,
                 fetch_workers: int = 4) -> None:
        self.site = site.rstrip("/")
        self.company = company
        token = base64.b64encode(f"{company}+{public_key}:{private_key}".encode()).decode("ascii")
        self.http = PsaHttp(self.site, timeout_s=timeout_s, policy=policy, describe="ConnectWise",
                            headers={"Authorization": f"Basic {token}", "clientId": client_id,
                                     "Accept": "application/json"})
        self._codebase = codebase
        self.callbacks = CallbackVerifier(self.site, self.http)
        self._workers = max(1, fetch_workers)

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectWiseConnector:
        missing = [env for env, value in [
            ("HANDOFF_CONNECTWISE_SITE", settings.connectwise_site),
            ("HANDOFF_CONNECTWISE_COMPANY", settings.connectwise_company),
            ("HANDOFF_CONNECTWISE_PUBLIC_KEY", settings.connectwise_public_key),
            ("HANDOFF_CONNECTWISE_PRIVATE_KEY", settings.connectwise_private_key),
            ("HANDOFF_CONNECTWISE_CLIENT_ID", settings.connectwise_client_id),
        ] if not value]
        if missing:
            raise ConfigError(f"ConnectWise is not configured: set {', '.join(missing)} (see README, 'PSA connectors')")
        return cls(site=settings.connectwise_site or "", company=settings.connectwise_company or "",
                   public_key=settings.connectwise_public_key or "",
                   private_key=settings.connectwise_private_key or "",
                   client_id=settings.connectwise_client_id or "", timeout_s=settings.psa_timeout_s,
                   policy=RetryPolicy(max_retries=settings.psa_max_retries,
                                      max_retry_after_s=settings.psa_max_retry_after_s))

    def close(self) -> None:
        self.http.close()

    # --- paths -----------------------------------------------------------------

    @property
    def codebase(self) -> str:
        if self._codebase is None:
            found = None
            try:
                answer = self.http.get(f"/login/companyinfo/{quote(self.company, safe='')}", allow_404=True)
                if isinstance(answer.data, dict):
                    found = answer.data.get("Codebase")
            except PsaError as exc:
                log.warning("ConnectWise companyinfo lookup failed (%s); using %s", exc.message, DEFAULT_CODEBASE)
            found = str(found).strip("/") + "/" if found else DEFAULT_CODEBASE
            self._codebase = found
        return self._codebase

    def _api(self, path: str) -> str:
        return f"/{self.codebase}apis/3.0/{path}"

    def ticket_url(self, ticket_id: str) -> str:
        return (f"{self.site}/{self.codebase}services/system_io/Service/fv_sr100_request.rails"
                f"?service_recid={quote(ticket_id)}&companyName={quote(self.company)}")

    # --- reads -----------------------------------------------------------------

    def fetch_ticket(self, ticket_id: str) -> PsaTicket | None:
        if not str(ticket_id).isdigit():
            return None  # ConnectWise ticket ids are numbers; anything else cannot exist there
        answer = self.http.get(self._api(f"service/tickets/{ticket_id}"), allow_404=True)
        if answer.status == 404 or not isinstance(answer.data, dict):
            return None
        return self.fetch_notes_and_devices(self._ticket(answer.data))

    def count_changed(self, since: datetime | None) -> int | None:
        """How many tickets a sync from ``since`` will page through (for a progress bar)."""
        params = {"conditions": f"lastUpdated >= [{_cw_time(since)}]"} if since is not None else {}
        answer = self.http.get(self._api("service/tickets/count"), params)
        count = answer.data.get("count") if isinstance(answer.data, dict) else None
        return count if isinstance(count, int) else None

    def changed_pages(self, since: datetime | None, *, start_page: int = 1,
                      page_size: int = MAX_PAGE_SIZE) -> Iterator[ChangedPage]:
        page = max(1, start_page)
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        params: dict[str, Any] = {"orderBy": "id asc", "pageSize": size}
        if since is not None:
            # >= rather than >: a ticket updated in the watermark's own second is fetched again
            # (the upsert is idempotent) instead of being missed.
            params["conditions"] = f"lastUpdated >= [{_cw_time(since)}]"
        while True:
            answer = self.http.get(self._api("service/tickets"), {**params, "page": page})
            rows = answer.data if isinstance(answer.data, list) else []
            tickets = [self._ticket(row) for row in rows if isinstance(row, dict)]
            has_next = link_next(answer.headers) is not None and bool(rows)
            yield ChangedPage(page=page, tickets=tickets, has_next=has_next)
            if not has_next:
                return
            page += 1

    def fetch_notes_and_devices(self, ticket: PsaTicket) -> PsaTicket:
        notes = [self._note(row) for row in self._all(f"service/tickets/{ticket.id}/notes")]
        devices = [self._device(row) for row in self._all(f"service/tickets/{ticket.id}/configurations")]
        notes.sort(key=lambda n: (n.at or ticket.created_at, n.id))
        return _replace(ticket, notes=tuple(notes), devices=tuple(d for d in devices if d))

    def fill_many(self, tickets: list[PsaTicket]) -> list[PsaTicket]:
        """Notes and devices of many tickets, fetched in parallel (the API is the bottleneck)."""
        if len(tickets) <= 1 or self._workers == 1:
            return [self.fetch_notes_and_devices(t) for t in tickets]
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="cw-fetch") as pool:
            return list(pool.map(self.fetch_notes_and_devices, tickets))

    def _all(self, path: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self.http.get(self._api(path), {"page": page, "pageSize": MAX_PAGE_SIZE})
            batch = answer.data if isinstance(answer.data, list) else []
            rows.extend(r for r in batch if isinstance(r, dict))
            if not batch or link_next(answer.headers) is None:
                return rows
            page += 1

    def verify_webhook(self, raw: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        return self.callbacks.verify(raw, headers)

    # --- shapes ------------------------------------------------------------------

    def _ticket(self, row: dict[str, Any]) -> PsaTicket:
        info = row.get("_info")
        info = info if isinstance(info, dict) else {}
        company = row.get("company")
        company = company if isinstance(company, dict) else {}
        ticket_id = str(row.get("id"))
        created = parse_time(info.get("dateEntered")) or parse_time(row.get("dateEntered"))
        updated = parse_time(info.get("lastUpdated"))
        return PsaTicket(
            connector=NAME,
            id=ticket_id,
            company=str(company.get("identifier") or ""),
            summary=str(row.get("summary") or f"ConnectWise ticket {ticket_id}"),
            board=_name(row.get("board")),
            status=_name(row.get("status")),
            closed=bool(row.get("closedFlag")),
            created_at=created or updated or datetime.now(UTC),
            updated_at=updated,
            priority=_name(row.get("priority")),
            type=_name(row.get("type")),
            contact=row.get("contactName") or _name(row.get("contact")),
            resolved_at=parse_time(row.get("dateResolved")) or parse_time(row.get("closedDate")),
            url=self.ticket_url(ticket_id),
        )

    @staticmethod
    def _note(row: dict[str, Any]) -> PsaNote:
        if row.get("resolutionFlag"):
            kind = "resolution"
        elif row.get("internalAnalysisFlag"):
            kind = "internal"
        else:
            kind = "discussion"
        # Internal analysis never reaches the customer; a discussion or resolution
        # note does unless it is flagged internal.
        visible = kind != "internal" and not row.get("internalFlag")
        member = _name(row.get("member"))
        contact = _name(row.get("contact"))
        return PsaNote(id=str(row.get("id")), text=str(row.get("text") or "").strip(), kind=kind,  # type: ignore[arg-type]
                       customer_visible=visible, at=parse_time(row.get("dateCreated")),
                       author=member or contact or row.get("createdBy"))

    @staticmethod
    def _device(row: dict[str, Any]) -> PsaDevice | None:
        if row.get("id") is None:
            return None
        name = row.get("deviceIdentifier") or row.get("name") or f"configuration {row.get('id')}"
        return PsaDevice(id=str(row.get("id")), name=str(name))


def _replace(ticket: PsaTicket, **changes: Any) -> PsaTicket:
    from dataclasses import replace

    return replace(ticket, **changes)
