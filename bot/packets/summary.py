"""The extractive summary: 2 to 5 sentences, each built from fields and notes it cites.

No model involved: every sentence is assembled from stored facts, so it is
exactly as true as its sources. The optional LLM writer (``bot/packets/llm_writer.py``)
replaces these sentences only when it cites valid evidence for each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.models import Tenant, Ticket
from bot.packets import confidence
from bot.packets.model import Confidence, Source
from bot.packets.notes import AskedQuestion, TriedStep, sentences
from bot.packets.sources import note_source, ticket_source
from bot.text import clip


@dataclass(frozen=True)
class Sentence:
    text: str
    sources: tuple[Source, ...]
    confidence: Confidence


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days"


def extractive_summary(
    *,
    ticket: Ticket,
    tenant: Tenant,
    tried: Sequence[TriedStep],
    asked: Sequence[AskedQuestion],
    alert_sentence: Sentence | None,
) -> list[Sentence]:
    out: list[Sentence] = []
    src = ticket_source(ticket)
    where = f" on {ticket.device}" if ticket.device else ""
    what = " ".join(p for p in [ticket.priority, ticket.category] if p)
    out.append(Sentence(
        f"{tenant.name}: \"{ticket.title}\"{where}, opened {ticket.created_at:%Y-%m-%d %H:%M} UTC"
        f"{f' as a {what} ticket' if what else ''}.",
        (src,), Confidence.of(confidence.SUMMARY_TICKET_FIELDS, "ticket fields"),
    ))
    if ticket.description:
        first = sentences(ticket.description)
        if first:
            out.append(Sentence(f"Reported: {clip(first[0], 220)}", (src,), Confidence.of(confidence.SUMMARY_DESCRIPTION, "ticket description")))
    if alert_sentence is not None:
        out.append(alert_sentence)
    if tried:
        last = tried[-1]
        # The count, the times and the sources are one list: the "Already tried" claims themselves.
        times = [step.note.at for step in tried if step.note.at]
        span = f" between {min(times):%H:%M} and {max(times):%H:%M} UTC" if len(times) > 1 else ""
        out.append(Sentence(
            f"L1 recorded {len(tried)} troubleshooting step{'s' if len(tried) != 1 else ''}{span} before "
            f"escalating; the latest: {clip(last.text, 200)}",
            tuple(note_source(ticket, step.note) for step in tried),
            Confidence.of(confidence.summary_tried(last_has_outcome=last.has_outcome), "taken from L1's notes"),
        ))
    if ticket.escalated_at:
        waited = _duration((ticket.escalated_at - ticket.created_at).total_seconds())
        answered = sum(1 for q in asked if q.answer is not None)
        asked_part = (
            f"; the customer was asked {len(asked)} question{'s' if len(asked) != 1 else ''} "
            f"and answered {answered}" if asked else "; the customer has not been asked anything yet"
        )
        sources = (src, *(note_source(ticket, q.note) for q in asked[:2]))
        out.append(Sentence(
            f"Escalated {ticket.escalated_at:%Y-%m-%d %H:%M} UTC, {waited} after it was opened{asked_part}.",
            sources, Confidence.of(confidence.SUMMARY_ESCALATION, "ticket times and customer-visible notes"),
        ))
    elif ticket.status in ("resolved", "closed") and ticket.resolved_at:
        out.append(Sentence(
            f"Resolved {ticket.resolved_at:%Y-%m-%d %H:%M} UTC.", (src,),
            Confidence.of(confidence.SUMMARY_TICKET_FIELDS, "ticket fields")
        ))
    if len(out) < 2:
        out.append(Sentence(
            f"Status: {ticket.status.replace('_', ' ')}; no notes recorded yet.", (src,), Confidence.of(confidence.SUMMARY_STATUS, "ticket fields")
        ))
    return out[:5]
