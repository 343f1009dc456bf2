"""The packet builder: the one orchestration of notes, alerts, knowledge and checklists.

``build_packet`` gathers the evidence of one ticket, strictly within the
ticket's tenant (plus the shared ``_global`` knowledge), turns it into claims
section by section (``bot/packets/sections.py``, ``knowledge.py``; the scores
come from ``confidence.py``), and refuses to return a packet that cites
anything else (``bot.tenancy.guard.check_sources``).

Building only reads, in two steps so that no transaction is open while the
model writes the summary: ``prepare_packet`` reads everything in the caller's
session, ``finish_packet`` (no session) calls the model and assembles. Alerts that arrived without a signal are classified by
``classify_ticket_alerts``, a separate write the caller runs first
(``Core.packet_for`` does; imports and webhooks classify on arrival anyway).

``as_of`` builds the packet as it would have been at that moment: notes and
alerts after it are ignored. The escalation reply uses the present; the
calibration run uses each ticket's escalation time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, select

from bot.alerts.signals import classify_pending, related_alert_clusters
from bot.db import store
from bot.db.models import Tenant, Ticket, utcnow
from bot.errors import HandoffError
from bot.packets import confidence, knowledge, sections
from bot.packets.evidence import Draft, Gathered, KnowledgeSearch
from bot.packets.model import SECTIONS, Claim, Confidence, Packet, TicketRef
from bot.packets.notes import asked_questions, tried_steps
from bot.packets.sources import ticket_source, ticket_url
from bot.packets.summary import extractive_summary
from bot.runtime.stages import stage
from bot.tenancy.guard import check_sources
from bot.tenancy.secrets import redact, redacted_notes, redacted_ticket
from bot.text import one_line

if TYPE_CHECKING:
    from bot.packets.llm_writer import EvidenceRecord, LlmWriter

# Alerts before a ticket was opened are usually its cause; a day covers an
# overnight incident noticed in the morning.
ALERTS_BEFORE = timedelta(hours=24)
ALERTS_AFTER_MIN = timedelta(hours=2)
MAX_CLUSTERS = 6


ALERTS_BEFORE_MAX = timedelta(days=7)
_DAYS = {day: i for names in (("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
                               ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"))
         for i, day in enumerate(names)}
# "since Saturday", "since the weekend", "for 3 days": the ticket says its problem began before yesterday.
_SINCE = re.compile(r"\b(?:since|seit)\s+(?:the\s+|dem\s+)?(?P<day>" + "|".join(_DAYS) + r"|weekend|wochenende|"
                    r"last week|letzter woche)\b|\b(?:for|seit)\s+(?P<n>\d{1,2}|two|three|four|five|six)\s+(?:days|tagen)\b",
                    re.IGNORECASE)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _said_to_start(ticket: Ticket) -> timedelta:
    """How long before it was opened the ticket says the problem began (0 when it doesn't say)."""
    m = _SINCE.search(f"{ticket.title} {ticket.description or ''}")
    if m is None:
        return timedelta(0)
    if m["n"]:
        return timedelta(days=int(_NUMBERS.get(m["n"].lower(), m["n"])) + 1)
    day = m["day"].lower()
    if day in _DAYS:  # the last such weekday before the ticket, plus the day itself
        return timedelta(days=(ticket.created_at.weekday() - _DAYS[day]) % 7 + 1)
    return timedelta(days=3 if day in ("weekend", "wochenende") else 7)


def alert_window(ticket: Ticket, as_of: datetime) -> tuple[timedelta, timedelta]:
    """How far before and after the ticket's creation its related alerts are looked for: a day
    before, or back to when the ticket says the problem began ("since Saturday", at most a week);
    after, until ``as_of`` (at least two hours, at most a day)."""
    after = max(ALERTS_AFTER_MIN, as_of - ticket.created_at) if as_of > ticket.created_at else ALERTS_AFTER_MIN
    before = min(max(ALERTS_BEFORE, _said_to_start(ticket)), ALERTS_BEFORE_MAX)
    return before, min(after, timedelta(hours=24))


def classify_ticket_alerts(*, session: Session, ticket: Ticket, as_of: datetime | None = None) -> int:
    """Classify the ticket's tenant's alerts in the packet's window that have no signal yet; how many.

    The one write before a build, so that the build itself only reads: run it
    first in the same transaction (``Core.packet_for`` does).
    """
    before, after = alert_window(ticket, as_of or utcnow())
    return classify_pending(session=session, tenant_id=ticket.tenant_id, since=ticket.created_at - before,
                            until=ticket.created_at + after)


def gather(*, session: Session, ticket: Ticket, as_of: datetime | None = None,
           retriever: KnowledgeSearch | None = None) -> Gathered:
    with stage("packet.store"):
        g = _read(session=session, ticket=ticket, as_of=as_of)
    if retriever is not None:
        try:
            with stage("packet.knowledge"):
                knowledge.gather_hits(g, retriever)
        except HandoffError as exc:
            # e.g. the embedded index is held by another process: the packet
            # still has everything else, and says what it is missing.
            g.knowledge_error = exc.message
    return g


def _read(*, session: Session, ticket: Ticket, as_of: datetime | None) -> Gathered:
    """The ticket's notes, alerts, tenant and client documents from the store (no index)."""
    tenant_id = ticket.tenant_id
    as_of = as_of or utcnow()
    notes = [n for n in store.list_notes(session=session, tenant_id=tenant_id, ticket_id=ticket.id)
             if n.at is None or n.at <= as_of]
    # Credentials in the ticket and its notes stop here: claims, the model's evidence
    # and the retrieval query are all made from these redacted copies.
    ticket, notes = redacted_ticket(ticket), redacted_notes(notes)
    before, after = alert_window(ticket, as_of)
    clusters = related_alert_clusters(
        session=session, tenant_id=tenant_id, device=ticket.device, around=ticket.created_at,
        before=before, after=after, limit=MAX_CLUSTERS * 3,
    )
    clusters = [c for c in clusters if c.first_seen <= as_of]
    g = Gathered(
        ticket=ticket,
        tenant=store.get_tenant(session=session, tenant_id=tenant_id),
        as_of=as_of,
        notes=notes,
        tried=tried_steps(notes, ticket),
        asked=asked_questions(notes, ticket),
        client_docs=store.list_docs(session=session, tenant_id=tenant_id),
        clusters=clusters,
    )
    return g


@dataclass
class Prepared:
    """What a packet is built from, read in one short session; the model is called after it closed."""

    g: Gathered
    draft: Draft
    other_names: list[str]  # other clients' names and aliases: model sentences naming them are dropped

    @property
    def degraded(self) -> list[str]:
        """What was unavailable while reading (stored in the packet's state, so it is never reused)."""
        return ["index"] if self.g.knowledge_error else []


def prepare_packet(*, session: Session, ticket: Ticket, now: datetime | None = None, as_of: datetime | None = None,
                   retriever: KnowledgeSearch | None = None) -> Prepared:
    g = gather(session=session, ticket=ticket, as_of=as_of or now, retriever=retriever)
    with stage("packet.claims"):
        draft = draft_sections(g, session=session)
    with stage("packet.store"):  # names only (the model writer must not name them): not 100 whole rows
        others = session.exec(select(Tenant.name, Tenant.aliases).where(Tenant.id != g.tenant.id)).all()
    return Prepared(g, draft, [n for name, aliases in others for n in (name, *(aliases or ()))])


def finish_packet(prepared: Prepared, *, now: datetime | None = None, writer: LlmWriter | None = None,
                  model_slot: Callable[[], AbstractContextManager[bool]] | None = None) -> Packet:
    """The summary (the model's, else extractive) and the packet; needs no database session, so
    callers close theirs first and no write lock is held while the model thinks."""
    g, draft = prepared.g, prepared.draft
    writer_name, notes = "extractive", []
    if g.knowledge_error:
        notes.append(f"Runbooks, client notes and past tickets are missing: {g.knowledge_error}")
    if writer is not None:
        with model_slot() if model_slot else nullcontext(True) as got_slot:
            if got_slot:
                result = writer.write(evidence_records(g, draft), other_clients=prepared.other_names,
                                      own_names=[g.tenant.name, *g.tenant.aliases])
                for written in result.sentences:
                    draft.add("summary", written.text, written.sources, written.confidence)
                if result.sentences:
                    writer_name = writer.name
                if result.note:
                    notes.append(result.note)
            else:
                notes.append("The summary model was busy with other requests, so this summary is extractive.")
    if not draft.claims["summary"]:
        for sentence in extractive_summary(ticket=g.ticket, tenant=g.tenant, tried=g.tried, asked=g.asked,
                                           alert_sentence=sections.alert_summary(g)):
            draft.add("summary", sentence.text, sentence.sources, sentence.confidence)
    packet = assemble(g, draft, now=now)
    packet.writer, packet.notes = writer_name, notes
    check_sources((s for c in packet.claims for s in c.sources), tenant_id=packet.ticket.tenant,
                  cited_by=f"packet for ticket {packet.ticket.id} ({packet.ticket.tenant})")
    return packet


def build_packet(
    *,
    session: Session,
    ticket: Ticket,
    now: datetime | None = None,
    as_of: datetime | None = None,
    writer: LlmWriter | None = None,
    retriever: KnowledgeSearch | None = None,
) -> Packet:
    """Prepare and finish in one go (evaluation and benches, which hold no write lock)."""
    prepared = prepare_packet(session=session, ticket=ticket, now=now, as_of=as_of, retriever=retriever)
    with stage("packet.finish"):
        return finish_packet(prepared, now=now, writer=writer)


def draft_sections(g: Gathered, *, session: Session) -> Draft:
    """Every section but the summary, which is written from these claims."""
    draft = Draft()
    sections.add_alerts(draft, g)
    sections.add_tried(draft, g)
    sections.add_asked(draft, g)
    knowledge.add_runbook(draft, g, g.runbook_hits, session=session)
    knowledge.add_history(draft, g, g.history_hits, session=session)
    knowledge.add_client(draft, g, g.client_hits)
    sections.add_unknowns(draft, g)
    return draft


def assemble(g: Gathered, draft: Draft, *, now: datetime | None) -> Packet:
    claims: list[Claim] = []
    for section in SECTIONS:
        for text, sources, sure in draft.claims[section]:
            # Again at the exit: runbook and client-note excerpts come from documents, not notes.
            sure = Confidence(sure.score, redact(sure.reason))
            claims.append(Claim(id=f"c{len(claims) + 1}", section=section, text=redact(text), confidence=sure,
                                sources=sources))
    t = g.ticket
    ref = TicketRef(id=t.id, tenant=t.tenant_id, title=t.title, url=ticket_url(t), client_name=g.tenant.name,
                    status=t.status, priority=t.priority, category=t.category, device=t.device)
    return Packet(ticket=ref, generated_at=now or utcnow(), claims=claims)


def evidence_records(g: Gathered, draft: Draft) -> list[EvidenceRecord]:
    """What the summary model may see: the ticket's fields and this packet's other claims."""
    from bot.packets.llm_writer import EvidenceRecord

    t = g.ticket
    fields = (
        f"Client {g.tenant.name}. Ticket #{t.id}: {t.title}. Status {t.status}, priority {t.priority or '-'}, "
        f"category {t.category or '-'}, device {t.device or '-'}. Opened {t.created_at:%Y-%m-%d %H:%M} UTC"
        + (f", escalated {t.escalated_at:%Y-%m-%d %H:%M} UTC" if t.escalated_at else "")
        + (f". Description: {one_line(t.description)[:600]}" if t.description else "")
    )
    records = [EvidenceRecord("E1", "ticket", fields, (ticket_source(t),), confidence.SUMMARY_TICKET_FIELDS)]
    for section in SECTIONS:
        for text, sources, sure in draft.claims[section]:
            records.append(EvidenceRecord(f"E{len(records) + 1}", section, text, sources, sure.score))
    return records
