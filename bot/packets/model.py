"""Packet, Claim, Source and Confidence: the plain data every front end renders.

Pure: no database, no network. ``Packet.to_json()`` is the stable public
shape printed by ``handoff packet --json`` (fields may be added, never renamed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.tenancy.rollout import Delivery

# The order sections appear in, everywhere.
SECTIONS: tuple[str, ...] = ("summary", "alerts", "runbook", "tried", "asked", "history", "client", "unknown")
SECTION_TITLES = {
    "summary": "Summary",
    "alerts": "Related alerts",
    "runbook": "Runbook",
    "tried": "Already tried",
    "asked": "Already asked the customer",
    "history": "Similar past tickets",
    "client": "Client notes",
    "unknown": "Still unknown",
}
SOURCE_KINDS = ("ticket", "note", "alert", "signal", "doc", "checklist")

# Label thresholds. Each section computes its score so that these cut-offs
# mean the same thing everywhere; tests/test_calibration.py measures it.
HIGH = 0.75
MEDIUM = 0.5


def label_for(score: float) -> str:
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


@dataclass(frozen=True)
class Source:
    kind: str
    id: str
    title: str
    url: str
    tenant: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "url": self.url, "tenant": self.tenant}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Source:
        return cls(**{k: str(data[k]) for k in ("kind", "id", "title", "url", "tenant")})


@dataclass(frozen=True)
class Confidence:
    score: float
    reason: str

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"confidence {self.score} outside [0, 1]")

    @property
    def label(self) -> str:
        return label_for(self.score)

    @classmethod
    def of(cls, score: float, reason: str) -> Confidence:
        return cls(round(min(1.0, max(0.0, score)), 2), reason)


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    text: str
    confidence: Confidence
    sources: tuple[Source, ...]

    def __post_init__(self) -> None:
        if self.section not in SECTIONS:
            raise ValueError(f"unknown section {self.section!r}")
        if not self.sources:
            raise ValueError(f"claim {self.id} has no source")
        if not self.text.strip():
            raise ValueError(f"claim {self.id} has no text")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "section": self.section,
            "text": self.text,
            "confidence": self.confidence.score,
            "confidence_label": self.confidence.label,
            "confidence_reason": self.confidence.reason,
            "sources": [s.to_json() for s in self.sources],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Claim:
        return cls(
            id=data["id"],
            section=data["section"],
            text=data["text"],
            confidence=Confidence(float(data["confidence"]), data.get("confidence_reason", "")),
            sources=tuple(Source.from_json(s) for s in data["sources"]),
        )


@dataclass(frozen=True)
class TicketRef:
    id: str
    tenant: str
    title: str
    url: str
    client_name: str = ""
    status: str = ""
    priority: str | None = None
    category: str | None = None
    device: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "tenant": self.tenant, "title": self.title, "url": self.url,
            "client_name": self.client_name, "status": self.status, "priority": self.priority,
            "category": self.category, "device": self.device,
        }


@dataclass
class Packet:
    ticket: TicketRef
    generated_at: datetime
    claims: list[Claim] = field(default_factory=list)
    writer: str = "extractive"
    # Things the engineer should know about how the packet was made
    # ("the model timed out; the summary is extractive").
    notes: list[str] = field(default_factory=list)
    packet_id: int | None = None  # the stored row, once saved
    # The rollout mode it was built under: "on", or "shadow" (stored, shown only in the review channel).
    mode: str = "on"
    # Where the core decided it goes (a ``bot.tenancy.rollout.Delivery``), set per request; not part of the JSON.
    delivery: Delivery | None = field(default=None, repr=False, compare=False)

    def section(self, name: str) -> list[Claim]:
        return [c for c in self.claims if c.section == name]

    def claim(self, claim_id: str) -> Claim | None:
        return next((c for c in self.claims if c.id == claim_id), None)

    def tenants_cited(self) -> set[str]:
        return {s.tenant for c in self.claims for s in c.sources}

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket.to_json(),
            "generated_at": self.generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "packet_id": self.packet_id,
            "mode": self.mode,
            "writer": self.writer,
            "notes": list(self.notes),
            "claims": [c.to_json() for c in self.claims],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Packet:
        t = data["ticket"]
        return cls(
            ticket=TicketRef(**{k: t.get(k) for k in TicketRef.__dataclass_fields__ if k in t}),
            generated_at=datetime.fromisoformat(data["generated_at"].replace("Z", "+00:00")),
            claims=[Claim.from_json(c) for c in data["claims"]],
            writer=data.get("writer", "extractive"),
            notes=list(data.get("notes", [])),
            packet_id=data.get("packet_id"),
            mode=data.get("mode", "on"),
        )
