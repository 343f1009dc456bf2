"""SQLModel tables: the store's schema.

Every row that belongs to a client carries ``tenant_id`` so that every read
can be scoped by it (see ``bot/db/store.py``). Shared knowledge uses the reserved
tenant id ``_global``, which is never a client.

Schema changes go through Alembic revisions in ``bot/db/migrations/versions``;
``tests/test_migrations.py`` fails when these classes and the migrations drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

GLOBAL_TENANT = "_global"


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no timezone type and would hand back naive datetimes; storing
    naive UTC and re-attaching UTC on the way out gives the same behaviour on
    SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; times must carry a zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json(default_factory: Any = list) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


def _text(nullable: bool = True) -> Any:
    return Field(default=None if nullable else "", sa_column=Column(Text, nullable=nullable))


class Tenant(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str
    aliases: list[str] = _json()
    slack_channels: list[str] = _json()
    teams_channels: list[str] = _json()
    # The client's company id per PSA connector ({"connectwise": "BluefinClinics"}).
    psa: dict[str, str] = _json(dict)
    # Sites and device dependencies from tenants.yaml (bot/alerts/topology.py); None: none given.
    topology: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    content_hash: str = Field(max_length=64)
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class Ticket(SQLModel, table=True):
    # The PSA's ticket number: unique across the whole MSP, as PSAs number them.
    id: str = Field(primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    title: str
    description: str | None = _text()
    status: str = Field(max_length=20, index=True)
    priority: str | None = Field(default=None, max_length=20)
    category: str | None = Field(default=None, max_length=64, index=True)
    device: str | None = Field(default=None, max_length=255)
    contact: str | None = Field(default=None, max_length=255)
    created_at: datetime = _ts(nullable=False)
    escalated_at: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    reopened_count: int = 0
    url: str | None = None
    content_hash: str = Field(max_length=64)
    updated_at: datetime = _ts(nullable=False)


class TicketNote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("ticket_id", "note_id", name="uq_ticketnote_ticket_note"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    ticket_id: str = Field(foreign_key="ticket.id", index=True, max_length=64)
    note_id: str = Field(max_length=128)
    seq: int = 0
    at: datetime | None = _ts()
    author: str | None = None
    visibility: str = Field(max_length=20)
    text: str = _text(nullable=False)


class Alert(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_alert_source_external_id"),
        Index("ix_alert_tenant_at", "tenant_id", "at"),
        Index("ix_alert_tenant_device_at", "tenant_id", "device", "at"),
        # A signal's alerts (the packet's related clusters): without it the database walks every alert
        # the client ever had in time order (``ix_alert_tenant_at``) to find a few signals' alerts.
        Index("ix_alert_tenant_signal", "tenant_id", "signal_id"),
    )

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=64)
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=255)
    device: str | None = Field(default=None, max_length=255)
    check_name: str | None = Field(default=None, max_length=255)
    severity: str = Field(default="warning", max_length=20)
    message: str = _text(nullable=False)
    at: datetime = _ts(nullable=False)
    resolved_at: datetime | None = _ts()
    url: str | None = None
    labels: dict[str, Any] = _json(dict)
    content_hash: str = Field(max_length=64)
    # When Handoff first stored the alert, and when triage assigned it to a
    # signal: the two ends of time-to-classify.
    received_at: datetime = _ts(nullable=False)
    classified_at: datetime | None = _ts()
    signal_id: int | None = Field(default=None, index=True)


class Doc(SQLModel, table=True):
    """A Markdown document of one tenant's knowledge (or ``_global``)."""

    __table_args__ = (UniqueConstraint("tenant_id", "path", name="uq_doc_tenant_path"),)

    pk: int | None = Field(default=None, primary_key=True)
    # Not a foreign key: ``_global`` is a valid owner but not a client.
    tenant_id: str = Field(index=True, max_length=64)
    path: str = Field(max_length=512)
    title: str
    kind: str = Field(default="kb", max_length=32)
    url: str
    tags: list[str] = _json()
    devices: list[str] = _json()
    # Front-matter fields beyond the ones above (e.g. ``checks:``), kept so the
    # format can grow without a schema change per field.
    meta: dict[str, Any] = _json(dict)
    body: str = _text(nullable=False)
    content_hash: str = Field(max_length=64)
    updated_at: datetime = _ts(nullable=False)


class PacketRow(SQLModel, table=True):
    """A stored packet (the domain object is ``bot.packets.model.Packet``)."""

    __tablename__ = "packet"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    ticket_id: str = Field(foreign_key="ticket.id", index=True, max_length=64)
    generated_at: datetime = _ts(nullable=False)
    # The ticket state the packet was built from (hash, status, note ids), so a
    # later reader can tell whether the packet is stale.
    built_from: dict[str, Any] = _json(dict)
    writer: str = Field(default="extractive", max_length=64)
    requested_by: str | None = None
    requested_where: str | None = None
    mode: str = Field(default="on", max_length=16)
    body: dict[str, Any] = _json(dict)


class ClaimRow(SQLModel, table=True):
    """A stored claim of a packet (the domain object is ``bot.packets.model.Claim``)."""

    __tablename__ = "claim"
    __table_args__ = (UniqueConstraint("packet_pk", "claim_id", name="uq_claim_packet_claim"),)

    pk: int | None = Field(default=None, primary_key=True)
    packet_pk: int = Field(foreign_key="packet.pk", index=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    claim_id: str = Field(max_length=32)
    section: str = Field(max_length=32)
    text: str = _text(nullable=False)
    confidence: float
    confidence_label: str = Field(max_length=16)
    confidence_reason: str = ""
    sources: list[dict[str, Any]] = _json()


class PostedMessage(SQLModel, table=True):
    """A message Handoff posted, so reactions and clicks find their packet."""

    __table_args__ = (Index("ix_posted_platform_channel_ts", "platform", "channel", "message_id"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    packet_pk: int | None = Field(default=None, foreign_key="packet.pk", index=True)
    kind: str = Field(default="packet", max_length=32)
    platform: str = Field(max_length=16)
    channel: str = Field(max_length=255)
    message_id: str = Field(max_length=255)
    thread_id: str | None = Field(default=None, max_length=255)
    posted_by_request_of: str | None = None
    posted_at: datetime = _ts(nullable=False)


class Feedback(SQLModel, table=True):
    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    packet_pk: int | None = Field(default=None, foreign_key="packet.pk", index=True)
    claim_id: str | None = Field(default=None, max_length=32)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=255)
    kind: str = Field(max_length=32)  # accept | correction | flag
    started_at: datetime = _ts(nullable=False)
    ended_at: datetime | None = _ts()
    duration_s: float | None = None
    detail: dict[str, Any] = _json(dict)


class AuditEvent(SQLModel, table=True):
    """What was shown to whom, and every refusal."""

    pk: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(nullable=False, index=True)
    tenant_id: str | None = Field(default=None, index=True, max_length=64)
    actor: str | None = None
    platform: str | None = Field(default=None, max_length=16)
    channel: str | None = None
    action: str = Field(max_length=64)
    detail: dict[str, Any] = _json(dict)


class ProcessedEvent(SQLModel, table=True):
    """Platform deliveries already handled, so retries never act twice.

    Slack re-sends an event it thinks timed out (``X-Slack-Retry-Num``) and a
    PSA may call the escalation webhook twice; the key is the delivery's own id.
    """

    __table_args__ = (UniqueConstraint("platform", "key", name="uq_processedevent_platform_key"),)

    pk: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    key: str = Field(max_length=255)
    at: datetime = _ts(nullable=False)


class ConversationRef(SQLModel, table=True):
    """Where the bot can post proactively (Teams needs the stored reference)."""

    __table_args__ = (UniqueConstraint("platform", "channel_id", name="uq_conversationref_platform_channel"),)

    pk: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=255)
    reference: dict[str, Any] = _json(dict)
    updated_at: datetime = _ts(nullable=False)


class RolloutSwitch(SQLModel, table=True):
    """off / shadow / on, per client and ticket category ("*" = any)."""

    __table_args__ = (UniqueConstraint("tenant_id", "category", name="uq_rollout_tenant_category"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    category: str = Field(max_length=64)
    mode: str = Field(max_length=16)
    changed_at: datetime = _ts(nullable=False)
    changed_by: str | None = None


class Report(SQLModel, table=True):
    """A customer report draft, for internal review only."""

    # Two requests for the same period at the same moment would both read revision N and write N+1:
    # the database refuses the second, which recomputes (``report_store.save``).
    __table_args__ = (UniqueConstraint("tenant_id", "month", "period_report", "revision",
                                       name="uq_report_period_revision"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    month: str = Field(max_length=7)
    requested_at: datetime = _ts(nullable=False)
    ready_at: datetime | None = _ts()
    sent_at: datetime | None = _ts()
    requested_by: str | None = None
    marked_sent_by: str | None = None
    markdown: str = _text(nullable=False)
    sources: list[dict[str, Any]] = _json()
    # One report per client and period: every request until it is marked sent is a new revision (a new
    # row, the old kept) of the same ``report_no`` (the pk of its revision 1). ``month`` holds the
    # period, "2026-10" or "2026-Q4". ``document`` is the service review both versions render from.
    report_no: int | None = Field(default=None, index=True)
    revision: int = Field(default=1)
    # Which report of its client and period this row belongs to: 1, then 2 after report 1 was marked
    # sent... Known before the insert (unlike ``report_no``), so it can be part of the unique key.
    period_report: int = Field(default=1)
    # The three chart PNGs (base64 by name), drawn once per revision by whichever front end needs them
    # first (the Slack post, the web page, a PDF link): drawing takes 1 to 2 s, a revision never changes.
    charts: dict[str, str] = _json(dict)
    document: dict[str, Any] = _json(dict)


class Signal(SQLModel, table=True):
    """One actionable (or noise) signal of one tenant: the triage of its alerts.

    Written by ``bot/alerts/classify.py`` from ``bot/alerts/triage.py``; alerts point here
    through ``Alert.signal_id``. A signal never holds alerts of two tenants.
    """

    __table_args__ = (Index("ix_signal_tenant_last_seen", "tenant_id", "last_seen"),)

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(foreign_key="tenant.id", max_length=64)
    grouping: str = Field(max_length=16)  # storm | device | flapping | single
    title: str = _text(nullable=False)
    representative: str = _text(nullable=False)
    template: str = _text(nullable=False)
    # Every (check, template, count, devices) the signal groups, main one first.
    members: list[dict[str, Any]] = _json()
    category: str = Field(max_length=32)
    devices: list[str] = _json()
    alert_count: int = 0
    first_seen: datetime = _ts(nullable=False)
    last_seen: datetime = _ts(nullable=False)
    severity: str = Field(max_length=20)
    firing: bool = False
    noise: str | None = Field(default=None, max_length=16)  # None = actionable | flapping | blip
    # Outages only: {"root", "effects", "reason", "site"} (bot/alerts/outages.py).
    correlation: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class PsaTicketState(SQLModel, table=True):
    """What a PSA last said about a ticket, to tell an escalation from an update.

    An escalation is the move *into* a state the escalation rule matches; the
    key ``escalation_key`` (ticket + when it moved) makes its delivery happen once.
    """

    __table_args__ = (UniqueConstraint("connector", "external_id", name="uq_psaticketstate_connector_ext"),)

    pk: int | None = Field(default=None, primary_key=True)
    connector: str = Field(max_length=32)
    external_id: str = Field(max_length=64)
    ticket_id: str = Field(max_length=64, index=True)
    tenant_id: str = Field(foreign_key="tenant.id", index=True, max_length=64)
    board: str | None = Field(default=None, max_length=255)
    status: str | None = Field(default=None, max_length=255)
    escalated: bool = False
    escalated_at: datetime | None = _ts()
    escalation_key: str | None = Field(default=None, max_length=255)
    psa_updated_at: datetime | None = _ts()
    fetched_at: datetime = _ts(nullable=False)


class PsaSyncState(SQLModel, table=True):
    """Per connector: the watermark of the last finished sync, and the cursor of a running one."""

    connector: str = Field(primary_key=True, max_length=32)
    watermark: datetime | None = _ts()
    # A sync in progress: the lower bound it was started with and the last page stored.
    run_since: datetime | None = _ts()
    run_full: bool = False
    run_page: int = 0
    run_max_seen: datetime | None = _ts()
    updated_at: datetime = _ts(nullable=False)


class OutboxEntry(SQLModel, table=True):
    """One thing Handoff posts (a packet, its thread replies, an escalation), recorded before the first try.

    ``bot/chat/outbox.py`` owns the life cycle: pending -> sending -> delivered,
    or failed (told to the asker or logged with ``error_id``; a retry of the same
    delivery claims it again). ``key`` is the delivery key: unique per platform,
    and only ``delivered`` makes a retry a duplicate.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("platform", "key", name="uq_outbox_platform_key"),)

    pk: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    key: str = Field(max_length=255)
    kind: str = Field(max_length=32)  # packet | escalation | packet_rest
    channel: str = Field(max_length=255)
    thread_id: str | None = Field(default=None, max_length=64)
    tenant_id: str | None = Field(default=None, max_length=64)
    packet_pk: int | None = None
    status: str = Field(max_length=16, index=True)  # pending | sending | delivered | failed
    attempts: int = 0
    message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = _text()
    error_id: str | None = Field(default=None, max_length=16)
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)
    rounds: int = 0  # background retries so far (bot/chat/outbox_worker.py), bounded by the retry policy
    next_attempt_at: datetime | None = _ts()  # set on a retryable failure: when the worker tries again
    asker: str | None = Field(default=None, max_length=64)  # the user to tell if it finally fails


class Lease(SQLModel, table=True):
    """Who runs a periodic job now (bot/runtime/leader.py): held until ``expires_at`` unless renewed."""

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    acquired_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False)
