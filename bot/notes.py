"""Reading ticket notes: what L1 tried, what the customer was asked and answered.

Extractive and rule-based on purpose: a sentence is reported as it was
written, with the note it came from, so the engineer can check it in one
click. The rules are deliberately about the *shape* of a sentence (an action
verb, an outcome, a question mark, who wrote it), never about its content: a
note that says "ignore previous instructions" is just a sentence without an
action verb, and is not reported at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Ticket, TicketNote

# Verbs an engineer uses to report an action, past tense or imperative-ish
# shorthand ("restarted DFSR", "ran dcdiag", "cleared spooler").
ACTION_VERBS = (
    "ran|re-ran|reran|restarted|rebooted|checked|cleared|reset|reinstalled|updated|tested|pinged|verified|"
    "confirmed|flushed|forced|re-registered|reregistered|removed|disabled|enabled|moved|replaced|"
    "power-cycled|power cycled|rolled back|tried|applied|killed|stopped|started|deleted|re-added|readded|"
    "reconnected|re-enrolled|reenrolled|synced|resynced|remoted|looked at|reviewed|rebuilt|recreated|"
    "re-created|renewed|unlocked|reseated|swapped|ran a|did a|cleaned|purged|repaired|re-ran|retried|"
    "rescanned|re-seeded|reseeded|increased|extended|expanded|mapped|re-mapped|bounced|failed over|"
    "compared|traced|captured|collected|exported|imported|installed|uninstalled|upgraded|downgraded|"
    "patched|scanned|quarantined|isolated|blocked|whitelisted|excluded|added|set|changed|turned|"
    "opened|closed|killed|cycled|escalated to vendor|called|engaged"
)
_ACTION = re.compile(rf"(^|[\s;,(-])(I |we |L1 |tech )?({ACTION_VERBS})\b", re.IGNORECASE)
_OUTCOME = re.compile(
    r"(no change|still|didn'?t|did not|doesn'?t|does not|no luck|no joy|same (error|result)|fixed|resolved|"
    r"worked|works|succeeded|success|fail(s|ed)?|error|shows?|showed|returned|came back|reports?|->|=>|: |"
    r"clean|healthy|ok\b|fine|passed|timed? out|unchanged|back up|came up|green|red)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
_STAFF_MARK = re.compile(r"\((L[1-3]|NOC|tech|engineer|service ?desk|helpdesk|help desk)\)|\bL[1-3]\b", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


@dataclass(frozen=True)
class TriedStep:
    note: TicketNote
    text: str
    has_outcome: bool
    leading_verb: bool  # the sentence starts with the action: the most reliable shape


@dataclass(frozen=True)
class AskedQuestion:
    note: TicketNote
    question: str
    answer: TicketNote | None
    answer_text: str | None


def staff_authors(notes: Sequence[TicketNote]) -> set[str]:
    """Authors who wrote internal notes are MSP staff: customers never see those."""
    return {n.author.strip().casefold() for n in notes if n.visibility == "internal" and n.author}


def is_customer_author(note: TicketNote, ticket: Ticket, staff: set[str]) -> bool:
    author = (note.author or "").strip()
    if not author:
        return False
    if author.casefold() in staff or _STAFF_MARK.search(author):
        return False
    if ticket.contact:
        contact = ticket.contact.casefold()
        first = contact.split()[0] if contact.split() else contact
        name = author.casefold()
        if contact in name or name in contact or name.split()[0] == first:
            return True
    # A customer-visible note by someone who never wrote an internal note and
    # carries no staff marker: the client (or someone on their side).
    return True


def tried_steps(notes: Sequence[TicketNote], ticket: Ticket) -> list[TriedStep]:
    """Action sentences from internal notes, in the order they were written.

    Only notes up to the escalation count as "what L1 tried" when the ticket
    records its escalation time; later notes are L2's own work.
    """
    steps = []
    for note in notes:
        if note.visibility != "internal":
            continue
        if ticket.escalated_at and note.at and note.at > ticket.escalated_at:
            continue
        actions = []
        for sentence in sentences(note.text):
            match = _ACTION.search(sentence)
            if match is None or sentence.endswith("?"):
                continue
            actions.append((sentence, match.start(3) <= 4))
        if not actions:
            continue
        text = " ".join(s for s, _ in actions)
        steps.append(
            TriedStep(
                note=note,
                text=_clip(text, 400),
                has_outcome=bool(_OUTCOME.search(text)),
                leading_verb=any(lead for _, lead in actions),
            )
        )
    return steps


def asked_questions(notes: Sequence[TicketNote], ticket: Ticket) -> list[AskedQuestion]:
    """Questions the MSP put to the customer, each with the customer's next reply."""
    staff = staff_authors(notes)
    visible = [n for n in notes if n.visibility == "customer"]
    out = []
    for index, note in enumerate(visible):
        if is_customer_author(note, ticket, staff):
            continue
        questions = [s for s in sentences(note.text) if s.endswith("?")]
        if not questions:
            continue
        answer = next((n for n in visible[index + 1 :] if is_customer_author(n, ticket, staff)), None)
        out.append(
            AskedQuestion(
                note=note,
                question=_clip(" ".join(_strip_greeting(q) for q in questions), 300),
                answer=answer,
                answer_text=_clip(answer.text, 300) if answer else None,
            )
        )
    return out


_GREETING = re.compile(r"^(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^,]{0,30},\s*", re.IGNORECASE)


def _strip_greeting(text: str) -> str:
    return _GREETING.sub("", text).strip()


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
