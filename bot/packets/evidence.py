"""The builder's working data: what was gathered for a ticket, and claims in the making."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.packets.model import SECTIONS, Confidence, Source
from bot.db.models import Doc, Tenant, Ticket, TicketNote
from bot.packets.notes import AskedQuestion, TriedStep


@dataclass
class Draft:
    """Claims by section before ids are assigned."""

    claims: dict[str, list[tuple[str, tuple[Source, ...], Confidence]]] = field(
        default_factory=lambda: {s: [] for s in SECTIONS}
    )

    def add(self, section: str, text: str, sources: Sequence[Source], confidence: Confidence) -> None:
        self.claims[section].append((text, tuple(sources), confidence))


@dataclass
class Gathered:
    """Everything the builder knows about one ticket, all of one tenant (or _global)."""

    ticket: Ticket
    tenant: Tenant
    as_of: datetime
    notes: list[TicketNote]
    tried: list[TriedStep]
    asked: list[AskedQuestion]
    client_docs: list[Doc]
    clusters: list[Any] = field(default_factory=list)  # bot.alerts.signals.RelatedCluster
    runbook_hits: list[Any] = field(default_factory=list)  # retrieval.Hit
    client_hits: list[Any] = field(default_factory=list)
    history_hits: list[Any] = field(default_factory=list)
    knowledge_error: str | None = None
