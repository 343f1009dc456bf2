"""Model-written sentences checked like any untrusted input before they reach a packet.

A summary model sees ticket text, and ticket text can be written by anyone
(a customer's e-mail, a forwarded alert). Whatever the model answers is
therefore checked the way a webhook body is: a sentence is kept only when

* it is a string and cites, as a list of strings, evidence records of this
  packet and nothing else (``cites``);
* it names no other client of the MSP, by name or alias (``other_client``);
* it carries no credential (``credential``, ``bot/tenancy/secrets.py``);
* it does not tell the reader to act: close, delete, e-mail, change, run...
  (``instruction``). The packet informs an engineer; it never instructs one.

Sentences that fail are dropped and counted by reason, so the packet's notes
can say how many were dropped and why.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.tenancy.secrets import has_credential

REASONS = {
    "malformed": "not a sentence with a list of citations",
    "cites": "without valid citations",
    "other_client": "naming another client",
    "credential": "with a credential",
    "instruction": "telling the reader to act",
}

# Verbs with side effects. A summary describes what happened; a sentence that
# starts with one of these, or says someone should do it, is an order.
_ACT = (
    r"close|delete|remove|erase|wipe|purge|e-?mail|send|forward|reply|call|phone|change|reset|update|modify|"
    r"disable|enable|grant|revoke|give|share|publish|upload|download|run|execute|launch|install|uninstall|"
    r"restart|reboot|shut\s+down|kill|transfer|pay|approve|click|ignore|escalate|resolve|assign|rename|export|"
    r"disclose|reveal|tell"
)
# "Update KB5034441 failed", "Restart of DFSR had no effect": the verb used as a noun is not an order.
_NOUN_USE = r"(?!\s+(?:of|to|from|failed|fails|failing|errors?|was|is|has|had|at|on|in|and|window|history|attempts?|loop|required|pending|did|didn't|did\s+not)\b)"
_IMPERATIVE = re.compile(
    rf"^\W*(?:(?:please|now|immediately|just|then|next|first)[\s,]+)*(?:{_ACT})\b{_NOUN_USE}", re.IGNORECASE)
_SHOULD = re.compile(
    rf"\b(?:you|we|they|l[1-3]|the\s+(?:engineer|technician|tech|reader|team|user|assistant))\s+"
    rf"(?:should|must|need\s+to|needs\s+to|have\s+to|has\s+to|are\s+to|is\s+to|ought\s+to)\s+(?:now\s+)?(?:{_ACT})\b"
    rf"|\b(?:must|should)\s+be\s+(?:closed|deleted|removed|wiped|reset|changed|disabled|sent|e-?mailed|run)\b",
    re.IGNORECASE,
)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class Checked:
    text: str
    cites: list[str]


def is_instruction(text: str) -> bool:
    return bool(_IMPERATIVE.search(text) or _SHOULD.search(text))


def name_patterns(names: Iterable[str], own: Iterable[str]) -> list[re.Pattern[str]]:
    """Word-bounded patterns for other clients' names and aliases, leaving out any that
    this client's own name or aliases contain (two "Acme ..." clients share a word)."""
    own_text = " ".join(own).casefold()
    out = []
    for name in dict.fromkeys(n.strip() for n in names):
        if len(name) < 3 or name.casefold() in own_text:
            continue
        out.append(re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE))
    return out


def parse_reply(content: Any) -> list[Any] | None:
    """The list under ``sentences`` in the model's JSON answer, or None when there is none."""
    if not isinstance(content, str):
        return None
    match = _JSON_OBJECT.search(content)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except (json.JSONDecodeError, RecursionError):
        return None
    raw = data.get("sentences") if isinstance(data, dict) else None
    return raw if isinstance(raw, list) else None


def check_sentences(raw: Sequence[Any], *, evidence_ids: set[str],
                    other_clients: Sequence[re.Pattern[str]] = ()) -> tuple[list[Checked], Counter[str]]:
    """The sentences that pass every check, and how many were dropped for which reason."""
    kept: list[Checked] = []
    dropped: Counter[str] = Counter()
    for item in raw:
        text = item.get("text") if isinstance(item, dict) else None
        cites = item.get("cites") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip() or not isinstance(cites, list) \
                or not all(isinstance(c, str) for c in cites):
            dropped["malformed"] += 1
        elif not cites or any(c not in evidence_ids for c in cites):
            dropped["cites"] += 1
        elif any(p.search(text) for p in other_clients):
            dropped["other_client"] += 1
        elif has_credential(text):
            dropped["credential"] += 1
        elif is_instruction(text):
            dropped["instruction"] += 1
        else:
            kept.append(Checked(" ".join(text.split()), list(dict.fromkeys(cites))))
    return kept, dropped


def describe_dropped(dropped: Counter[str]) -> str:
    """"3 model sentence(s) were dropped: 1 naming another client, 2 telling the reader to act." """
    parts = [f"{n} {REASONS[reason]}" for reason, n in dropped.items() if n]
    return f"{sum(dropped.values())} model sentence(s) were dropped: {', '.join(parts)}."
