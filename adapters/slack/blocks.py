"""Packets, answers and triage views as Block Kit messages. Pure: no network, no database.

A packet message is a header (ticket, client, device), then the sections in
the packet's order, one ``section`` block per claim with a ``context`` line
under it (confidence label and score, reason, source links) and a ⋯ menu to
flag a wrong citation.

Slack limits a message to 50 blocks and 3,000 characters per section text,
and (undocumented, bolt-js issue 2509) rejects messages whose blocks total
about 13,200 characters with ``msg_blocks_too_long``. A packet that does not
fit is shown degraded rather than refused: the top claims of every section
(round-robin, in the packet's order, so every section keeps its best claims),
"and N more" under each cut section, and a button that posts the rest in the
message's thread (``remaining_messages``), so the full packet is one click away.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.mrkdwn import clip, confidence_line, escape, link, plain, source_links
from bot.chat.views import Answer, SignalView, TriageView
from bot.db.models import GLOBAL_TENANT
from bot.packets.model import SECTION_TITLES, SECTIONS, Claim, Packet

Block = dict[str, Any]

FLAG_ACTION = "flag_citation"
COMPACT_SOURCES = 4  # sources linked per claim in the channel message; more go to the thread
SHOW_REST_ACTION = "show_full_packet"


@dataclass(frozen=True)
class Limits:
    max_blocks: int = 50
    # JSON length of the blocks; Slack failed at ~13.2k in bolt-js#2509, so keep a margin.
    max_chars: int = 12_000
    section_text: int = 3_000
    header_text: int = 150
    claim_text_compact: int = 900  # in the channel message
    claim_text_full: int = 2_900  # in the thread, where a claim has room


LIMITS = Limits()


@dataclass(frozen=True)
class Message:
    text: str  # fallback for notifications and screen readers
    blocks: list[Block]
    shown: tuple[str, ...] = ()  # claim ids shown in full
    rest: tuple[str, ...] = ()  # claim ids left for the thread

    def size(self) -> int:
        return blocks_size(self.blocks)


def blocks_size(blocks: Sequence[Block]) -> int:
    return len(json.dumps(list(blocks), ensure_ascii=False))


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


# --- packets -----------------------------------------------------------------


def packet_head(packet: Packet, limits: Limits = LIMITS) -> list[Block]:
    t = packet.ticket
    title = " · ".join(x for x in (f"Ticket #{t.id}", t.client_name or t.tenant, t.device) if x)
    facts = " · ".join(x for x in (t.status, t.priority, t.category) if x)
    built = packet.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    context = f"Draft by Handoff for L2 · packet {packet.packet_id or '-'} · built {built} · writer {escape(packet.writer)}"
    blocks: list[Block] = [
        {"type": "header", "block_id": "head", "text": pt(title, limits.header_text)},
        {"type": "section", "block_id": "ticket",
         "text": md(f"*{link(t.url, t.title, label_limit=200)}*" + (f"\n{escape(facts)}" if facts else ""))},
        {"type": "context", "block_id": "about", "elements": [md(context)]},
    ]
    if packet.notes:
        blocks.append({"type": "context", "block_id": "notes",
                       "elements": [md(":information_source: " + escaped(n, 600)) for n in packet.notes[:5]]})
    return blocks


def claim_blocks(claim: Claim, packet_id: int | None, *, text_limit: int, compact: bool = False) -> list[Block]:
    """A claim's section (text, ⋯ flag menu) and context line (confidence, sources).

    ``compact`` (the channel message) trims link labels and the reason so more
    claims fit; the thread shows them in full.
    """
    section: Block = {"type": "section", "block_id": f"claim:{claim.id}", "text": md(escaped(claim.text, text_limit))}
    if packet_id is not None:
        # An overflow menu rather than a button: flagging takes two deliberate
        # clicks, and the ⋯ stays out of the way of the text.
        section["accessory"] = {
            "type": "overflow", "action_id": FLAG_ACTION,
            "options": [{"text": pt("Flag wrong citation", 75), "value": f"{packet_id}:{claim.id}"}],
        }
    # One context element, not two: the same line to the eye, ~35 characters less per claim.
    cites = source_links(claim.sources, limit=COMPACT_SOURCES if compact else 10, label_limit=60 if compact else 120)
    context: Block = {"type": "context", "block_id": f"cite:{claim.id}", "elements": [md(
        confidence_line(claim.confidence, reason_limit=100 if compact else 300)
        + (" · Source: " if len(claim.sources) == 1 else " · Sources: ") + cites)]}
    return [section, context]


def section_title(name: str, count: int, *, cont: bool = False) -> Block:
    suffix = " (continued)" if cont else f" · {count}"
    return {"type": "section", "block_id": f"sec:{name}" + (":cont" if cont else ""),
            "text": md(f"*{SECTION_TITLES[name]}*{suffix}")}


def packet_footer(packet: Packet, rest: int) -> list[Block]:
    blocks: list[Block] = []
    if rest and packet.packet_id is not None:
        blocks.append({"type": "actions", "block_id": "rest", "elements": [{
            "type": "button", "action_id": SHOW_REST_ACTION, "value": str(packet.packet_id),
            "text": pt(f"Post the other {rest} claim{'s' if rest != 1 else ''} in the thread", 75),
        }]})
    blocks.append({"type": "context", "block_id": "howto", "elements": [md(
        "React :+1: when the packet is right · :pencil2: while you correct it (reply in the thread or remove it "
        "when done) · ⋯ on a claim flags a wrong citation"
    )]})
    return blocks


def packet_fallback(packet: Packet) -> str:
    t = packet.ticket
    where = ", ".join(x for x in (t.client_name or t.tenant, t.device) if x)
    summary = packet.section("summary")
    text = f"Escalation packet for ticket #{t.id} ({where})"
    if summary:
        text += ": " + summary[0].text
    return escaped(text, 300)


def packet_message(packet: Packet, limits: Limits = LIMITS) -> Message:
    """The channel message of a packet, degraded to fit Slack's limits when it must be."""
    by_section = {s: packet.section(s) for s in SECTIONS}
    present = [s for s in SECTIONS if by_section[s]]
    empty = [s for s in SECTIONS if not by_section[s]]
    rendered = {c.id: claim_blocks(c, packet.packet_id, text_limit=limits.claim_text_compact, compact=True)
                for c in packet.claims}
    # Claims cut short here (text, or more than 3 sources) are posted again, whole, with the rest.
    clipped = {c.id for c in packet.claims
               if len(escape(c.text.strip())) > limits.claim_text_compact or len(c.sources) > COMPACT_SOURCES}

    def assemble(counts: dict[str, int]) -> list[Block]:
        blocks = packet_head(packet, limits)
        for s in present:
            blocks.append(section_title(s, len(by_section[s])))
            for claim in by_section[s][: counts[s]]:
                blocks.extend(rendered[claim.id])
            hidden = len(by_section[s]) - counts[s]
            if hidden:
                blocks.append({"type": "context", "block_id": f"more:{s}",
                               "elements": [md(f"_…and {hidden} more in {SECTION_TITLES[s]}_")]})
        if empty:
            blocks.append({"type": "context", "block_id": "empty", "elements": [
                md("Nothing found for: " + " · ".join(SECTION_TITLES[s] for s in empty))]})
        hidden_total = sum(len(by_section[s]) - counts[s] for s in present)
        rest_total = hidden_total + len([c for s in present for c in by_section[s][: counts[s]] if c.id in clipped])
        blocks.extend(packet_footer(packet, rest_total))
        return blocks

    def fits(blocks: list[Block]) -> bool:
        return len(blocks) <= limits.max_blocks and blocks_size(blocks) <= limits.max_chars

    counts = {s: len(by_section[s]) for s in present}
    if not fits(assemble(counts)):
        # Round-robin: every section gets its first claim before any gets a second.
        counts = {s: 0 for s in present}
        open_ = list(present)
        while open_:
            for s in list(open_):
                if counts[s] >= len(by_section[s]):
                    open_.remove(s)
                    continue
                trial = {**counts, s: counts[s] + 1}
                if fits(assemble(trial)):
                    counts = trial
                else:
                    open_.remove(s)
    blocks = assemble(counts)
    shown = [c.id for s in present for c in by_section[s][: counts[s]]]
    rest = [c.id for c in packet.claims if c.id not in shown or c.id in clipped]
    return Message(text=packet_fallback(packet), blocks=blocks,
                   shown=tuple(i for i in shown if i not in clipped), rest=tuple(rest))


def remaining_messages(packet: Packet, claim_ids: Iterable[str], limits: Limits = LIMITS) -> list[Message]:
    """Thread replies carrying the claims the channel message left out, in packet order, each message within limits."""
    wanted = set(claim_ids)
    claims = [c for c in packet.claims if c.id in wanted]
    chunks: list[list[Block]] = []
    current: list[Block] = []
    current_section: str | None = None
    reserve = 1  # the "part i of n" context line added below
    for claim in claims:
        add: list[Block] = []
        if claim.section != current_section:
            add.append(section_title(claim.section, len(packet.section(claim.section))))
        add.extend(claim_blocks(claim, packet.packet_id, text_limit=limits.claim_text_full))
        candidate = current + add
        if current and (len(candidate) + reserve > limits.max_blocks or blocks_size(candidate) + 200 > limits.max_chars):
            chunks.append(current)
            current = [section_title(claim.section, 0, cont=True)] if claim.section == current_section else []
            current += claim_blocks(claim, packet.packet_id, text_limit=limits.claim_text_full)
            if claim.section != current_section:
                current = [section_title(claim.section, len(packet.section(claim.section)))] + current
        else:
            current = candidate
        current_section = claim.section
    if current:
        chunks.append(current)
    t = packet.ticket
    out = []
    for i, chunk in enumerate(chunks, 1):
        label = f"Ticket #{t.id} · rest of packet {packet.packet_id or '-'} · part {i} of {len(chunks)}"
        head = {"type": "context", "block_id": "part", "elements": [md(escape(label))]}
        ids = tuple(b["block_id"].split(":", 1)[1] for b in chunk if b["block_id"].startswith("claim:"))
        out.append(Message(text=escaped(label, 300), blocks=[head, *chunk], shown=ids))
    return out


# --- ask answers -------------------------------------------------------------


def answer_message(answer: Answer, limits: Limits = LIMITS) -> Message:
    """``/packet ask``: the best sections of one client's knowledge, each with its link and confidence."""
    head: list[Block] = [
        {"type": "header", "block_id": "head", "text": pt(f"Answer · {answer.client_name}", limits.header_text)},
        {"type": "context", "block_id": "question", "elements": [md(
            f"_{escaped(answer.question, 500)}_ · searched {escape(answer.client_name)}'s knowledge and the shared runbooks")]},
    ]
    if answer.nothing_found:
        blocks = head + [{"type": "section", "block_id": "none", "text": md(
            ":mag: *Nothing found for this client.* No runbook, client note or past ticket matched well enough; "
            "try other words, or ask the team.")}]
        return Message(text=escaped(f"Nothing found for this client: {answer.question}", 300), blocks=blocks)
    hit_blocks: list[list[Block]] = []
    for i, hit in enumerate(answer.hits, 1):
        owner = "shared runbook" if hit.tenant == GLOBAL_TENANT else escape(answer.client_name)
        hit_blocks.append([
            {"type": "section", "block_id": f"hit:{i}",
             "text": md(f"*{link(hit.url, hit.title, label_limit=150)}*\n{escaped(hit.text, 1200)}")},
            {"type": "context", "block_id": f"hitmeta:{i}",
             "elements": [md(confidence_line(hit.confidence)), md(f"{escape(hit.kind)} · {owner}")]},
        ])
    blocks = fit_items(head, hit_blocks, limits, what="matches")
    best = answer.hits[0]
    return Message(text=escaped(f"{len(answer.hits)} matches for: {answer.question} (best: {best.title})", 300),
                   blocks=blocks)


def fit_items(head: list[Block], items: Sequence[list[Block]], limits: Limits, *, what: str,
              tail: Sequence[Block] = ()) -> list[Block]:
    """``head`` + as many ``items`` as fit + "…and N more ``what`` not shown" + ``tail``."""
    def more(n: int) -> list[Block]:
        return [{"type": "context", "block_id": "more", "elements": [md(f"_…and {n} more {what} not shown_")]}]

    blocks = list(head)
    shown = 0
    for item in items:
        candidate = blocks + item
        reserve = more(len(items)) + list(tail)
        if len(candidate) + len(reserve) > limits.max_blocks or blocks_size(candidate + reserve) > limits.max_chars:
            break
        blocks = candidate
        shown += 1
    if shown < len(items):
        blocks += more(len(items) - shown)
    return blocks + list(tail)


# --- triage ------------------------------------------------------------------

SEVERITY_EMOJI = {"critical": ":red_circle:", "warning": ":large_orange_circle:", "info": ":large_blue_circle:"}


def signal_blocks(i: int, sig: SignalView, *, all_clients: bool) -> list[Block]:
    emoji = SEVERITY_EMOJI.get(sig.severity, ":white_circle:")
    state = "firing" if sig.firing else "cleared"
    text = f"{emoji} *{escaped(sig.title, 200)}* · {escape(sig.severity)} · {state}\n{escaped(sig.representative, 600)}"
    devices = ", ".join(sig.devices[:5]) + (f" +{len(sig.devices) - 5}" if len(sig.devices) > 5 else "")
    seen = f"{sig.first_seen:%m-%d %H:%M}–{sig.last_seen:%m-%d %H:%M} UTC"
    facts = [f"{sig.count}×", seen]
    if devices:
        facts.insert(0, escape(devices))
    if sig.category:
        facts.append(escape(sig.category))
    if all_clients:
        facts.insert(0, f"*{escape(sig.client_name)}*")
    elements = [md(" · ".join(facts))]
    if sig.alert_urls:
        elements.append(md("Alerts: " + " · ".join(link(u, f"#{n}") for n, u in enumerate(sig.alert_urls[:3], 1))
                           + (f" +{len(sig.alert_urls) - 3}" if len(sig.alert_urls) > 3 else "")))
    return [{"type": "section", "block_id": f"sig:{i}", "text": md(text)},
            {"type": "context", "block_id": f"sigmeta:{i}", "elements": elements}]


def triage_message(view: TriageView, limits: Limits = LIMITS) -> Message:
    """``/packet triage``: the current actionable signals, noise counted but not listed."""
    actionable = [s for s in view.signals if s.noise is None]
    noise = [s for s in view.signals if s.noise is not None]
    all_clients = view.scope == "all clients"
    head: list[Block] = [
        {"type": "header", "block_id": "head", "text": pt(f"Alert signals · {view.scope}", limits.header_text)},
        {"type": "context", "block_id": "counts", "elements": [md(
            f"{view.alerts_in} alerts in · {len(actionable)} actionable signal{'s' if len(actionable) != 1 else ''} · "
            f"{max(view.noise_clusters, len(noise))} noise cluster{'s' if max(view.noise_clusters, len(noise)) != 1 else ''}"
        )]},
    ]
    tail: list[Block] = []
    if noise:
        kinds = sorted({s.noise or "" for s in noise})
        tail.append({"type": "context", "block_id": "noise", "elements": [md(
            "Labelled noise, not shown: " + escaped(", ".join(kinds), 300))]})
    if not actionable:
        blocks = head + [{"type": "section", "block_id": "none",
                          "text": md(":white_check_mark: No actionable alert signals right now.")}] + tail
    else:
        items = [signal_blocks(i, s, all_clients=all_clients) for i, s in enumerate(actionable, 1)]
        blocks = fit_items(head, items, limits, what="signals", tail=tail)
    return Message(text=escaped(f"{len(actionable)} actionable alert signals for {view.scope}", 300), blocks=blocks)


# --- plain replies ---------------------------------------------------------------


def text_message(text: str, *, icon: str = "", already_mrkdwn: bool = False) -> Message:
    body = text if already_mrkdwn else escape(text)
    body = (f"{icon} " if icon else "") + body
    body = body if len(body) <= 2_900 else body[:2_899] + "…"
    return Message(text=clip(body, 300), blocks=[{"type": "section", "block_id": "msg", "text": md(body)}])


def usage_message(usage: str) -> Message:
    return text_message(usage, already_mrkdwn=True)


def error_message(message: str) -> Message:
    return text_message(message, icon=":warning:")


__all__ = [
    "LIMITS", "Limits", "Message", "FLAG_ACTION", "SHOW_REST_ACTION", "packet_message", "remaining_messages",
    "answer_message", "triage_message", "text_message", "usage_message", "error_message", "blocks_size",
]
