"""What is still unknown: per-category checklists checked against the evidence.

Checklists ship with Handoff (``bot/packets/checklists/<category>.yaml``) and a client
can add its own items through the optional ``checks:`` front-matter field of
any of its documents (see the README). An item is reported as unknown unless
a sentence of the evidence confirms it; a sentence that matches but is
negated ("not sure the patch window completed") mentions it without
answering, which lowers the confidence that it is truly unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from bot.db.models import GLOBAL_TENANT, Doc
from bot.packets.notes import sentences

_NEGATION = re.compile(
    r"\b(not sure|unsure|unknown|unclear|no idea|don'?t know|do not know|haven'?t|have not|not (yet )?(confirmed|checked|"
    r"verified|known)|can'?t (tell|confirm)|cannot (tell|confirm)|no confirmation|waiting (for|on)|need to (check|confirm)|"
    r"tbd|to be confirmed|\?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckItem:
    category: str
    id: str
    ask: str
    unknown: str
    patterns: tuple[re.Pattern[str], ...]
    scope: str  # all | customer-after-escalation
    # Where the item comes from, for the citation.
    source_kind: str
    source_id: str
    source_title: str
    source_url: str
    source_tenant: str


@dataclass(frozen=True)
class Evidence:
    """A piece of text the packet knows, with the source that says it."""

    text: str
    source_key: str  # e.g. "note:4412-1"
    customer_visible: bool = False
    after_escalation: bool = False


@dataclass(frozen=True)
class Finding:
    item: CheckItem
    state: str  # unknown | mentioned | answered
    evidence: str | None = None  # the sentence that answered or mentioned it
    evidence_key: str | None = None


def _compile(patterns: Iterable[str], where: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise ValueError(f"{where}: bad answered_by pattern {pattern!r}: {exc}") from exc
    return tuple(compiled)


@lru_cache(maxsize=1)
def shipped_checklists() -> dict[str, tuple[CheckItem, ...]]:
    out: dict[str, tuple[CheckItem, ...]] = {}
    folder = resources.files("bot.packets") / "checklists"
    for entry in folder.iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8"))
        category = data["category"]
        items = []
        for raw in data["items"]:
            items.append(
                CheckItem(
                    category=category,
                    id=raw["id"],
                    ask=raw["ask"],
                    unknown=raw["unknown"],
                    patterns=_compile(raw["answered_by"], f"checklists/{entry.name}:{raw['id']}"),
                    scope=raw.get("scope", "all"),
                    source_kind="checklist",
                    source_id=f"{category}/{raw['id']}",
                    source_title=f"{data['title']}: {raw['ask']}",
                    source_url=f"handoff://checklists/{category}#{raw['id']}",
                    source_tenant=GLOBAL_TENANT,
                )
            )
        out[category] = tuple(items)
    return out


def tenant_checks(docs: Sequence[Doc], category: str | None) -> list[CheckItem]:
    """Items a client added through ``checks:`` in its documents' front matter."""
    items = []
    for doc in docs:
        for index, raw in enumerate((doc.meta or {}).get("checks") or []):
            if not isinstance(raw, dict):
                continue
            if raw.get("category") not in (None, category):
                continue
            ask = str(raw.get("ask", "")).strip()
            patterns = raw.get("answered_by") or []
            if not ask or not patterns:
                continue
            item_id = str(raw.get("id") or f"check-{index + 1}")
            items.append(
                CheckItem(
                    category=category or "_common",
                    id=item_id,
                    ask=ask,
                    unknown=str(raw.get("unknown") or f"Not on record: {ask}"),
                    patterns=_compile([str(p) for p in patterns], f"{doc.tenant_id}/{doc.path}:checks[{index}]"),
                    scope=str(raw.get("scope", "all")),
                    source_kind="doc",
                    source_id=f"{doc.path}#{item_id}",
                    source_title=f"{doc.title}: {ask}",
                    source_url=doc.url,
                    source_tenant=doc.tenant_id,
                )
            )
    return items


def checklist_for(category: str | None, *, escalated: bool, extra: Sequence[CheckItem] = ()) -> list[CheckItem]:
    shipped = shipped_checklists()
    items = list(shipped.get(category or "", ()))
    if escalated:
        items.extend(shipped.get("_common", ()))
    items.extend(extra)
    return items


def check(items: Sequence[CheckItem], evidence: Sequence[Evidence]) -> list[Finding]:
    """Each item's state against the evidence (see the module doc)."""
    split = [(ev, sentence) for ev in evidence for sentence in sentences(ev.text)]
    findings = []
    for item in items:
        pool = [
            (ev, s) for ev, s in split
            if item.scope != "customer-after-escalation" or (ev.customer_visible and ev.after_escalation)
        ]
        answered = mentioned = None
        for ev, sentence in pool:
            if not any(p.search(sentence) for p in item.patterns):
                continue
            if _NEGATION.search(sentence):
                mentioned = mentioned or (ev, sentence)
            else:
                answered = (ev, sentence)
                break
        if answered:
            findings.append(Finding(item, "answered", answered[1], answered[0].source_key))
        elif mentioned:
            findings.append(Finding(item, "mentioned", mentioned[1], mentioned[0].source_key))
        else:
            findings.append(Finding(item, "unknown"))
    return findings
