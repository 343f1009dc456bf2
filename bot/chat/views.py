"""Plain data the core returns for ``ask`` and ``triage``, rendered by every front end.

Like ``Packet``, these carry everything a renderer needs and nothing that
needs a database: Slack's Block Kit and Teams' Adaptive Cards are pure
functions of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.packets.model import Confidence


@dataclass(frozen=True)
class AnswerHit:
    title: str
    url: str  # the section's link: document url + '#anchor'
    text: str  # the matching passage, trimmed
    tenant: str  # the client's id, or '_global' for shared runbooks
    kind: str  # runbook | client-note | kb | ticket
    confidence: Confidence


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of a model-written answer (``bot/packets/answer_writer.py``)."""

    text: str
    cites: tuple[int, ...]  # 1-based positions in ``Answer.hits``
    confidence: Confidence


@dataclass(frozen=True)
class Answer:
    """``/packet ask``: the best sections of one client's knowledge (and _global), and with a
    model configured a short written answer citing them."""

    tenant: str
    client_name: str
    question: str
    hits: list[AnswerHit] = field(default_factory=list)
    written: list[AnswerSentence] = field(default_factory=list)
    note: str | None = None  # why there is no written answer, or what was dropped from it

    @property
    def nothing_found(self) -> bool:
        return not self.hits


@dataclass(frozen=True)
class SignalView:
    """One actionable signal (or a labelled noise cluster) of one client."""

    id: int
    tenant: str
    client_name: str
    title: str
    representative: str
    category: str | None
    devices: list[str]
    count: int
    first_seen: datetime
    last_seen: datetime
    severity: str
    firing: bool
    noise: str | None  # None for actionable signals; "flapping", "blip", ... for noise
    alert_urls: list[str] = field(default_factory=list)
    root: str | None = None            # a site outage's upstream device that failed first
    effects: list[str] = field(default_factory=list)  # ... and the devices that followed
    web_url: str | None = None  # its signed page (every alert, with RMM links), when the place may see the client


@dataclass(frozen=True)
class TriageView:
    """``/packet triage``: current signals for one client or, in a NOC channel, all."""

    scope: str  # a client's name, or "all clients"
    signals: list[SignalView] = field(default_factory=list)
    noise_clusters: int = 0
    alerts_in: int = 0


def outage_line(signal: SignalView, *, markup: Callable[[str], str] = str, most: int = 6) -> str:
    """A correlated outage's probable root and its effects in words, the same on every platform
    (``markup`` wraps each device name the platform's way): "Probable root: UPS (failed first) · then: ..."."""
    if not signal.root:
        return ""
    shown = ", ".join(markup(d) for d in signal.effects[:most])
    more = f" and {len(signal.effects) - most} more" if len(signal.effects) > most else ""
    then = f" · then: {shown}{more}" if shown else ""
    return f"Probable root: {markup(signal.root)} (failed first){then}"
