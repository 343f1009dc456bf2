"""A packet as one compact Adaptive Card (1.5). Pure.

Designed against Microsoft's guidance for cards in Teams (lead with what
matters, few actions, progressive disclosure): the whole summary, then per
section its title, its count and its top claim; the section's other claims
are on the same card in a hidden container that the "Show all N claims"
``Action.ToggleVisibility`` opens, so nothing needs a round trip. Every claim
shows its confidence (word, score and reason, not colour alone) and sources.

Feedback is not repeated per claim: one "Flag wrong source" button under a
claim picker (an ``Input.ChoiceSet`` named ``claim``: Teams merges input
values into the ``Action.Execute`` data, so the bot's existing ``flag``
handler receives ``data.claim``), plus Accept / Correct / Done for the packet.
At most 7 actions: Open ticket, Open full packet, Show all, Flag, Accept,
Correct, Done.

A packet too large for one card (past ``limit`` bytes) keeps as many hidden
claims per section as fit; the rest go to continuation cards (``rest``)
posted by "Show full packet", each with its own picker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.teams.cards_base import (
    CONFIRM,
    FINISH_CORRECTION,
    FLAG,
    LABEL_COLOR,
    MAX_CLAIM_CHARS,
    SHOW_FULL,
    START_CORRECTION,
    _action,
    _card,
    _clip,
    _label_text,
    _open_url,
    _rich,
    _run,
    card_bytes,
    safe_url,
)
from bot.packets.model import SECTION_TITLES, SECTIONS, Claim, Packet

# Teams takes about 28 KB per activity; the first card stays under 20 KB so it loads fast on mobile.
MAX_CARD_BYTES = 19_500
SUMMARY_LINES = 5


def _source_elements(packet: Packet, sources: Sequence[Any]) -> list[dict[str, Any]]:
    """Sources as Markdown links (labels cleaned, URLs exact; handoff:// only through the packet's signed
    links), others as literal names, so no ``handoff://`` URI is ever on a card."""
    links, plain = [], []
    for source in sources:
        href = packet.href(source.url)
        url = safe_url(href) if href else None
        if url:
            links.append(f"[{_clip(_label_text(source.title or f'{source.kind} {source.id}'), 80)}]({url})")
        else:
            plain.append(_clip(source.title, 80) if source.title else f"{source.kind} {source.id}")
    elements: list[dict[str, Any]] = []
    if links:
        elements.append({"type": "TextBlock", "text": "Sources: " + " · ".join(links), "wrap": True,
                         "size": "Small", "spacing": "None"})
    if plain:
        elements.append(_rich(_run(("Also: " if links else "Sources: ") + " · ".join(plain), size="Small"),
                              spacing="None"))
    return elements


def claim_block(packet: Packet, claim: Claim) -> dict[str, Any]:
    label = claim.confidence.label
    confidence = f"{label.capitalize()} confidence {claim.confidence.score:.2f}"
    if claim.confidence.reason:
        confidence += f" · {_clip(claim.confidence.reason, 160)}"
    return {"type": "Container", "id": f"claim-{claim.id}", "spacing": "Medium", "items": [
        _rich(_run(_clip(claim.text, MAX_CLAIM_CHARS))),
        _rich(_run(confidence, size="Small", color=LABEL_COLOR[label]), spacing="None"),
        *_source_elements(packet, claim.sources),
    ]}


def _top(claims: list[Claim], k: int) -> list[Claim]:
    """The k highest-confidence claims, in their packet order."""
    best = sorted(range(len(claims)), key=lambda i: (-claims[i].confidence.score, i))[:k]
    return [claims[i] for i in sorted(best)]


def top_claim(claims: Sequence[Claim]) -> Claim:
    return max(enumerate(claims), key=lambda ic: (ic[1].confidence.score, -ic[0]))[1]


def header(packet: Packet, *, part: str | None = None) -> dict[str, Any]:
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
            {"title": name, "value": _label_text(str(value))} for name, value in facts if value]})
        built = packet.generated_at.strftime("%Y-%m-%d %H:%M UTC")
        items.append(_rich(_run(
            f"Draft by Handoff, built {built} ({packet.writer} writer). Check the sources before acting.",
            size="Small", isSubtle=True), spacing="Small"))
        for note in packet.notes:
            items.append(_rich(_run(note, size="Small", color="Warning"), spacing="None"))
    return {"type": "Container", "style": "emphasis", "bleed": True, "items": items}


def heading(section: str, count: int, *, continued: bool = False) -> dict[str, Any]:
    title = SECTION_TITLES[section] + (" (continued)" if continued else "")
    runs = [_run(title, weight="Bolder", size="Medium")]
    if not continued:
        runs.append(_run(f"  {count} claim{'s' if count != 1 else ''}", isSubtle=True, size="Small"))
    return _rich(*runs, separator=True, spacing="Large")


def flag_picker(claims: Sequence[Claim], *, title: str = "Flag wrong source") -> list[dict[str, Any]]:
    """A claim picker and one button: the click's data carries the picked claim id as ``claim``."""
    if not claims:
        return []
    return [
        {"type": "Input.ChoiceSet", "id": "claim", "style": "compact", "isRequired": True, "separator": True,
         "spacing": "Large", "label": "A claim whose source doesn't say it",
         "errorMessage": "Pick the claim first.", "placeholder": "Pick a claim",
         "choices": [{"title": _clip(f"{SECTION_TITLES[c.section]}: {c.text}", 90), "value": c.id} for c in claims]},
        {"type": "ActionSet", "spacing": "Small", "actions": [_action(title, FLAG)]},
    ]


def _glance(packet: Packet) -> list[Claim]:
    out = packet.section("summary")[:SUMMARY_LINES]
    out += [top_claim(packet.section(s)) for s in SECTIONS[1:] if packet.section(s)]
    ids = {c.id for c in out}
    return [c for c in packet.claims if c.id in ids]


def _first_card(packet: Packet, per_section: int | None) -> tuple[dict[str, Any], list[str]]:
    """The glance, with at most ``per_section`` more claims per section in hidden containers (None: all)."""
    glance = {c.id for c in _glance(packet)}
    body: list[dict[str, Any]] = [header(packet)]
    shown: list[str] = []
    hidden_ids: list[str] = []
    hidden_count = 0
    truncated = False
    empty = []
    for section in SECTIONS:
        claims = packet.section(section)
        if not claims:
            empty.append(SECTION_TITLES[section])
            continue
        body.append(heading(section, len(claims)))
        first = [c for c in claims if c.id in glance]
        others = [c for c in claims if c.id not in glance]
        kept = others if per_section is None else _top(others, per_section)
        truncated = truncated or len(kept) < len(others)
        for claim in first:
            body.append(claim_block(packet, claim))
        if kept:
            container_id = f"more-{section}"
            body.append({"type": "Container", "id": container_id, "isVisible": False,
                         "items": [claim_block(packet, c) for c in kept]})
            hidden_ids.append(container_id)
            hidden_count += len(kept)
        if others:
            note = f"+{len(others)} more: Show all claims below" if len(kept) == len(others) else \
                f"+{len(others)} more: Show all claims, then Show full packet for the last {len(others) - len(kept)}"
            body.append(_rich(_run(note, isSubtle=True, size="Small"), spacing="Small"))
        shown += [c.id for c in claims if c.id in glance or c in kept]
    if empty:
        body.append(_rich(_run("Nothing found for: " + " · ".join(empty), isSubtle=True, size="Small"),
                          separator=True, spacing="Large"))
    body += flag_picker([c for c in packet.claims if c.id in set(shown)])
    fallback = f"Escalation packet for ticket #{packet.ticket.id}: {len(packet.claims)} claims."
    return _card(body, _actions(packet, hidden_ids, hidden_count, truncated=truncated), fallback=fallback), shown


def _actions(packet: Packet, hidden: list[str], hidden_count: int, *, truncated: bool) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    url = safe_url(packet.ticket.url)
    if url:
        actions.append(_open_url("Open ticket", url))
    if packet.web_url and safe_url(packet.web_url):
        actions.append(_open_url("Open full packet", packet.web_url))
    if hidden:
        actions.append({"type": "Action.ToggleVisibility", "title": f"Show all claims (+{hidden_count})",
                        "targetElements": hidden})
    if truncated:
        actions.append(_action("Show full packet", SHOW_FULL))
    actions.append(_action("Accept packet", CONFIRM))
    actions.append(_action("Correct", START_CORRECTION))
    actions.append(_action("Done correcting", FINISH_CORRECTION))
    return actions


def continuation(packet: Packet, claims: list[Claim], part: str, *, continues: set[str]) -> dict[str, Any]:
    body = [header(packet, part=part)]
    current = None
    for claim in claims:
        if claim.section != current:
            current = claim.section
            body.append(heading(current, len(packet.section(current)), continued=current in continues))
        body.append(claim_block(packet, claim))
    body += flag_picker(claims)
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
    largest = max((len(packet.section(s)) for s in SECTIONS), default=0)
    card, shown = _first_card(packet, 0)
    low, high = 1, largest
    while low <= high:  # the card grows with k: bisect the most hidden claims per section that fit
        k = (low + high) // 2
        trial, trial_shown = _first_card(packet, k)
        if card_bytes(trial) <= limit:
            card, shown, low = trial, trial_shown, k + 1
        else:
            high = k - 1
    for chars in (300, 120, 60):  # even the glance alone is too big: clip its claims harder
        if card_bytes(card) <= limit:
            break
        card, shown = _first_card(_clipped(packet, chars), 0)
    shown_ids = set(shown)
    rest = [c for c in packet.claims if c.id not in shown_ids]
    return PacketCards(card, tuple(shown), tuple(_chunk(packet, rest, limit)))


def _clipped(packet: Packet, chars: int) -> Packet:
    from dataclasses import replace

    copy = replace(packet, claims=[replace(c, text=_clip(c.text, chars)) for c in packet.claims])
    copy.links, copy.web_url = packet.links, packet.web_url
    return copy


def _chunk(packet: Packet, rest: list[Claim], limit: int) -> list[dict[str, Any]]:
    """The left-out claims, in packet order, as few cards as fit ``limit`` each (sizes add up: the
    body-less card, each element and a comma, the longest header, every heading "(continued)", the picker)."""
    base = card_bytes(continuation(packet, [], "part 999 of 999", continues=set()))
    head = {s: card_bytes(heading(s, 1, continued=True)) + 1 for s in SECTIONS}
    groups: list[list[Claim]] = []
    current: list[Claim] = []
    size = base + 300
    for claim in rest:
        opens_section = not current or current[-1].section != claim.section
        add = card_bytes(claim_block(packet, claim)) + 1 + (head[claim.section] if opens_section else 0) + 250
        if current and size + add > limit:
            groups.append(current)
            current, size = [], base + 300
            add = card_bytes(claim_block(packet, claim)) + 1 + head[claim.section] + 250
        current.append(claim)
        size += add
    if current:
        groups.append(current)
    cards = []
    for n, group in enumerate(groups, start=2):
        first = {s: packet.section(s)[0].id for s in {c.section for c in group}}
        continued = {s for s in first if all(c.id != first[s] for c in group)}
        cards.append(continuation(packet, group, f"part {n} of {len(groups) + 1}", continues=continued))
    return cards


def claims_on(card: dict[str, Any]) -> list[str]:
    """The claim ids a card holds, shown or behind "Show all" (for logs and tests)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if str(node.get("id", "")).startswith("claim-"):
                found.append(node["id"][len("claim-"):])
                return
            walk(node.get("items") or node.get("body") or [])

    walk(card.get("body", []))
    return found


def count_actions(card: dict[str, Any]) -> int:
    """Every action on a card, top-level and in action sets (what Teams draws as buttons)."""
    def walk(node: Any) -> int:
        if isinstance(node, list):
            return sum(walk(i) for i in node)
        if isinstance(node, dict):
            here = 1 if str(node.get("type", "")).startswith("Action.") else 0
            return here + sum(walk(v) for k, v in node.items() if k in ("body", "items", "actions"))
        return 0
    return walk(card)
