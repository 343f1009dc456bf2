"""Adaptive Cards (schema 1.5, which Teams renders) for packets and messages, and their helpers. Pure.

Answers and triage are in ``answer_cards``, metrics and reports in ``report_cards``.

Every function here takes plain data from the core and returns card JSON: no
database, no network, no Bot Framework import.

Teams quirks this module works around:

- Teams rejects a message larger than about 28 KB (the whole activity, card
  included). ``packet_cards`` measures the serialized card and, past
  ``MAX_CARD_BYTES``, shows the highest-confidence claims of every section with
  "and N more", plus a "Show full packet" action; the claims left out are
  rendered as continuation cards (``PacketCards.rest``) that the bot posts when
  that action is clicked, so the full packet stays reachable.
- ``TextBlock`` interprets Markdown, so text from tickets and notes (which
  anyone at a client can write) goes into ``RichTextBlock``/``TextRun``, which
  shows text literally: a note saying ``[click](https://evil)`` stays text.
  Markdown is used only for source links built here from known URLs.
- The official 1.5 schema forbids unknown card properties, so the Teams-only
  ``msteams`` width hint is not used: every card validates against the plain schema.
- Actions are ``Action.Execute`` (Universal Actions): Teams delivers a click as
  an ``invoke`` activity named ``adaptiveCard/action`` carrying ``verb`` and
  ``data``. The same click from an ``Action.Submit`` (data ``{"handoff": verb,
  ...}``) arrives as a *message* activity with ``value``; the bot takes both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from bot.packets.model import SECTION_TITLES, SECTIONS, Claim, Packet, Source

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams' limit is about 28 KB for the whole activity; keep the card well under
# it so the envelope (ids, serviceUrl, channelData) fits too.
MAX_CARD_BYTES = 25_000
# A single claim longer than this is clipped on the card (the source has it all).
MAX_CLAIM_CHARS = 1_500

# The verbs of the card actions; bot.py maps each to one core call.
CONFIRM, START_CORRECTION, FINISH_CORRECTION, FLAG, SHOW_FULL = "confirm", "correct", "done", "flag", "more"
VERBS = (CONFIRM, START_CORRECTION, FINISH_CORRECTION, FLAG, SHOW_FULL)

LABEL_COLOR = {"high": "Good", "medium": "Warning", "low": "Attention"}


# --- primitives ----------------------------------------------------------------

def card_bytes(card: dict[str, Any]) -> int:
    """The size of a card as sent: compact JSON with non-ASCII escaped, as the connector client does."""
    return len(json.dumps(card, separators=(",", ":"), ensure_ascii=True).encode("ascii"))


def _card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = (), *, fallback: str) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        card["actions"] = list(actions)
    card["fallbackText"] = fallback
    return card


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(*runs: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(runs), **props}


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label_text(text: str) -> str:
    """Text safe inside a Markdown link label or fact: no brackets, emphasis, code or escapes."""
    return " ".join(re.sub(r"[\[\]*_`~\\<>|]", " ", text).split()) or "source"


def safe_url(url: str) -> str | None:
    """An http(s) URL safe to put in Markdown and OpenUrl, or None (e.g. handoff:// checklist ids)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # Parentheses and spaces would end a Markdown link early.
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%-._~")


def _action(title: str, verb: str, **data: Any) -> dict[str, Any]:
    """An Action.Execute; its invoke carries ``verb`` and ``data``. (As Action.Submit the same click
    would arrive as a message whose ``value`` is ``{"handoff": verb, **data}``; bot.py reads both.)"""
    action: dict[str, Any] = {"type": "Action.Execute", "title": title, "verb": verb}
    if data:
        action["data"] = data
    return action


def _open_url(title: str, url: str) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


# --- text with a little Slack-style markup (the core's usage and error messages) ----

_MARKUP = re.compile(r"(`[^`]+`|\*[^*\n]+\*)")


def message_card(text: str, *, title: str | None = None) -> dict[str, Any]:
    """A card for a short message from the core: usage text, an error, a refusal.

    The core writes these with Slack-style ``*bold*`` and `` `code` ``; here each
    becomes a styled TextRun, so nothing in the text is read as Markdown.
    """
    body: list[dict[str, Any]] = []
    if title:
        body.append(_rich(_run(title, weight="Bolder", size="Medium")))
    for line in text.splitlines() or [""]:
        runs = []
        for part in _MARKUP.split(line):
            if not part:
                continue
            if part.startswith("`") and part.endswith("`") and len(part) > 1:
                runs.append(_run(part[1:-1], fontType="Monospace"))
            elif part.startswith("*") and part.endswith("*") and len(part) > 1:
                runs.append(_run(part[1:-1], weight="Bolder"))
            else:
                runs.append(_run(part))
        if runs:
            body.append(_rich(*runs, spacing="Small"))
    return _card(body or [_rich(_run(" "))], fallback=_clip(text, 200))


# --- packets ---------------------------------------------------------------------

def _source_elements(sources: Sequence[Source]) -> list[dict[str, Any]]:
    """Web sources as Markdown links (labels cleaned, URLs exact); others (checklist ids) as literal text."""
    links, plain = [], []
    for source in sources:
        url = safe_url(source.url)
        if url:
            links.append(f"[{_clip(_label_text(source.title or f'{source.kind} {source.id}'), 80)}]({url})")
        else:
            plain.append(f"{source.kind} {source.id}")
    elements: list[dict[str, Any]] = []
    if links:
        elements.append({"type": "TextBlock", "text": "Sources: " + " · ".join(links), "wrap": True,
                         "size": "Small", "spacing": "None"})
    if plain:
        elements.append(_rich(_run(("Also: " if links else "Sources: ") + " · ".join(plain), size="Small"),
                              spacing="None"))
    return elements


def _claim_block(claim: Claim) -> dict[str, Any]:
    label = claim.confidence.label
    confidence = f"{label.capitalize()} confidence {claim.confidence.score:.2f}"
    if claim.confidence.reason:
        confidence += f" · {_clip(claim.confidence.reason, 160)}"
    return {
        "type": "Container",
        "id": f"claim-{claim.id}",
        "spacing": "Medium",
        "items": [
            _rich(_run(_clip(claim.text, MAX_CLAIM_CHARS))),
            _rich(_run(confidence, size="Small", color=LABEL_COLOR[label]), spacing="None"),
            *_source_elements(claim.sources),
            {"type": "ActionSet", "spacing": "Small", "actions": [
                _action("Confirm", CONFIRM, claim=claim.id),
                _action("Correct", START_CORRECTION, claim=claim.id),
                _action("Done", FINISH_CORRECTION, claim=claim.id),
                _action("Wrong source", FLAG, claim=claim.id),
            ]},
        ],
    }


def _section_heading(section: str, *, total: int, shown: int, continued: bool = False) -> dict[str, Any]:
    title = SECTION_TITLES[section] + (" (continued)" if continued else "")
    runs = [_run(title, weight="Bolder", size="Medium")]
    if shown < total and not continued:
        runs.append(_run(f"  {shown} of {total} shown", isSubtle=True, size="Small"))
    return _rich(*runs, separator=True, spacing="Large")


def _header(packet: Packet, *, part: str | None = None) -> dict[str, Any]:
    t = packet.ticket
    heading = f"Escalation packet · Ticket #{t.id}" + (f" · {part}" if part else "")
    items: list[dict[str, Any]] = [
        _rich(_run(heading, weight="Bolder", size="Large")),
        _rich(_run(t.title, weight="Bolder"), spacing="Small"),
    ]
    if part is None:
        facts = [("Client", t.client_name or t.tenant), ("Device", t.device), ("Status", t.status),
                 ("Priority", t.priority), ("Category", t.category)]
        items.append({"type": "FactSet", "facts": [
            {"title": name, "value": _label_text(str(value))} for name, value in facts if value
        ]})
        built = packet.generated_at.strftime("%Y-%m-%d %H:%M UTC")
        items.append(_rich(_run(
            f"Draft by Handoff, built {built} ({packet.writer} writer). Check the sources before acting.",
            size="Small", isSubtle=True), spacing="Small"))
        for note in packet.notes:
            items.append(_rich(_run(note, size="Small", color="Warning"), spacing="None"))
    return {"type": "Container", "style": "emphasis", "bleed": True, "items": items}


def _packet_actions(packet: Packet, *, truncated: bool) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    url = safe_url(packet.ticket.url)
    if url:
        actions.append(_open_url("Open ticket", url))
    if truncated:
        actions.append(_action("Show full packet", SHOW_FULL))
    actions.append(_action("Accept packet", CONFIRM))
    actions.append(_action("Finish correction", FINISH_CORRECTION))
    return actions


def _top(claims: list[Claim], k: int) -> list[Claim]:
    """The k highest-confidence claims, in their packet order."""
    best = sorted(range(len(claims)), key=lambda i: (-claims[i].confidence.score, i))[:k]
    return [claims[i] for i in sorted(best)]


def _first_card(packet: Packet, per_section: int | None) -> tuple[dict[str, Any], list[str]]:
    """The packet's card; with ``per_section`` only that many claims of each section."""
    body = [_header(packet)]
    shown: list[str] = []
    truncated = False
    for section in SECTIONS:
        claims = packet.section(section)
        chosen = claims if per_section is None else _top(claims, per_section)
        truncated = truncated or len(chosen) < len(claims)
        body.append(_section_heading(section, total=len(claims), shown=len(chosen)))
        if not claims:
            body.append(_rich(_run("Nothing found.", isSubtle=True, size="Small"), spacing="Small"))
        for claim in chosen:
            body.append(_claim_block(claim))
            shown.append(claim.id)
        if len(chosen) < len(claims):
            body.append(_rich(_run(f"… and {len(claims) - len(chosen)} more: use Show full packet below.",
                                   isSubtle=True, size="Small"), spacing="Small"))
    fallback = f"Escalation packet for ticket #{packet.ticket.id}: {len(packet.claims)} claims."
    return _card(body, _packet_actions(packet, truncated=truncated), fallback=fallback), shown


def _continuation(packet: Packet, claims: list[Claim], part: str, *, continues: set[str]) -> dict[str, Any]:
    body = [_header(packet, part=part)]
    current = None
    for claim in claims:
        if claim.section != current:
            current = claim.section
            total = len(packet.section(current))
            body.append(_section_heading(current, total=total, shown=total, continued=current in continues))
        body.append(_claim_block(claim))
    return _card(body, fallback=f"Escalation packet for ticket #{packet.ticket.id}, {part}.")


@dataclass(frozen=True)
class PacketCards:
    """A packet as cards: the one to post, and the rest of the claims for "Show full packet"."""

    first: dict[str, Any]
    shown: tuple[str, ...]
    rest: tuple[dict[str, Any], ...]

    @property
    def truncated(self) -> bool:
        return bool(self.rest)


def packet_cards(packet: Packet, *, limit: int = MAX_CARD_BYTES) -> PacketCards:
    """The packet within ``limit`` bytes per card (deterministic, so a later click recomputes the same split)."""
    card, shown = _first_card(packet, None)
    if card_bytes(card) <= limit:
        return PacketCards(card, tuple(shown), ())
    # The most claims per section that fit: the card grows with k, so bisect (k = 0 is headings only).
    largest = max((len(packet.section(s)) for s in SECTIONS), default=0)
    card, shown = _first_card(packet, 0)
    low, high = 1, largest - 1
    while low <= high:
        k = (low + high) // 2
        trial, trial_shown = _first_card(packet, k)
        if card_bytes(trial) <= limit:
            card, shown, low = trial, trial_shown, k + 1
        else:
            high = k - 1
    shown_ids = set(shown)
    rest = [c for c in packet.claims if c.id not in shown_ids]
    return PacketCards(card, tuple(shown), tuple(_chunk(packet, rest, limit)))


def _chunk(packet: Packet, rest: list[Claim], limit: int) -> list[dict[str, Any]]:
    """The left-out claims, in packet order, as few cards as fit ``limit`` each.

    A card's compact JSON is its body-less size plus each body element's size and a comma, so
    cards are filled by adding sizes, with the longest header and every heading "(continued)":
    an upper bound of the card finally rendered.
    """
    base = card_bytes(_continuation(packet, [], "part 999 of 999", continues=set()))
    heading = {s: card_bytes(_section_heading(s, total=1, shown=1, continued=True)) + 1 for s in SECTIONS}
    groups: list[list[Claim]] = []
    current: list[Claim] = []
    size = base
    for claim in rest:
        opens_section = not current or current[-1].section != claim.section
        add = card_bytes(_claim_block(claim)) + 1 + (heading[claim.section] if opens_section else 0)
        if current and size + add > limit:
            groups.append(current)
            current, size = [], base
            add = card_bytes(_claim_block(claim)) + 1 + heading[claim.section]
        current.append(claim)
        size += add
    if current:
        groups.append(current)
    cards = []
    for n, group in enumerate(groups, start=2):
        # A heading says "(continued)" when the section's first claim was on an earlier card.
        first = {s: packet.section(s)[0].id for s in {c.section for c in group}}
        continued = {s for s in first if all(c.id != first[s] for c in group)}
        cards.append(_continuation(packet, group, f"part {n} of {len(groups) + 1}", continues=continued))
    return cards


def claims_on(card: dict[str, Any]) -> list[str]:
    """The claim ids a card shows (for logs and tests)."""
    return [item["id"][len("claim-"):] for item in card.get("body", [])
            if isinstance(item, dict) and str(item.get("id", "")).startswith("claim-")]


# --- fitting a list into one card (ask, triage, reports) --------------------------------

def _fit(head: list[dict[str, Any]], blocks: list[dict[str, Any]], limit: int, more: str,
         fallback: str) -> dict[str, Any]:
    """A card of ``head`` plus as many ``blocks`` as fit in ``limit``, then a line saying how many were left out."""
    card = _card(head + blocks, fallback=fallback)
    n = len(blocks)
    while n and card_bytes(card) > limit:
        n -= 1
        note = _rich(_run(more.format(n=len(blocks) - n), isSubtle=True, size="Small"))
        card = _card(head + blocks[:n] + [note], fallback=fallback)
    return card
