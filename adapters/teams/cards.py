"""Adaptive Cards (schema 1.5, which Teams renders) for packets and messages. Pure.

Answers and triage are in ``answer_cards.py``; the compact packet in ``packet_card.py``.

Every function here takes plain data from the core and returns card JSON: no
database, no network, no Bot Framework import.

Teams quirks this module works around:

- Teams rejects a message larger than about 28 KB (the whole activity, card
  included). A packet is one compact card (``packet_card``: the glance, the
  rest behind ``Action.ToggleVisibility``) under 20 KB; a packet too big for
  that gets continuation cards (``PacketCards.rest``) that the bot posts on
  "Show full packet", so the full packet stays reachable.
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

import re
from typing import Any

from adapters.teams.cards_base import (  # noqa: F401  (re-exported: the bot and report cards use them)
    CARD_SCHEMA,
    CARD_VERSION,
    CONFIRM,
    FINISH_CORRECTION,
    FLAG,
    LABEL_COLOR,
    MAX_CARD_BYTES,
    MAX_CLAIM_CHARS,
    SHOW_FULL,
    START_CORRECTION,
    VERBS,
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
from adapters.teams.packet_card import PacketCards, claims_on, count_actions, packet_cards  # noqa: F401

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


# --- shared by the answer and triage cards (answer_cards.py) ---------------------------

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
