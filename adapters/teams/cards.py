"""Adaptive Cards (schema 1.5, which Teams renders) for packets, answers, triage and messages. Pure.

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
from bot.chat.views import Answer, SignalView, TriageView

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


# --- ask and triage ----------------------------------------------------------------

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


def answer_card(answer: Answer, *, limit: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """``ask``: the best sections of one client's knowledge, each with its link and confidence."""
    head = [{"type": "Container", "style": "emphasis", "bleed": True, "items": [
        _rich(_run(f"Answer from {answer.client_name}'s knowledge", weight="Bolder", size="Large")),
        _rich(_run(_clip(answer.question, 300), isSubtle=True), spacing="Small"),
    ]}]
    if answer.nothing_found:
        head.append(_rich(_run("Nothing in this client's runbooks, notes or past tickets matches. "
                               "Try other words, or check the PSA directly.")))
    blocks = []
    for hit in answer.hits:
        url = safe_url(hit.url)
        title = _label_text(hit.title)[:120]
        label = hit.confidence.label
        blocks.append({"type": "Container", "separator": True, "spacing": "Medium", "items": [
            {"type": "TextBlock", "text": f"[{title}]({url})" if url else title, "weight": "Bolder", "wrap": True},
            _rich(_run(_clip(hit.text, MAX_CLAIM_CHARS))),
            _rich(_run(f"{hit.kind} · {label.capitalize()} confidence {hit.confidence.score:.2f}"
                       + (f" · {_clip(hit.confidence.reason, 120)}" if hit.confidence.reason else ""),
                       size="Small", color=LABEL_COLOR[label]), spacing="None"),
        ]})
    return _fit(head, blocks, limit, "… and {n} more matches not shown.",
                fallback=f"Answer for {answer.client_name}: {len(answer.hits)} matches.")


def _signal_block(signal: SignalView) -> dict[str, Any]:
    devices = ", ".join(signal.devices[:5]) + (f" and {len(signal.devices) - 5} more" if len(signal.devices) > 5 else "")
    state = "firing" if signal.firing else "resolved"
    facts = (f"{signal.severity} · {state} · {signal.count} alert{'s' if signal.count != 1 else ''}"
             f" · {signal.first_seen:%Y-%m-%d %H:%M}–{signal.last_seen:%H:%M} UTC"
             + (f" · {devices}" if devices else "") + (f" · noise: {signal.noise}" if signal.noise else ""))
    items = [
        _rich(_run(_clip(signal.title, 200), weight="Bolder"),
              _run(f"  {signal.client_name}", isSubtle=True, size="Small")),
        _rich(_run(facts, size="Small", color="Attention" if signal.firing and not signal.noise else "Default"),
              spacing="None"),
        _rich(_run(_clip(signal.representative, 300), isSubtle=True, size="Small"), spacing="None"),
    ]
    links = [u for u in (safe_url(x) for x in signal.alert_urls[:3]) if u]
    page = safe_url(signal.web_url) if signal.web_url else None
    if links or page:
        text = "Alerts: " + " · ".join(f"[{i + 1}]({u})" for i, u in enumerate(links)) if links else ""
        if page:
            text += (" · " if text else "") + f"[All {signal.count} alerts]({page})"
        items.append({"type": "TextBlock", "size": "Small", "wrap": True, "spacing": "None", "text": text})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": items}


def triage_card(view: TriageView, *, limit: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """``triage``: current signals, actionable first, noise counted and listed after them."""
    actionable = [s for s in view.signals if not s.noise]
    noise = [s for s in view.signals if s.noise]
    head = [{"type": "Container", "style": "emphasis", "bleed": True, "items": [
        _rich(_run(f"Alert triage · {view.scope}", weight="Bolder", size="Large")),
        {"type": "FactSet", "facts": [
            {"title": "Alerts in", "value": str(view.alerts_in)},
            {"title": "Actionable signals", "value": str(len(actionable))},
            {"title": "Noise clusters", "value": str(view.noise_clusters)},
        ]},
    ]}]
    if not view.signals:
        head.append(_rich(_run("No current signals.")))
    blocks = [_signal_block(s) for s in actionable + noise]
    return _fit(head, blocks, limit, "… and {n} more signals not shown: run triage for one client to see them all.",
                fallback=f"Triage for {view.scope}: {len(actionable)} actionable signals.")
