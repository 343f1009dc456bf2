"""A packet as one compact Slack message, the rest one click away in its thread. Pure.

The first message is a glance, designed against Slack's guidance to keep
messages short and scannable: the whole summary, then for every section that
found something its title, its count and its top claim (highest confidence),
each with its confidence (colour, word and score, so it reads without colour)
and its sources. Sections that found nothing share one line. Feedback is one
control per section (a "Flag a wrong citation" picker listing that section's
claims), not a menu on every line; the button under it posts every other
claim in the thread (``remaining_messages``), and "Open the full packet"
links the signed web page when ``handoff serve web`` is configured.

At most 3 + 1 + 2 x 7 + 2 = 20 blocks by construction (header, ticket, about;
summary; two blocks per other section; more + how-to; the "nothing found"
line only replaces a section's two). ``handoff://`` URIs are never shown: a
source links to its signed page (``Packet.links``) or shows its title only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.mrkdwn import LABEL_EMOJI, LABEL_PLAIN, clip, confidence_line, escape, link, plain
from bot.packets.model import SECTION_TITLES, SECTIONS, Claim, Confidence, Packet, Source

Block = dict[str, Any]

FLAG_ACTION = "flag_citation"
SHOW_REST_ACTION = "show_full_packet"
SUMMARY_LINES = 5  # the summary is shown whole up to here (the builder writes at most 5)
SUMMARY_TEXT = 300  # a summary line longer than this is clipped on the glance and posted whole in the thread
GLANCE_TEXT = 600  # a top claim longer than this is clipped on the glance and posted whole in the thread
THREAD_TEXT = 2_900
COMPACT_SOURCES = 3  # sources linked under a section's top claim; more: "+N more", all in the thread
SUMMARY_SOURCES = 6  # a summary line that counts L1's steps cites each of them (bot/packets/summary.py)


@dataclass(frozen=True)
class Budget:
    """How much of each piece the glance spends; tried from generous to tight until the message fits.
    Claim text is the last thing cut (a clipped claim is posted whole in the thread)."""

    option_chars: int = 75  # a picker option's label
    reason_chars: int = 90
    label_chars: int = 50  # a source link's label
    glance_text: int = GLANCE_TEXT
    options: int = 100  # claims per picker (Slack's maximum); the rest are flagged from the thread


BUDGETS = (Budget(), Budget(option_chars=40), Budget(option_chars=30, reason_chars=40, label_chars=30),
           Budget(option_chars=24, reason_chars=0, label_chars=24),
           Budget(option_chars=20, reason_chars=0, label_chars=20, glance_text=300, options=10),
           Budget(option_chars=20, reason_chars=0, label_chars=20, glance_text=200, options=3))


def md(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def pt(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": plain(text, limit)}


def escaped(text: str, limit: int) -> str:
    """Escaped mrkdwn of at most ``limit`` characters *after* escaping (``&`` becomes five)."""
    budget = limit
    while True:
        out = escape(clip(text, budget))
        if len(out) <= limit:
            return out
        budget = max(1, budget - (len(out) - limit) - 1)


def cited(packet: Packet, sources: Sequence[Source], *, limit: int, label_limit: int) -> str:
    """Source links: http(s) as is, handoff:// only through the packet's signed links, else the title alone."""
    shown = []
    for s in sources[:limit]:
        href = packet.href(s.url)
        shown.append(link(href, s.title, label_limit=label_limit) if href else escape(clip(s.title, label_limit)))
    if len(sources) > limit:
        shown.append(f"+{len(sources) - limit} more")
    return " · ".join(shown)


def short_confidence(claim: Claim) -> str:
    label = claim.confidence.label
    return f"{LABEL_EMOJI[label]} *{LABEL_PLAIN[label]} {claim.confidence.score:.2f}*"


def top_claim(claims: Sequence[Claim]) -> Claim:
    """The highest-confidence claim; ties go to the earlier one (the builder orders by relevance)."""
    return max(enumerate(claims), key=lambda ic: (ic[1].confidence.score, -ic[0]))[1]


def flag_picker(packet: Packet, claims: Sequence[Claim], section: str, budget: Budget = Budget()) -> Block:
    """One control per section: pick the claim whose citation is wrong (value ``packet:claim``,
    which the flag handler never trusts: the message it sits on names the packet)."""
    options = [{"text": pt(f"{i}. {c.text}", budget.option_chars), "value": f"{packet.packet_id}:{c.id}"}
               for i, c in enumerate(claims[:budget.options], 1)]
    return {"type": "static_select", "action_id": FLAG_ACTION,
            "placeholder": pt(f"Flag a wrong citation ({SECTION_TITLES[section]})", 150), "options": options}


def head_blocks(packet: Packet) -> list[Block]:
    t = packet.ticket
    title = " · ".join(x for x in (f"Ticket #{t.id}", t.client_name or t.tenant, t.device) if x)
    facts = " · ".join(x for x in (t.status, t.priority, t.category) if x)
    ticket = f"*{link(t.url, t.title, label_limit=150)}*" if packet.href(t.url) else f"*{escaped(t.title, 150)}*"
    if facts:
        ticket += f"\n{escape(facts)}"
    if packet.web_url:
        ticket += f"\n:page_facing_up: {link(packet.web_url, 'Open the full packet (every claim, source and reason)')}"
    built = packet.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    about = [md(f"Draft by Handoff for L2 · packet {packet.packet_id or '-'} · built {built} · "
                f"writer {escape(packet.writer)} · check the sources before acting")]
    about += [md(":information_source: " + escaped(n, 300)) for n in packet.notes[:4]]
    return [
        {"type": "header", "block_id": "head", "text": pt(title, 150)},
        {"type": "section", "block_id": "ticket", "text": md(ticket)},
        {"type": "context", "block_id": "about", "elements": about},
    ]


def summary_block(packet: Packet, claims: Sequence[Claim], budget: Budget = Budget()) -> Block:
    """The whole summary (up to ``SUMMARY_LINES``), each line with its confidence and sources, in one block."""
    def render(text_limit: int) -> str:
        lines = [f"*{SECTION_TITLES['summary']}* · {len(claims)}"]
        for claim in claims[:SUMMARY_LINES]:
            lines.append(f"• {escaped(claim.text, text_limit)}  _{short_confidence(claim)} · "
                         f"{cited(packet, claim.sources, limit=SUMMARY_SOURCES, label_limit=min(40, budget.label_chars))}_")
        if len(claims) > SUMMARY_LINES:
            lines.append(f"_+{len(claims) - SUMMARY_LINES} more in the thread_")
        return "\n".join(lines)

    text = render(SUMMARY_TEXT)
    for limit in (200, 120, 60):  # long signed links: shorten the lines, never cut the markup
        if len(text) <= 3000:
            break
        text = render(limit)
    block: Block = {"type": "section", "block_id": "sec:summary", "text": md(text[:3000])}
    if packet.packet_id is not None:
        block["accessory"] = flag_picker(packet, claims, "summary", budget)
    return block


def section_blocks(packet: Packet, section: str, claims: Sequence[Claim], budget: Budget = Budget()) -> list[Block]:
    top = top_claim(claims)
    count = f"{len(claims)} claim{'s' if len(claims) != 1 else ''}" + (" · top:" if len(claims) > 1 else "")
    block: Block = {"type": "section", "block_id": f"claim:{top.id}",
                    "text": md(f"*{SECTION_TITLES[section]}* · {count}\n{escaped(top.text, budget.glance_text)}")}
    if packet.packet_id is not None:
        block["accessory"] = flag_picker(packet, claims, section, budget)
    reasonless = Confidence(top.confidence.score, "") if not budget.reason_chars else top.confidence
    context = (confidence_line(reasonless, reason_limit=max(1, budget.reason_chars))
               + (" · Source: " if len(top.sources) == 1 else " · Sources: ")
               + cited(packet, top.sources, limit=COMPACT_SOURCES, label_limit=budget.label_chars))
    if len(claims) > 1:
        context += f" · _+{len(claims) - 1} more_"
    return [block, {"type": "context", "block_id": f"cite:{top.id}", "elements": [md(context)]}]


def glance_ids(packet: Packet) -> list[str]:
    """The claims the first message shows (the summary, then each section's top claim), in packet order."""
    ids = {c.id for c in packet.section("summary")[:SUMMARY_LINES]}
    ids |= {top_claim(packet.section(s)).id for s in SECTIONS if s != "summary" and packet.section(s)}
    return [c.id for c in packet.claims if c.id in ids]


def footer_blocks(packet: Packet, rest: int) -> list[Block]:
    blocks: list[Block] = []
    if rest and packet.packet_id is not None:
        blocks.append({"type": "actions", "block_id": "rest", "elements": [{
            "type": "button", "action_id": SHOW_REST_ACTION, "value": str(packet.packet_id),
            "text": pt(f"Show the other {rest} claim{'s' if rest != 1 else ''} in the thread", 75),
        }]})
    blocks.append({"type": "context", "block_id": "howto", "elements": [md(
        "React :+1: when the packet is right · :pencil2: while you correct it (reply in the thread or remove it "
        "when done) · pick a claim under *Flag a wrong citation* if a source doesn't say it")]})
    return blocks


def fallback_text(packet: Packet) -> str:
    t = packet.ticket
    where = ", ".join(x for x in (t.client_name or t.tenant, t.device) if x)
    summary = packet.section("summary")
    text = f"Escalation packet for ticket #{t.id} ({where})"
    if summary:
        text += ": " + summary[0].text
    return escaped(text, 300)


def glance_blocks(packet: Packet, *, max_chars: int = 12_000) -> tuple[list[Block], list[str], list[str]]:
    """(blocks, claim ids shown whole, claim ids for the thread), within ``max_chars`` of JSON."""
    for budget in BUDGETS:
        blocks, whole, rest = _glance(packet, budget)
        if len(json.dumps(blocks, ensure_ascii=False)) <= max_chars:
            break
    return blocks, whole, rest


def _glance(packet: Packet, budget: Budget) -> tuple[list[Block], list[str], list[str]]:
    blocks = head_blocks(packet)
    summary = packet.section("summary")
    if summary:
        blocks.append(summary_block(packet, summary, budget))
    empty = []
    for section in SECTIONS[1:]:
        claims = packet.section(section)
        if claims:
            blocks.extend(section_blocks(packet, section, claims, budget))
        else:
            empty.append(section)
    if not summary:
        empty.insert(0, "summary")
    if empty:
        blocks.append({"type": "context", "block_id": "empty", "elements": [
            md("Nothing found for: " + " · ".join(SECTION_TITLES[s] for s in empty))]})
    shown = glance_ids(packet)
    clipped = {c.id for c in packet.claims if c.id in shown and (
        len(escape(" ".join(c.text.split()))) > (SUMMARY_TEXT if c.section == "summary" else budget.glance_text)
        or len(c.sources) > (SUMMARY_SOURCES if c.section == "summary" else COMPACT_SOURCES))}
    whole = [i for i in shown if i not in clipped]
    rest = [c.id for c in packet.claims if c.id not in whole]
    blocks.extend(footer_blocks(packet, len(rest)))
    return blocks, whole, rest


def thread_claim_blocks(packet: Packet, claim: Claim) -> list[Block]:
    """A claim in the thread: its full text with a ⋯ flag menu, and its confidence, reason and sources."""
    section: Block = {"type": "section", "block_id": f"claim:{claim.id}", "text": md(escaped(claim.text, THREAD_TEXT))}
    if packet.packet_id is not None:
        section["accessory"] = {"type": "overflow", "action_id": FLAG_ACTION, "options": [
            {"text": pt("Flag wrong citation", 75), "value": f"{packet.packet_id}:{claim.id}"}]}
    context = (confidence_line(claim.confidence, reason_limit=300)
               + (" · Source: " if len(claim.sources) == 1 else " · Sources: ")
               + cited(packet, claim.sources, limit=10, label_limit=120))
    return [section, {"type": "context", "block_id": f"cite:{claim.id}", "elements": [md(context[:3000])]}]


def section_title(name: str, count: int, *, cont: bool = False) -> Block:
    suffix = " (continued)" if cont else f" · {count}"
    return {"type": "section", "block_id": f"sec:{name}" + (":cont" if cont else ""),
            "text": md(f"*{SECTION_TITLES[name]}*{suffix}")}


def thread_chunks(packet: Packet, claim_ids: Iterable[str], *, max_blocks: int, max_chars: int,
                  size: Any) -> list[list[Block]]:
    """The claims, in packet order, as block lists each within the limits (one reserved for a part label)."""
    wanted = set(claim_ids)
    chunks: list[list[Block]] = []
    current: list[Block] = []
    current_section: str | None = None
    for claim in (c for c in packet.claims if c.id in wanted):
        add: list[Block] = []
        if claim.section != current_section:
            add.append(section_title(claim.section, len(packet.section(claim.section))))
        add.extend(thread_claim_blocks(packet, claim))
        candidate = current + add
        if current and (len(candidate) + 1 > max_blocks or size(candidate) + 200 > max_chars):
            chunks.append(current)
            head = section_title(claim.section, 0, cont=True) if claim.section == current_section else \
                section_title(claim.section, len(packet.section(claim.section)))
            current = [head, *thread_claim_blocks(packet, claim)]
        else:
            current = candidate
        current_section = claim.section
    if current:
        chunks.append(current)
    return chunks
