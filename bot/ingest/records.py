"""The records of the import format (../shared/DATASET.md), validated.

These pydantic models are the one definition of what a valid tenant, ticket,
note, alert and document look like, shared by the folder import and the
inbound webhooks. Unknown fields are ignored so that the format can grow by
optional fields without breaking older Handoff versions.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.alerts.topology import topology_problems
from bot.db.models import GLOBAL_TENANT

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
TICKET_STATUSES = ("new", "in_progress", "escalated", "resolved", "closed")
SEVERITIES = ("critical", "warning", "info")
DOC_KINDS = ("runbook", "client-note", "kb")


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    def content_hash(self) -> str:
        """A stable hash of the record's content, to tell changed from unchanged."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _id_string(value: Any) -> Any:
    # PSA exports often write ticket numbers as JSON numbers; they are ids, not quantities.
    if isinstance(value, bool):
        raise ValueError("must be a string")
    if isinstance(value, int):
        return str(value)
    return value


class Channels(_Record):
    slack: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)


class PsaIds(_Record):
    """The client's company identifier in each PSA (optional; see bot/psa).

    ConnectWise: the company's ``identifier`` (e.g. ``BluefinClinics``);
    HaloPSA: the client id; Autotask: the company id. Numbers are ids, kept as text.
    """

    connectwise: str | None = Field(default=None, min_length=1)
    halopsa: str | None = Field(default=None, min_length=1)
    autotask: str | None = Field(default=None, min_length=1)

    _coerce = field_validator("connectwise", "halopsa", "autotask", mode="before")(_id_string)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class SiteRecord(_Record):
    """One site of a client (tenants.yaml ``sites:``; bot/alerts/topology.py)."""

    name: str = Field(min_length=1)
    devices: list[str] = Field(default_factory=list)  # names or shell-style patterns
    uplink: str | None = None                         # the device whose failure cuts the site off
    depends_on: list[str] = Field(default_factory=list)  # names of sites this one needs


class TopologyRecord(_Record):
    """Optional topology, in tenants.yaml or a client note's front matter: sites, and device -> the
    devices it needs upstream (one name or a list)."""

    sites: list[SiteRecord] = Field(default_factory=list)
    depends_on: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("depends_on", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value


class TenantRecord(TopologyRecord):
    id: str
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    channels: Channels = Field(default_factory=Channels)
    psa: PsaIds = Field(default_factory=PsaIds)

    @model_validator(mode="after")
    def _sites_hold_together(self) -> TenantRecord:
        problems = topology_problems(self.topology())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def topology(self) -> dict[str, Any]:
        return {"sites": [s.model_dump() for s in self.sites], "depends_on": self.depends_on}

    def content_hash(self) -> str:
        # Without a psa mapping the hash is the one older versions computed, so
        # upgrading does not report every client as changed.
        data = self.model_dump(mode="json")
        data["psa"] = self.psa.as_dict()
        if not data["psa"]:
            del data["psa"]
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if value == GLOBAL_TENANT:
            raise ValueError(f"'{GLOBAL_TENANT}' is reserved for knowledge shared by all clients")
        if not TENANT_ID.match(value):
            raise ValueError("must be a slug: lowercase letters, digits and '-', starting with a letter or digit")
        return value


class NoteRecord(_Record):
    id: str = Field(min_length=1)
    at: AwareDatetime | None = None
    author: str | None = None
    visibility: Literal["internal", "customer"]
    text: str = Field(min_length=1)

    _coerce_id = field_validator("id", mode="before")(_id_string)


class TicketRecord(_Record):
    id: str = Field(min_length=1, max_length=64)
    tenant: str = Field(min_length=1)
    title: str = Field(min_length=1)
    status: Literal["new", "in_progress", "escalated", "resolved", "closed"]
    created_at: AwareDatetime
    description: str | None = None
    priority: str | None = None
    category: str | None = None
    device: str | None = None
    contact: str | None = None
    escalated_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    reopened_count: int = Field(default=0, ge=0)
    url: str | None = None
    notes: list[NoteRecord] = Field(default_factory=list)

    _coerce_id = field_validator("id", mode="before")(_id_string)

    @model_validator(mode="after")
    def _unique_note_ids(self) -> TicketRecord:
        seen: set[str] = set()
        for note in self.notes:
            if note.id in seen:
                raise ValueError(f"notes: note id {note.id!r} appears twice")
            seen.add(note.id)
        return self


class AlertRecord(_Record):
    id: str = Field(min_length=1, max_length=255)
    tenant: str = Field(min_length=1)
    message: str = Field(min_length=1)
    at: AwareDatetime
    source: str = Field(default="generic", min_length=1, max_length=64)
    device: str | None = None
    check: str | None = None
    severity: Literal["critical", "warning", "info"] = "warning"
    resolved_at: AwareDatetime | None = None
    url: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)

    _coerce_id = field_validator("id", mode="before")(_id_string)


class DocRecord(_Record):
    tenant: str
    path: str  # relative to docs/<tenant>/, with forward slashes
    title: str = Field(min_length=1)
    kind: Literal["runbook", "client-note", "kb"] = "kb"
    url: str
    tags: list[str] = Field(default_factory=list)
    devices: list[str] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    body: str


def error_location(loc: tuple[int | str, ...]) -> str:
    """pydantic's location tuple as a field path: ``notes[1].visibility``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(record)"


def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, message) pairs, one per problem, in a form a person can act on."""
    problems = []
    for err in exc.errors():
        field = error_location(tuple(err["loc"]))
        message = err["msg"]
        if err["type"] == "missing":
            message = "required field is missing"
        elif err["type"] == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            message = f"got {err.get('input')!r}, expected {expected}"
        elif err["type"].startswith("datetime") or err["type"] == "timezone_aware":
            message = f"{message} (got {err.get('input')!r}; use ISO 8601 with a zone, e.g. 2026-11-24T02:03:00Z)"
        problems.append((field, message))
    return problems


def as_utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    return value.astimezone(UTC) if value is not None else None
