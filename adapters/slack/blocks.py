"""Packets, answers and triage views as Block Kit messages. Pure: no network, no database.

A packet message is a compact glance (``packet_blocks``): the summary and
the top claim of each section with its count, at most 20 blocks; a button
posts every other claim in the message's thread (``remaining_messages``).

Slack limits a message to 50 blocks and 3,000 characters per section text,
and (undocumented, bolt-js issue 2509) rejects messages whose blocks total
about 13,200 characters with ``msg_blocks_too_long``; thread replies are
split to stay within both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.mrkdwn import clip, confidence_line, escape, link
from adapters.slack.packet_blocks import (
    FLAG_ACTION,
    SHOW_REST_ACTION,
    escaped,
    fallback_text,
    glance_blocks,
    md,
    pt,
    thread_chunks,
)
from bot.chat.views import Answer, SignalView, TriageView, outage_line
from bot.db.models import GLOBAL_TENANT
from bot.packets.model import Packet

Block = dict[str, Any]



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


# --- packets -----------------------------------------------------------------
# The compact glance and the thread replies live in ``packet_blocks``; here they become Messages.


def packet_message(packet: Packet, limits: Limits = LIMITS) -> Message:
    """The channel message of a packet: the glance (``packet_blocks``), at most 20 blocks."""
    blocks, whole, rest = glance_blocks(packet)
    return Message(text=fallback_text(packet), blocks=blocks, shown=tuple(whole), rest=tuple(rest))


def remaining_messages(packet: Packet, claim_ids: Iterable[str], limits: Limits = LIMITS) -> list[Message]:
    """Thread replies carrying the claims the channel message left out, in packet order, each message within limits."""
    chunks = thread_chunks(packet, claim_ids, max_blocks=limits.max_blocks, max_chars=limits.max_chars,
                           size=blocks_size)
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
    if answer.written:  # the model's answer; [n] is the n-th excerpt below
        lines = [f"{escaped(s.text, 600)} " + "".join(f"[{n}]" for n in s.cites) for s in answer.written]
        head.append({"type": "section", "block_id": "written", "text": md("*Answer:* " + " ".join(lines))})
        head.append({"type": "context", "block_id": "writtenmeta", "elements": [
            md(confidence_line(min((s.confidence for s in answer.written), key=lambda c: c.score)))]})
    if answer.note:
        head.append({"type": "context", "block_id": "note", "elements": [md(escaped(answer.note, 300))]})
    hit_blocks: list[list[Block]] = []
    for i, hit in enumerate(answer.hits, 1):
        owner = "shared runbook" if hit.tenant == GLOBAL_TENANT else escape(answer.client_name)
        hit_blocks.append([
            {"type": "section", "block_id": f"hit:{i}",
             "text": md(f"*[{i}] {link(hit.url, hit.title, label_limit=150)}*\n{escaped(hit.text, 1200)}")},
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
    title = link(sig.web_url, sig.title, label_limit=200) if sig.web_url else escaped(sig.title, 200)
    text = f"{emoji} *{title}* · {escape(sig.severity)} · {state}\n{escaped(sig.representative, 600)}"
    if sig.root:  # a correlated outage: the device that failed first, then what followed (bot/alerts/outages.py)
        text += "\n" + outage_line(sig, markup=lambda d: f"`{escaped(d, 80)}`")
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
    all_clients = view.scope in ("all clients", "your clients")  # name each signal's client
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
