"""The Adaptive Card primitives every Teams renderer shares (schema 1.5). Pure.

See ``cards`` for the quirks of Teams these work around.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlsplit

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams' limit is about 28 KB for the whole activity; keep answer and triage cards well under
# it so the envelope (ids, serviceUrl, channelData) fits too (a packet's first card: packet_card).
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
