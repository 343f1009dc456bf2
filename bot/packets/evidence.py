"""The builder's working data: what was gathered for a ticket, and claims in the making.

The evidence is typed: alert clusters are ``bot.alerts.signals.RelatedCluster``;
knowledge hits are anything shaped like ``retrieval.Hit`` (``KnowledgeHit``), so
the packet code names exactly the fields it reads and does not depend on the
retrieval package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.alerts.signals import RelatedCluster
from bot.db.models import Doc, Tenant, Ticket, TicketNote
from bot.packets import confidence as rules
from bot.packets.model import SECTIONS, Confidence, Source
from bot.packets.notes import AskedQuestion, TriedStep


class KnowledgeSection(Protocol):
    """A section of a document (a runbook, a client note) or of a past ticket, with its link."""

    @property
    def tenant(self) -> str: ...
    @property
    def doc_path(self) -> str: ...  # the ticket id for a past ticket
    @property
    def title(self) -> str: ...
    @property
    def heading_path(self) -> tuple[str, ...]: ...
    @property
    def anchor(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def text(self) -> str: ...


class KnowledgeHit(KnowledgeSection, Protocol):
    """A section retrieval found (``retrieval.Hit``), with what confidence is built from."""

    @property
    def kind(self) -> str: ...  # runbook | kb | client-note | ticket
    @property
    def dense_score(self) -> float: ...
    @property
    def exact_terms(self) -> tuple[str, ...]: ...
    @property
    def ticket_id(self) -> str | None: ...


class KnowledgeSearch(Protocol):
    """The one retrieval call packets and answers make (``retrieval.Retriever.search_knowledge``):
    a client's own knowledge and the shared ``_global`` runbooks, every hit tenant-checked."""

    def search_knowledge(self, *, tenant_id: str, query: str, limit: int = 5,
                         kinds: Sequence[str] | None = None,
                         dense_query: str | None = None) -> Sequence[KnowledgeHit]: ...


@dataclass
class Draft:
    """Claims by section before ids are assigned."""

    claims: dict[str, list[tuple[str, tuple[Source, ...], Confidence]]] = field(
        default_factory=lambda: {s: [] for s in SECTIONS}
    )

    def add(self, section: str, text: str, sources: Sequence[Source], confidence: Confidence) -> None:
        score = rules.gated(section, confidence.score)
        if score != confidence.score:
            confidence = Confidence.of(score, f"{confidence.reason}; high on this section only from "
                                              f"{rules.HIGH_FROM[section]:.2f}")
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
    clusters: list[RelatedCluster] = field(default_factory=list)
    runbook_hits: list[KnowledgeHit] = field(default_factory=list)
    client_hits: list[KnowledgeHit] = field(default_factory=list)
    history_hits: list[KnowledgeHit] = field(default_factory=list)
    knowledge_error: str | None = None
