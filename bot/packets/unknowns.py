"""What is still unknown: per-category checklists checked against the evidence.

Checklists ship with Handoff (``bot/packets/checklists/<category>.yaml``) and a client
can add its own items through the optional ``checks:`` front-matter field of
any of its documents (see the README). An item is reported as unknown unless
a sentence of the evidence (the title, the description, every note of either
visibility, a question with the customer's answer, the related alerts)
confirms it; a sentence that matches but is negated ("not sure the patch
window completed") mentions it without answering, which lowers the
confidence that it is truly unknown.

An item may say which devices it fits (``applies_to: {kinds, platforms,
mentions, unless_described}``): it is left out when the client's notes say the
ticket's device is something else (``bot.packets.devices``: a Synology NAS has
no VSS writers), or describe the device in words that leave the item without
an object ("the Macs print to it directly; there is no print server"), and
the ticket does not mention what the item is about. A device nothing
describes keeps every item. An item's ``near`` words (its subject) found in a
sentence that answers nothing we recognise make the item ``near``: possibly
answered in words the rules missed, so shown with less confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from bot.db.models import GLOBAL_TENANT, Doc
from bot.packets.devices import DeviceProfile
from bot.packets.notes import sentences

_NEGATION = re.compile(
    r"\b(not sure|unsure|unknown|unclear|no idea|don'?t know|do not know|haven'?t|have not|not (yet )?(confirmed|checked|"
    r"verified|known)|can'?t (tell|confirm)|cannot (tell|confirm)|no confirmation|waiting (for|on)|need to (check|confirm)|"
    r"tbd|to be confirmed|partial(ly)?|\?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckItem:
    category: str
    id: str
    ask: str
    unknown: str
    patterns: tuple[re.Pattern[str], ...]
    scope: str  # all | customer-visible (older name: customer-after-escalation)
    # Where the item comes from, for the citation.
    source_kind: str
    source_id: str
    source_title: str
    source_url: str
    source_tenant: str
    # Which devices the item fits (see the module doc); empty: every device.
    kinds: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    mentions: re.Pattern[str] | None = None
    # The client's description of the device says the item has no object ("there is no print server").
    unless_described: re.Pattern[str] | None = None
    # Words of the item's subject: a sentence with them that answers nothing we recognise may still
    # answer it in words we missed, so the item is less surely unknown (state ``near``).
    near: re.Pattern[str] | None = None


def _applies_to(raw: dict, where: str) -> dict:
    spec = raw.get("applies_to") or {}
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: applies_to must be a mapping of kinds, platforms and mentions")
    mentions, unless, near = spec.get("mentions"), spec.get("unless_described"), raw.get("near")
    return {"kinds": tuple(str(k) for k in spec.get("kinds") or ()),
            "platforms": tuple(str(p) for p in spec.get("platforms") or ()),
            "mentions": _compile([str(mentions)], where)[0] if mentions else None,
            "unless_described": _compile([str(unless)], where)[0] if unless else None,
            "near": _compile([str(near)], where)[0] if near else None}


def applies(item: CheckItem, profile: DeviceProfile, ticket_text: str) -> bool:
    """Does the item fit this ticket's device? Yes unless the client's notes say the device is
    something the item does not fit and the ticket does not mention what the item is about."""
    if item.unless_described is not None and profile.described_by \
            and item.unless_described.search(profile.described_by):
        return False
    if item.mentions is not None and item.mentions.search(ticket_text):
        return True
    if item.mentions is not None and not item.kinds and not item.platforms:
        return False  # only ``mentions``: the item fits tickets about its subject only
    if "windows" in item.platforms and profile.windows is False:
        return False
    return not (item.kinds and profile.kinds and not profile.kinds & set(item.kinds))


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
    state: str  # unknown | near | mentioned | answered
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
                    **_applies_to(raw, f"checklists/{entry.name}:{raw['id']}"),
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
                    **_applies_to(raw, f"{doc.tenant_id}/{doc.path}:checks[{index}]"),
                )
            )
    return items


def checklist_for(category: str | None, *, escalated: bool, extra: Sequence[CheckItem] = (),
                  profile: DeviceProfile | None = None, ticket_text: str = "") -> list[CheckItem]:
    shipped = shipped_checklists()
    items = list(shipped.get(category or "", ()))
    if escalated:
        items.extend(shipped.get("_common", ()))
    items.extend(extra)
    if profile is not None:
        items = [i for i in items if applies(i, profile, ticket_text)]
    return items


def check(items: Sequence[CheckItem], evidence: Sequence[Evidence]) -> list[Finding]:
    """Each item's state against the evidence (see the module doc)."""
    split = [(ev, sentence) for ev in evidence for sentence in sentences(ev.text)]
    findings = []
    for item in items:
        pool = [
            (ev, s) for ev, s in split
            # "Told the client we escalated" is written with the escalation, often minutes before
            # its timestamp: any customer-visible note counts, not only the later ones.
            if item.scope == "all" or ev.customer_visible
        ]
        answered = mentioned = near = None
        for ev, sentence in pool:
            if not any(p.search(sentence) for p in item.patterns):
                if near is None and item.near is not None and item.near.search(sentence):
                    near = (ev, sentence)
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
        elif near:
            findings.append(Finding(item, "near", near[1], near[0].source_key))
        else:
            findings.append(Finding(item, "unknown"))
    return findings
