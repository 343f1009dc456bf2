"""Adaptive Cards for ``ask`` (answers) and ``triage`` (alert signals). Pure, like ``cards``."""

from __future__ import annotations

from typing import Any

from adapters.teams.cards import (
    LABEL_COLOR,
    MAX_CARD_BYTES,
    MAX_CLAIM_CHARS,
    _clip,
    _fit,
    _label_text,
    _rich,
    _run,
    safe_url,
)
from bot.chat.views import Answer, SignalView, TriageView, outage_line


def answer_card(answer: Answer, *, limit: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """``ask``: the best sections of one client's knowledge, each with its link and confidence."""
    head = [{"type": "Container", "style": "emphasis", "bleed": True, "items": [
        _rich(_run(f"Answer from {answer.client_name}'s knowledge", weight="Bolder", size="Large")),
        _rich(_run(_clip(answer.question, 300), isSubtle=True), spacing="Small"),
    ]}]
    if answer.nothing_found:
        head.append(_rich(_run("Nothing in this client's runbooks, notes or past tickets matches. "
                               "Try other words, or check the PSA directly.")))
    if answer.written:  # the model's answer; [n] is the n-th excerpt below
        text = " ".join(s.text + " " + "".join(f"[{n}]" for n in s.cites) for s in answer.written)
        head.append(_rich(_run("Answer: ", weight="Bolder"), _run(_clip(text, MAX_CLAIM_CHARS))))
    if answer.note:
        head.append(_rich(_run(_clip(answer.note, 300), isSubtle=True, size="Small")))
    blocks = []
    for n, hit in enumerate(answer.hits, 1):
        url = safe_url(hit.url)
        title = _label_text(hit.title)[:120]
        label = hit.confidence.label
        blocks.append({"type": "Container", "separator": True, "spacing": "Medium", "items": [
            {"type": "TextBlock", "text": f"[{n}] " + (f"[{title}]({url})" if url else title), "weight": "Bolder",
             "wrap": True},
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
    if signal.root:  # a correlated outage: the device that failed first, then what followed
        items.append(_rich(_run(_clip(outage_line(signal), 400), size="Small", weight="Bolder"), spacing="None"))
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
