"""Repeat questions: the similarity (bot/reporting/repeats.py) on hand-made pairs and on the demo's labels."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db.models import Ticket, TicketNote
from bot.reporting.repeats import is_repeat, repeat_questions, similarity, terms

DEMO = Path(__file__).resolve().parents[2] / "bot" / "ingest" / "demo"


def test_terms_drop_question_framing_split_hyphens_and_stem() -> None:
    assert terms("Could you tell me who has the login for the registrar?") == {"login", "registrar"}
    assert terms("Do you know roughly when the waiting-room Wi-Fi problems started?") == {
        "wait", "room", "wifi", "problem", "start"}
    assert terms("Hi?") == frozenset()


@pytest.mark.parametrize("later, earlier, expected", [
    # paraphrases that ask the same thing
    ("Could you tell me who has the login for the registrar?", "Who has the registrar login?", True),
    ("Do you know roughly when the waiting-room Wi-Fi problems started?",
     "When did people in the waiting room start having trouble with the Wi-Fi?", True),
    ("Did someone copy a big batch of files onto the file server?",
     "Did engineering copy a big set of files there recently?", True),
    # one shared word is never enough
    ("Is the Wi-Fi working in the lobby?", "Can you restart the Wi-Fi router?", False),
    # two common words in long questions are not either (score 0.5 with only 2 shared)
    ("Was that a big batch of claim forms?", "Did someone copy a big batch of files onto it?", False),
    ("Can people on the floor still log in to their PCs?",
     "Which op PCs are the 3 people using? And did those PCs stay on overnight?", False),
    # different questions on the same ticket
    ("Can we restart the NAS tonight after 7pm?", "Did anyone copy files to the server?", False),
])
def test_is_repeat(later: str, earlier: str, expected: bool) -> None:
    assert is_repeat(later, earlier) is expected


def test_known_limit_two_word_questions() -> None:
    """Documented limit: a question with only two content words matches any question sharing both."""
    assert is_repeat("Can people on the floor still log in to their PCs?", "Which PCs are the people using?")


def test_similarity_is_the_overlap_coefficient() -> None:
    # {login, registrar} vs {login, registrar}: 2 / min(2, 2)
    assert similarity("Who has the registrar login?", "Could you tell me who has the login for the registrar?") == 1.0
    # {restart, router} vs {restart, printer, tonight}: 1 / 2
    assert similarity("Restart the router?", "Can we restart the printer tonight?") == 0.5
    assert similarity("?", "Restart the router?") == 0.0


def _ticket(data: dict) -> tuple[Ticket, list[TicketNote]]:  # type: ignore[type-arg]
    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None

    ticket = Ticket(id=data["id"], tenant_id=data["tenant"], title=data["title"], status=data["status"],
                    contact=data.get("contact"), created_at=when(data["created_at"]),
                    escalated_at=when(data.get("escalated_at")), content_hash="", updated_at=when(data["created_at"]))
    notes = [TicketNote(tenant_id=data["tenant"], ticket_id=data["id"], note_id=n["id"], seq=i, at=when(n.get("at")),
                        author=n.get("author"), visibility=n["visibility"], text=n["text"])
             for i, n in enumerate(data.get("notes", []))]
    return ticket, notes


def test_demo_labels_are_found_exactly() -> None:
    """Every labelled repeat is found with the right pair, and no other ticket of the demo has one."""
    labels = {r["ticket"]: r for r in map(json.loads, (DEMO / "labels" / "repeat_questions.jsonl").open())}
    found = {}
    for line in (DEMO / "msp" / "tickets.jsonl").open():
        ticket, notes = _ticket(json.loads(line))
        for repeat in repeat_questions(notes, ticket):
            found[ticket.id] = (repeat.later.note.note_id, repeat.earlier.note.note_id)
    expected = {t: (r["repeat_ask"], r["first_ask"]) for t, r in labels.items() if r["repeat"]}
    assert found == expected
    assert set(expected) == {"3744", "4152", "4405"}


def test_no_escalation_no_repeat_and_questions_by_the_client_do_not_count() -> None:
    data = {"id": "9", "tenant": "acme", "title": "x", "status": "in_progress", "contact": "Dana Whitfield",
            "created_at": "2026-10-01T09:00:00Z", "notes": [
                {"id": "9-1", "at": "2026-10-01T09:10:00Z", "author": "Sam (L1)", "visibility": "customer",
                 "text": "Who has the registrar login?"},
                {"id": "9-2", "at": "2026-10-01T10:10:00Z", "author": "Sam (L1)", "visibility": "customer",
                 "text": "Who has the registrar login?"}]}
    ticket, notes = _ticket(data)
    assert repeat_questions(notes, ticket) == []  # never escalated
    data["escalated_at"] = "2026-10-01T09:30:00Z"
    ticket, notes = _ticket(data)
    assert [r.later.note.note_id for r in repeat_questions(notes, ticket)] == ["9-2"]
    # The client asking again is not the MSP asking again.
    data["notes"][1].update(author="Dana Whitfield")
    ticket, notes = _ticket(data)
    assert repeat_questions(notes, ticket) == []
