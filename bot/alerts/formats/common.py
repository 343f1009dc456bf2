"""What every alert-source converter shares: problems naming a field, drafts, tenant resolution, severities.

A converter maps one decoded body to ``Draft``s: the fields of an
``AlertRecord`` plus how the client is known. ``finish`` then settles each
draft's tenant, by one rule for every source, and validates it:

1. a tenant the body states itself (a ``tenant``/``client`` label or field);
2. else the vendor's own client field (NinjaOne's organization, Datto's site,
   N-central's customer) looked up in the endpoint's ``clients`` table;
3. else the endpoint's tenant (``/alerts/<source>/<tenant>``);
4. else a problem naming the field: the client is never guessed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from bot.ingest.records import AlertRecord, validation_problems

TENANT_LABELS = ("tenant", "client")
_SEVERITY_WORDS = {
    "critical": "critical", "crit": "critical", "page": "critical", "error": "critical",
    "high": "critical", "fatal": "critical", "emergency": "critical", "disaster": "critical",
    "major": "critical", "failed": "critical",
    "warning": "warning", "warn": "warning", "medium": "warning", "average": "warning",
    "moderate": "warning", "minor": "warning",
    "info": "info", "informational": "info", "information": "info", "low": "info", "none": "info",
    "notice": "info", "normal": "info",
}


@dataclass(frozen=True)
class FormatProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class Endpoint:
    """Where a body was posted: the endpoint's tenant (if any) and its client table."""

    tenant: str | None = None
    clients: Mapping[str, str] = field(default_factory=dict)  # vendor client name/id -> tenant id
    mapping: Mapping[str, Any] | None = None                  # field paths, for the "mapped" format
    timezone: str = "UTC"                                     # for bodies whose times carry no zone


@dataclass
class Draft:
    """One alert before its tenant is settled. ``where`` is the body path for problems."""

    where: str
    fields: dict[str, Any]
    tenant: str | None = None            # stated by the body itself
    client_field: str | None = None      # the vendor's client field (path, for problems)
    client_value: str | None = None      # ... and its value, looked up in Endpoint.clients
    closes: bool = False                 # a resolution: closes the open alert ``fields["id"]`` names


@dataclass
class Converted:
    records: list[AlertRecord] = field(default_factory=list)
    closes: list[bool] = field(default_factory=list)    # parallel to records
    problems: list[FormatProblem] = field(default_factory=list)


def normalise_severity(value: object) -> str:
    if value is None or not str(value).strip():
        return "warning"
    return _SEVERITY_WORDS.get(str(value).strip().lower(), "warning")


def label_fingerprint(labels: dict[str, str]) -> str:
    """A stable 16-hex-digit id for a label set, for bodies sent without an id of their own."""
    canonical = "\x00".join(f"{k}\x01{labels[k]}" for k in sorted(labels))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def epoch_time(value: object) -> datetime | None:
    """Seconds or milliseconds since 1970 (vendors use both) as an aware datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e11:  # milliseconds: 1e11 s is the year 5138
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None and not isinstance(v, dict | list)}


def text(value: Any) -> str | None:
    """A scalar as stripped text; ``None`` for missing, empty or structured values."""
    if value is None or isinstance(value, dict | list):
        return None
    result = str(value).strip()
    return result or None


def finish(drafts: list[Draft], endpoint: Endpoint, problems: list[FormatProblem] | None = None,
           field_names: Mapping[str, str] | None = None) -> Converted:
    """Settle each draft's tenant (see the module doc) and validate it as an ``AlertRecord``.

    ``field_names`` maps record fields to the body's names, so a validation
    problem names the field the sender wrote (``startsAt``, not ``at``).
    """
    out = Converted(problems=list(problems or []))
    for draft in drafts:
        tenant = draft.tenant
        if not tenant and draft.client_value is not None:
            tenant = endpoint.clients.get(draft.client_value)
        tenant = tenant or endpoint.tenant
        if not tenant:
            where = draft.client_field or "tenant"
            hint = (f" ({draft.client_value!r} is not in this endpoint's clients table)"
                    if draft.client_value is not None else "")
            out.problems.append(FormatProblem(
                f"{draft.where}.{where}" if draft.where else where,
                f"no tenant{hint}: add a 'tenant' label or field, map the client in the endpoint's "
                "clients table, or post to /alerts/<source>/<tenant>"))
            continue
        try:
            out.records.append(AlertRecord.model_validate({**draft.fields, "tenant": tenant}))
            out.closes.append(draft.closes)
        except ValidationError as exc:
            names = field_names or {}
            for name, message in validation_problems(exc):
                path = names.get(name, name)
                out.problems.append(FormatProblem(f"{draft.where}.{path}" if draft.where else path, message))
    return out
