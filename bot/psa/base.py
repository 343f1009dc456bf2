"""The connector interface and the PSA-neutral shapes connectors return.

A connector speaks one PSA's API and hands back ``PsaTicket`` values; nothing
past this module knows a PSA's field names. Text in these values comes from
the PSA and is data, never instructions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

NoteKind = Literal["description", "internal", "discussion", "resolution"]


@dataclass(frozen=True)
class PsaNote:
    id: str
    text: str
    kind: NoteKind
    # True when the customer can see the note (portal, e-mail): a discussion
    # or resolution note unless the PSA marks it internal.
    customer_visible: bool
    at: datetime | None = None
    author: str | None = None


@dataclass(frozen=True)
class PsaDevice:
    id: str
    name: str


@dataclass(frozen=True)
class PsaTicket:
    connector: str
    id: str
    company: str  # the PSA's company identifier, what tenants.yaml ``psa:`` names
    summary: str
    board: str | None
    status: str | None
    closed: bool
    created_at: datetime
    updated_at: datetime | None
    priority: str | None = None
    type: str | None = None
    contact: str | None = None
    resolved_at: datetime | None = None
    escalation_flag: bool = False  # the PSA's own "escalated" marker, where it has one
    url: str | None = None
    description: str | None = None  # when the PSA returns it as a field (HaloPSA ``details``)
    notes: tuple[PsaNote, ...] = ()
    devices: tuple[PsaDevice, ...] = ()


@dataclass(frozen=True)
class ChangedPage:
    """One page of tickets changed since a watermark (without notes)."""

    page: int
    tickets: list[PsaTicket]
    has_next: bool


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook: what changed, and a key to process it once."""

    delivery_id: str
    kind: str  # "ticket" or whatever else the PSA sends (ignored)
    action: str  # added | updated | deleted | ...
    ticket_id: str | None
    extra: dict[str, str] = field(default_factory=dict)


class WebhookRejected(Exception):
    """A webhook that is not authentic or not readable; ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


class PsaConnector(Protocol):
    """What every PSA connector offers; all calls are reads."""

    name: str

    def fetch_ticket(self, ticket_id: str) -> PsaTicket | None:
        """The ticket with its notes and devices, or None when the PSA has no such ticket."""

    def changed_pages(self, since: datetime | None, *, start_page: int = 1,
                      page_size: int = 1000) -> Iterator[ChangedPage]:
        """Tickets changed at or after ``since`` (all, when None), resolved ones too, page by page."""

    def fetch_notes_and_devices(self, ticket: PsaTicket) -> PsaTicket:
        """``ticket`` with its notes and devices filled in."""

    def verify_webhook(self, raw: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """The event of an authentic webhook; raises ``WebhookRejected`` otherwise."""

    def close(self) -> None: ...


def parse_time(value: Any) -> datetime | None:
    """A PSA's ISO 8601 time, as UTC: ConnectWise and Autotask write ``...Z``, HaloPSA often writes no zone
    at all (its API's times are UTC). Anything else (empty, not a string, not a time) is None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
