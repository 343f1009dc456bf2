"""Repeat questions: after an escalation, the MSP asks the client again what it asked before.

The measure behind "repeat questions to the customer per ticket". A question is
a customer-visible note by MSP staff with at least one sentence ending in "?"
(``bot.packets.notes.asked_questions``: greetings stripped, only the question sentences
kept). A question asked after ``escalated_at`` is a *repeat* when it is similar
to a question asked at or before it.

Similarity, defined so that an engineer can check it by hand:

1. ``terms``: lower-case words of 3+ letters, hyphenated words split
   ("waiting-room" -> waiting, room; "Wi-Fi" -> wifi first), stop words and
   the words that only frame a question ("could you tell me", "do you know",
   "roughly") removed, and a crude suffix stem ("problems" -> problem,
   "started" -> start, "copies" -> copy) so that a paraphrase still matches.
2. ``similarity(a, b) = |A ∩ B| / min(|A|, |B|)`` (the overlap coefficient):
   a re-asked question usually wraps the same few content words in more words
   ("Who has the registrar login?" vs "Could you tell me who has the login for
   the registrar?"), which Jaccard would punish and the overlap coefficient does not.
3. A repeat needs ``similarity >= 0.5`` with at least 3 shared terms, or
   ``similarity >= 2/3`` when only 2 are shared (a short question: "Who has
   the registrar login?" is {registrar, login}). One shared word ("Wi-Fi") is
   never enough, and two common ones in long questions ("big batch" in "did
   someone copy a big batch of files?" vs "was that a big batch of claim
   forms?") are not either.

Known limit: a question with only two content words ("Which PCs are the
people using?" is {pc, people}) matches any question that shares both; the
second sentence such notes usually carry keeps real ones apart.

On the demo's labelled escalations (``bot/ingest/demo/labels/repeat_questions.jsonl``)
this finds the three labelled repeats (3744, 4152, 4405) and nothing else;
``tests/unit/test_repeats.py`` checks that and the edge cases. A question counts
whether or not the client answered the first time: either way the client is
asked twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.db.models import Ticket, TicketNote
from bot.packets.notes import AskedQuestion, asked_questions
from bot.text import QUESTION_STOP_WORDS

THRESHOLD = 0.5  # with 3 or more shared terms
SHORT_THRESHOLD = 2 / 3  # with exactly 2 shared terms
MIN_SHARED = 2

_WORD = re.compile(r"[a-z0-9]+")
_STOP = QUESTION_STOP_WORDS


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def terms(text: str) -> frozenset[str]:
    """The content words of a question, stemmed (see the module doc)."""
    text = text.casefold().replace("wi-fi", "wifi").replace("e-mail", "email")
    words = (w for w in _WORD.findall(text.replace("-", " ")) if len(w) >= 3 and w not in _STOP)
    return frozenset(s for s in (_stem(w) for w in words) if s not in _STOP)


def similarity(a: str, b: str) -> float:
    """Overlap coefficient of the two questions' terms, 0.0 when either has none."""
    ta, tb = terms(a), terms(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def is_repeat(later: str, earlier: str) -> bool:
    ta, tb = terms(later), terms(earlier)
    shared = len(ta & tb)
    if shared < MIN_SHARED:
        return False
    score = shared / min(len(ta), len(tb))
    return score >= (THRESHOLD if shared > MIN_SHARED else SHORT_THRESHOLD - 1e-9)


@dataclass(frozen=True)
class Repeat:
    later: AskedQuestion  # asked after the escalation
    earlier: AskedQuestion  # the question it asks again
    score: float


def repeat_questions(notes: Sequence[TicketNote], ticket: Ticket) -> list[Repeat]:
    """The questions asked after the ticket's escalation that ask again what was asked before it.

    A later question is compared with every question asked before it (those up to the
    escalation, and earlier post-escalation ones do not count as "before"); the most
    similar one is reported. Tickets never escalated have none by definition.
    """
    if ticket.escalated_at is None:
        return []
    escalated = ticket.escalated_at
    asked = [q for q in asked_questions(notes, ticket) if q.note.at is not None]
    before = [q for q in asked if q.note.at is not None and q.note.at <= escalated]
    after = [q for q in asked if q.note.at is not None and q.note.at > escalated]
    found = []
    for later in after:
        matches = [(similarity(later.question, e.question), e) for e in before if is_repeat(later.question, e.question)]
        if matches:
            score, earlier = max(matches, key=lambda m: m[0])
            found.append(Repeat(later=later, earlier=earlier, score=round(score, 2)))
    return found
