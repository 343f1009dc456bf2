"""Adaptive Cards: every card Handoff produces validates against the official 1.5 schema and fits Teams.

The schema is Microsoft's (``../shared/data/teams/adaptive_cards/schemas``);
these tests skip, saying so, when it is absent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft6Validator
from sqlmodel import Session

from adapters.teams import answer_cards, cards
from bench.support.packets import generated_packet
from bench.support.shared_data import shared_path
from bot.chat.commands import USAGE
from bot.chat.views import Answer, AnswerHit, SignalView, TriageView
from bot.core import Core
from bot.db import store
from bot.packets.model import SECTIONS, Claim, Confidence, Packet, Source
from bot.tenancy.policy import Where
from tests.harness.teams_fakes import card_claims, card_text


@pytest.fixture(scope="module")
def validator() -> Draft6Validator:
    path = shared_path("teams", "adaptive_cards", "schemas", "adaptive-card.1.5.0.json")
    if path is None:
        pytest.skip("../shared/data/teams/adaptive_cards/schemas/adaptive-card.1.5.0.json is absent")
    schema = json.loads(path.read_text())
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def assert_valid(validator: Draft6Validator, card: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(card), key=lambda e: list(e.absolute_path))
    assert not errors, [(list(e.absolute_path)[:6], e.message[:160]) for e in errors[:3]]
    assert card["version"] == "1.5"
    assert cards.card_bytes(card) <= cards.MAX_CARD_BYTES


def test_the_validator_rejects_what_teams_would_not_render(validator: Draft6Validator) -> None:
    """So that "validates" means something: an unknown card property and a made-up element fail."""
    good = cards.message_card("hello")
    assert not list(validator.iter_errors(good))
    assert list(validator.iter_errors({**good, "msteams": {"width": "Full"}}))
    assert list(validator.iter_errors({**good, "body": [{"type": "Marquee", "text": "x"}]}))
    assert list(validator.iter_errors({**good, "actions": [{"type": "Action.Execute", "verb": 3}]}))


# --- generated packets (bench/support/packets.py) ---------------------------------------------


def test_a_200_claim_packet_degrades_to_valid_cards_that_together_hold_every_claim(validator: Draft6Validator) -> None:
    packet = generated_packet(200)
    layout = cards.packet_cards(packet)
    assert layout.truncated and len(layout.rest) >= 2
    for card in (layout.first, *layout.rest):
        assert_valid(validator, card)
    shown = [c["id"] for c in card_claims(layout.first)]
    assert tuple(shown) == layout.shown
    rest = [c["id"] for card in layout.rest for c in card_claims(card)]
    assert sorted(shown + rest) == sorted(c.id for c in packet.claims) and not set(shown) & set(rest)
    # The first card keeps every section, each with its best claims, and says how many more there are.
    text = card_text(layout.first)
    for section in SECTIONS:
        claims = packet.section(section)
        here = [c for c in claims if c.id in layout.shown]
        if claims:
            assert here, section
            assert min(c.confidence.score for c in here) >= max(
                (c.confidence.score for c in claims if c.id not in layout.shown), default=0)
        if len(here) < len(claims):
            assert f"and {len(claims) - len(here)} more" in text
    more = [a for a in layout.first["actions"] if a.get("verb") == cards.SHOW_FULL]
    assert more == [{"type": "Action.Execute", "title": "Show full packet", "verb": "more"}]
    # Continuation cards say which part they are, in order, and keep the claims' packet order.
    parts = [card_text(c).splitlines()[0] for c in layout.rest]
    assert parts == [f"Escalation packet · Ticket #9001 · part {i} of {len(layout.rest) + 1}"
                     for i in range(2, len(layout.rest) + 2)]
    position = {c.id: i for i, c in enumerate(packet.claims)}
    assert [position[c] for c in rest] == sorted(position[c] for c in rest)


def test_a_packet_that_fits_is_one_card_with_every_claim(validator: Draft6Validator) -> None:
    packet = generated_packet(12)
    layout = cards.packet_cards(packet)
    assert not layout.truncated and layout.shown == tuple(c.id for c in packet.claims)
    assert_valid(validator, layout.first)
    assert not [a for a in layout.first["actions"] if a.get("verb") == cards.SHOW_FULL]


def test_huge_claims_are_clipped_not_dropped(validator: Draft6Validator) -> None:
    packet = generated_packet(30, text_words=(3000, 4000))
    layout = cards.packet_cards(packet)
    every = [c for card in (layout.first, *layout.rest) for c in card_claims(card)]
    assert sorted(c["id"] for c in every) == sorted(c.id for c in packet.claims)
    assert all(len(c["text"]) <= cards.MAX_CLAIM_CHARS and c["text"].endswith("…") for c in every)
    for card in (layout.first, *layout.rest):
        assert_valid(validator, card)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(min_value=0, max_value=120), limit=st.integers(min_value=9_000, max_value=30_000),
       seed=st.integers(min_value=0, max_value=10_000))
def test_any_packet_at_any_limit_fits_and_loses_nothing(n: int, limit: int, seed: int) -> None:
    packet = generated_packet(n, seed=seed) if n else Packet(
        ticket=generated_packet(1).ticket, generated_at=datetime(2026, 11, 24, tzinfo=UTC))
    layout = cards.packet_cards(packet, limit=limit)
    all_cards = (layout.first, *layout.rest)
    assert all(cards.card_bytes(c) <= limit for c in all_cards)
    ids = [c["id"] for card in all_cards for c in card_claims(card)]
    assert sorted(ids) == sorted(c.id for c in packet.claims) and len(ids) == len(set(ids))
    assert cards.packet_cards(packet, limit=limit) == layout  # deterministic: "Show full" recomputes the split


def test_text_from_tickets_is_never_markup() -> None:
    evil = "[click here](https://evil.example.com/login) **urgent** <at>Admin</at>"
    packet = generated_packet(1)
    claim = packet.claims[0]
    source = Source(kind="note", id="n1", title="[x](https://evil.example.com) note", tenant="acme",
                    url="javascript:alert(1)")
    packet.claims[0] = Claim(id=claim.id, section=claim.section, text=evil, confidence=claim.confidence,
                             sources=(source, claim.sources[0]))
    card = cards.packet_cards(packet).first
    [shown] = card_claims(card)
    assert shown["text"] == evil  # shown literally, in a TextRun
    markdown = [b["text"] for b in json.loads(json.dumps(card))["body"][2]["items"] if b.get("type") == "TextBlock"]
    assert all("evil.example.com" not in m and "javascript:" not in m for m in markdown)
    assert "note n1" in shown["plain"]  # the unsafe URL is not a link, just a name


def test_safe_url() -> None:
    assert cards.safe_url("https://psa.example.com/tickets/4412#note-1") == "https://psa.example.com/tickets/4412#note-1"
    assert cards.safe_url("https://docs.example.com/a (b)") == "https://docs.example.com/a%20%28b%29"
    for bad in ("javascript:alert(1)", "handoff://checklists/ad#x", "data:text/html,hi", "https://", "ftp://x/y"):
        assert cards.safe_url(bad) is None


# --- the demo MSP -----------------------------------------------------------------------------

# ``demo_core`` (conftest): the demo MSP imported and indexed once per session.


def test_every_demo_packet_renders_to_valid_cards(validator: Draft6Validator, demo_core: Core) -> None:
    with Session(demo_core.engine) as session:
        tickets = [t.id for te in store.list_tenants(session=session)
                   for t in store.list_tickets(session=session, tenant_id=te.id)]
    assert len(tickets) > 50
    sizes = []
    for ticket in tickets:
        packet = demo_core.packet_for(ticket, where=Where(platform="cli", user_id="test"))
        layout = cards.packet_cards(packet)
        for card in (layout.first, *layout.rest):
            assert_valid(validator, card)
        shown = [c["id"] for card in (layout.first, *layout.rest) for c in card_claims(card)]
        ids = [c.id for c in packet.claims]
        # Every claim exactly once across the first card and its continuations...
        assert sorted(shown) == sorted(ids) and len(shown) == len(set(shown))
        # ...and the first card keeps the packet's order among the claims it shows.
        first = [c["id"] for c in card_claims(layout.first)]
        assert first == [i for i in ids if i in set(first)]
        sizes.append(cards.card_bytes(layout.first))
    assert max(sizes) <= cards.MAX_CARD_BYTES


# --- ask, triage, messages ------------------------------------------------------------------------

def answer(n: int) -> Answer:
    return Answer(tenant="acme", client_name="Acme Dental Group", question="how do we restart the imaging service?",
                  hits=[AnswerHit(title=f"Imaging server [{i}]", url=f"https://docs.example.com/acme/imaging#step-{i}",
                                  text="Stop the service, clear the spool, start it again. " * (i % 5 + 1),
                                  tenant="acme", kind="runbook", confidence=Confidence.of(0.9 - i / 100, "heading match"))
                        for i in range(n)])


def triage(n: int) -> TriageView:
    t = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    return TriageView(scope="all clients", alerts_in=3 * n, noise_clusters=n // 3, signals=[
        SignalView(id=i, tenant="acme", client_name="Acme Dental Group", title=f"DC01 replication failing {i}",
                   representative="Replication from DC02 failed: The RPC server is unavailable (1722) " * 2,
                   category="active-directory", devices=[f"DC0{j}" for j in range(i % 8)], count=i + 1,
                   first_seen=t, last_seen=t, severity="critical", firing=i % 2 == 0,
                   noise=("flapping" if i % 3 == 0 else None),
                   alert_urls=[f"https://rmm.example.com/alerts/{i}-{k}" for k in range(4)])
        for i in range(n)])


@pytest.mark.parametrize("n", [0, 1, 5, 400])
def test_answer_and_triage_cards_validate_and_fit(validator: Draft6Validator, n: int) -> None:
    a, t = answer_cards.answer_card(answer(n)), answer_cards.triage_card(triage(n))
    assert_valid(validator, a)
    assert_valid(validator, t)
    if n == 0:
        assert "Nothing in this client's" in card_text(a) and "No current signals." in card_text(t)
    if n == 400:
        assert "more matches not shown" in card_text(a) and "more signals not shown" in card_text(t)
    if n == 5:
        assert card_text(a).count("Imaging server") == 5 and "Actionable signals: 3" in card_text(t)


def test_message_cards_turn_the_cores_markup_into_styles(validator: Draft6Validator) -> None:
    usage = cards.message_card(USAGE)
    assert_valid(validator, usage)
    runs = [r for b in usage["body"] for r in b["inlines"]]
    assert {"type": "TextRun", "text": "Handoff", "weight": "Bolder"} in runs
    assert {"type": "TextRun", "text": "packet 4412", "fontType": "Monospace"} in runs
    assert "`" not in card_text(usage) and "*" not in card_text(usage)
    assert_valid(validator, cards.message_card(""))
