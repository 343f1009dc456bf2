"""PSA tickets into the store: from a callback, a sync page or a single lookup.

One path for all three: map the company to a client (or skip it), decide
whether the ticket just escalated, and upsert ticket, notes and PSA state in
one transaction. An escalation is the move *into* a state the rule matches,
keyed by connector, ticket and the time of the move; every update while the
ticket stays escalated reports the same ``EscalationEvent`` key, and the
delivery (``bot.chat.escalation``, one delivery key per channel) posts once.
A backfill records escalations without a key: they are never posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.db.engine import session_scope
from bot.db.models import ProcessedEvent, PsaTicketState, utcnow
from bot.feedback.reactions import first_delivery
from bot.psa import store
from bot.psa.base import PsaConnector, PsaTicket
from bot.psa.mapping import EscalationRule, TenantMap, to_record

log = logging.getLogger("handoff.psa")


@dataclass(frozen=True)
class EscalationEvent:
    connector: str
    ticket_id: str
    tenant_id: str
    escalated_at: datetime
    key: str  # "connectwise:4412:2026-12-06T04:10:00+00:00": one delivery per escalation
    board: str | None = None
    status: str | None = None


@dataclass
class StoreOutcome:
    result: store.UpsertResult = field(default_factory=store.UpsertResult)
    unmapped: dict[str, int] = field(default_factory=dict)  # PSA company -> tickets skipped
    escalations: list[EscalationEvent] = field(default_factory=list)


@dataclass(frozen=True)
class CallbackOutcome:
    status: str  # ignored | duplicate | stored | unchanged | unmapped | not_found | conflict
    ticket_id: str | None = None
    tenant_id: str | None = None
    escalation: EscalationEvent | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"ok": True, "status": self.status}
        if self.ticket_id:
            out["ticket"] = self.ticket_id
        if self.escalation:
            out["escalation"] = self.escalation.key
        if self.detail:
            out["detail"] = self.detail
        return out


class PsaService:
    def __init__(self, engine: Engine, connector: PsaConnector, rule: EscalationRule,
                 *, on_escalation: Callable[[EscalationEvent], None] | None = None) -> None:
        self.engine = engine
        self.connector = connector
        self.rule = rule
        self.tenants = TenantMap(engine, connector.name)
        self.on_escalation = on_escalation

    # --- store ----------------------------------------------------------------

    def store_tickets(self, tickets: Sequence[PsaTicket], *, detect_escalations: bool = True,
                      now: datetime | None = None) -> StoreOutcome:
        """Upsert tickets (with their notes) of mapped companies; see the module doc."""
        outcome = StoreOutcome()
        table = self.tenants.lookup()
        mapped: list[tuple[PsaTicket, str]] = []
        for ticket in tickets:
            tenant = self.tenants.tenant_for(ticket.company, table)
            if tenant is None:
                outcome.unmapped[ticket.company] = outcome.unmapped.get(ticket.company, 0) + 1
            else:
                mapped.append((ticket, tenant))
        if not mapped:
            return outcome
        now = now or utcnow()
        name = self.connector.name
        with session_scope(self.engine) as session:
            states = store.ticket_states(session, name, [t.id for t, _ in mapped])
            records = []
            for ticket, tenant in mapped:
                state = states.get(ticket.id)
                if state is not None and state.tenant_id != tenant:
                    # The PSA moved the ticket to another company: never move data between clients.
                    outcome.result.conflicts.append(ticket.id)
                    log.warning("%s ticket %s now belongs to %s but is stored under %s; not updated",
                                name, ticket.id, tenant, state.tenant_id)
                    continue
                escalated = self.rule.matches(ticket)
                was = state is not None and state.escalated
                escalated_at = state.escalated_at if state is not None else None
                key = state.escalation_key if (state is not None and was) else None
                if escalated and not was:
                    # The PSA's time of the move: every copy of the same callback makes the same key.
                    escalated_at = ticket.updated_at or now
                    # A backfill records the escalation without a key: it is history, never posted.
                    key = f"{name}:{ticket.id}:{escalated_at.isoformat()}" if detect_escalations else None
                if escalated and key is not None and detect_escalations:
                    # Reported on every update while escalated: the delivery, keyed by ``key`` per
                    # channel, posts once; a second front end (Teams after Slack) gets its turn too.
                    outcome.escalations.append(EscalationEvent(
                        name, ticket.id, tenant, escalated_at or now, key, ticket.board, ticket.status))
                records.append(to_record(ticket, tenant, escalated=escalated, escalated_at=escalated_at))
                if state is None:
                    state = PsaTicketState(connector=name, external_id=ticket.id, ticket_id=ticket.id,
                                           tenant_id=tenant, fetched_at=now)
                    session.add(state)
                state.board, state.status = ticket.board, ticket.status
                state.escalated, state.escalated_at = escalated, escalated_at
                state.escalation_key = key if escalated else None
                state.psa_updated_at, state.fetched_at = ticket.updated_at, now
            result = store.upsert_tickets(session, records)
            outcome.result.merge(result)
            if result.conflicts:
                # Stored (by an import) under another client: leave both the ticket and its state alone.
                conflicted = set(result.conflicts)
                for state in list(session.new):
                    if isinstance(state, PsaTicketState) and state.external_id in conflicted:
                        session.expunge(state)
                outcome.escalations = [e for e in outcome.escalations if e.ticket_id not in conflicted]
        for company, count in outcome.unmapped.items():
            log.debug("%s: %d ticket(s) of unmapped company %r skipped", name, count, company)
        return outcome

    def deliver(self, events: Sequence[EscalationEvent]) -> None:
        if self.on_escalation is None:
            for event in events:
                log.info("escalation detected: %s (no delivery configured)", event.key)
            return
        for event in events:
            self.on_escalation(event)

    # --- single tickets ----------------------------------------------------------

    def refresh_ticket(self, ticket_id: str, *, deliver: bool = True) -> CallbackOutcome:
        """Fetch one ticket from the PSA now and store it (a callback, or a lookup of an unseen number)."""
        ticket = self.connector.fetch_ticket(ticket_id)
        if ticket is None:
            return CallbackOutcome("not_found", ticket_id, detail=f"{self.connector.name} has no ticket {ticket_id}")
        try:
            outcome = self.store_tickets([ticket])
        except IntegrityError:
            # A concurrent copy of the same callback stored this ticket first; now it is an update.
            outcome = self.store_tickets([ticket])
        if outcome.unmapped:
            return CallbackOutcome("unmapped", ticket_id,
                                   detail=f"company {ticket.company!r} maps to no client (tenants.yaml psa:)")
        if outcome.result.conflicts:
            return CallbackOutcome("conflict", ticket_id, detail="stored under another client; not updated")
        tenant = self.tenants.tenant_for(ticket.company)
        if deliver:
            self.deliver(outcome.escalations)
        status = "stored" if (outcome.result.added or outcome.result.updated) else "unchanged"
        return CallbackOutcome(status, ticket_id, tenant, outcome.escalations[0] if outcome.escalations else None)

    def handle_webhook(self, raw: bytes, headers: Mapping[str, str]) -> CallbackOutcome:
        """A PSA webhook: verify (raises ``WebhookRejected``), dedupe, refetch and store the ticket."""
        event = self.connector.verify_webhook(raw, headers)
        if event.kind != "ticket":
            return CallbackOutcome("ignored", detail=f"{event.kind} callbacks are not used")
        platform = f"psa:{self.connector.name}"[:16]  # ProcessedEvent.platform is 16 wide
        if self._seen(platform, event.delivery_id):
            return CallbackOutcome("duplicate", event.ticket_id)
        if event.action == "deleted":
            outcome = CallbackOutcome("ignored", event.ticket_id, detail="deleted tickets are kept as history")
        else:
            assert event.ticket_id is not None  # verify_webhook guarantees it for tickets
            outcome = self.refresh_ticket(event.ticket_id, deliver=False)
        # Marked only after the work succeeded: a PSA retry after a failure is processed again.
        with session_scope(self.engine) as session:
            first = first_delivery(session, platform=platform, key=event.delivery_id)
        if not first:
            return CallbackOutcome("duplicate", event.ticket_id)  # a concurrent copy won the race
        if outcome.escalation is not None:
            self.deliver([outcome.escalation])
        return outcome

    def _seen(self, platform: str, key: str) -> bool:
        with Session(self.engine) as session:
            stmt = select(ProcessedEvent.pk).where(ProcessedEvent.platform == platform,
                                                   ProcessedEvent.key == key[:255])
            return session.exec(stmt).first() is not None
