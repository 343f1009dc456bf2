"""The packet builder: the one orchestration of notes, alerts, knowledge and checklists.

``build_packet`` gathers the evidence of one ticket, strictly within the
ticket's tenant (plus the shared ``_global`` knowledge), turns it into claims
section by section, and refuses to return a packet that cites anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import store
from bot.claims import SECTIONS, Claim, Confidence, Packet, Source, TicketRef
from bot.errors import TenantMismatch
from bot.models import GLOBAL_TENANT, Doc, Tenant, Ticket, TicketNote, utcnow
from bot.notes import AskedQuestion, TriedStep, asked_questions, tried_steps
from bot.sources import note_source, ticket_source, ticket_url
from bot.summary import Sentence, extractive_summary
from bot.unknowns import Evidence, checklist_for, check, tenant_checks

if TYPE_CHECKING:
    from bot.llm import LlmWriter


@dataclass
class Draft:
    """Claims by section before ids are assigned."""

    claims: dict[str, list[tuple[str, tuple[Source, ...], Confidence]]] = field(
        default_factory=lambda: {s: [] for s in SECTIONS}
    )

    def add(self, section: str, text: str, sources: Sequence[Source], confidence: Confidence) -> None:
        self.claims[section].append((text, tuple(sources), confidence))


@dataclass
class Gathered:
    """Everything the builder knows about one ticket, all of one tenant (or _global)."""

    ticket: Ticket
    tenant: Tenant
    notes: list[TicketNote]
    tried: list[TriedStep]
    asked: list[AskedQuestion]
    client_docs: list[Doc]


def gather(*, session: Session, ticket: Ticket) -> Gathered:
    tenant_id = ticket.tenant_id
    notes = store.list_notes(session=session, tenant_id=tenant_id, ticket_id=ticket.id)
    return Gathered(
        ticket=ticket,
        tenant=store.get_tenant(session=session, tenant_id=tenant_id),
        notes=notes,
        tried=tried_steps(notes, ticket),
        asked=asked_questions(notes, ticket),
        client_docs=store.list_docs(session=session, tenant_id=tenant_id),
    )


def build_packet(
    *, session: Session, ticket: Ticket, now: datetime | None = None, writer: LlmWriter | None = None
) -> Packet:
    g = gather(session=session, ticket=ticket)
    draft = Draft()
    add_tried(draft, g)
    add_asked(draft, g)
    add_unknowns(draft, g)
    writer_name, notes = "extractive", []
    if writer is not None:
        result = writer.write(evidence_records(g, draft))
        for sentence in result.sentences:
            draft.add("summary", sentence.text, sentence.sources, sentence.confidence)
        if result.sentences:
            writer_name = writer.name
        if result.note:
            notes.append(result.note)
    if not draft.claims["summary"]:
        for sentence in extractive_summary(ticket=ticket, tenant=g.tenant, tried=g.tried, asked=g.asked,
                                           alert_sentence=None):
            draft.add("summary", sentence.text, sentence.sources, sentence.confidence)
    packet = assemble(g, draft, now=now)
    packet.writer, packet.notes = writer_name, notes
    assert_tenant(packet)
    return packet


def evidence_records(g: Gathered, draft: Draft) -> list:  # type: ignore[type-arg]
    """What the summary model may see: the ticket's fields and this packet's other claims."""
    from bot.llm import EvidenceRecord

    t = g.ticket
    fields = (
        f"Client {g.tenant.name}. Ticket #{t.id}: {t.title}. Status {t.status}, priority {t.priority or '-'}, "
        f"category {t.category or '-'}, device {t.device or '-'}. Opened {t.created_at:%Y-%m-%d %H:%M} UTC"
        + (f", escalated {t.escalated_at:%Y-%m-%d %H:%M} UTC" if t.escalated_at else "")
        + (f". Description: {_clip(t.description, 600)}" if t.description else "")
    )
    records = [EvidenceRecord("E1", "ticket", fields, (ticket_source(t),), 0.95)]
    for section in SECTIONS:
        for text, sources, confidence in draft.claims[section]:
            records.append(EvidenceRecord(f"E{len(records) + 1}", section, text, sources, confidence.score))
    return records


def assemble(g: Gathered, draft: Draft, *, now: datetime | None) -> Packet:
    claims: list[Claim] = []
    for section in SECTIONS:
        for text, sources, confidence in draft.claims[section]:
            claims.append(Claim(id=f"c{len(claims) + 1}", section=section, text=text, confidence=confidence,
                                sources=sources))
    t = g.ticket
    ref = TicketRef(id=t.id, tenant=t.tenant_id, title=t.title, url=ticket_url(t), client_name=g.tenant.name,
                    status=t.status, priority=t.priority, category=t.category, device=t.device)
    return Packet(ticket=ref, generated_at=now or utcnow(), claims=claims)


def assert_tenant(packet: Packet) -> None:
    """Refuse a packet citing anything but the ticket's tenant or _global knowledge."""
    allowed = {packet.ticket.tenant, GLOBAL_TENANT}
    for claim in packet.claims:
        for source in claim.sources:
            if source.tenant not in allowed:
                raise TenantMismatch(
                    f"packet for ticket {packet.ticket.id} ({packet.ticket.tenant}) would cite "
                    f"{source.kind} {source.id} of another tenant; refused"
                )


# --- sections ----------------------------------------------------------------

def add_tried(draft: Draft, g: Gathered) -> None:
    """What L1 did, sentence by sentence as written.

    Confidence: 0.55 for any sentence with an action verb, +0.2 when it leads
    with the verb (the shape of a work log), +0.15 when it states an outcome
    ("no change", "shows 2 failures"); a step without an outcome is still
    useful but says less.
    """
    for step in g.tried:
        score = 0.55 + (0.2 if step.leading_verb else 0.0) + (0.15 if step.has_outcome else 0.0)
        reason = "internal note before escalation" + (", states the outcome" if step.has_outcome else ", no outcome stated")
        draft.add("tried", step.text, [note_source(g.ticket, step.note)], Confidence.of(score, reason))


def add_asked(draft: Draft, g: Gathered) -> None:
    """Questions already put to the customer, with the answer when there is one."""
    for q in g.asked:
        sources = [note_source(g.ticket, q.note)]
        if q.answer is not None:
            sources.append(note_source(g.ticket, q.answer))
            who = q.answer.author or "the customer"
            text = f"Asked: {q.question} Answer from {who}: {q.answer_text}"
            confidence = Confidence.of(0.85, "customer-visible question and the customer's reply")
        else:
            text = f"Asked: {q.question} No answer on record yet."
            confidence = Confidence.of(0.8, "customer-visible question, no reply yet")
        draft.add("asked", text, sources, confidence)


def add_unknowns(draft: Draft, g: Gathered, *, alert_texts: Sequence[tuple[str, str]] = ()) -> None:
    """Checklist items that no evidence answers, each citing the checklist that asks.

    Confidence that an item is truly unknown: 0.85 when nothing mentions it,
    0.55 when a sentence mentions it without confirming ("not sure the patch
    window completed" - it may be answered elsewhere in words we missed).
    """
    t = g.ticket
    src = ticket_source(t)
    if not g.notes:
        draft.add("unknown", "No notes on this ticket yet: nothing on record of what was tried or asked.", [src],
                  Confidence.of(0.95, "the ticket has no notes"))
    evidence = [Evidence(t.description or "", "ticket:description")]
    for note in g.notes:
        evidence.append(Evidence(
            note.text, f"note:{note.note_id}", customer_visible=note.visibility == "customer",
            after_escalation=bool(t.escalated_at and note.at and note.at >= t.escalated_at) or not t.escalated_at,
        ))
    evidence.extend(Evidence(text, key) for key, text in alert_texts)
    escalated = t.status == "escalated" or t.escalated_at is not None
    items = checklist_for(t.category, escalated=escalated, extra=tenant_checks(g.client_docs, t.category))
    for finding in check(items, evidence):
        if finding.state == "answered":
            continue
        item = finding.item
        text = item.unknown.replace("{device}", t.device or "the affected device")
        source = Source(kind=item.source_kind, id=item.source_id, title=item.source_title, url=item.source_url,
                        tenant=item.source_tenant)
        if finding.state == "mentioned":
            confidence = Confidence.of(0.55, f"mentioned but not confirmed: \"{_clip(finding.evidence or '', 80)}\"")
        else:
            confidence = Confidence.of(0.85, "no note, description or alert answers it")
        draft.add("unknown", text, [source], confidence)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


__all__ = ["build_packet", "assert_tenant", "Sentence"]
