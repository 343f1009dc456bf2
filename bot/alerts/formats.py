"""Alert sources into ``AlertRecord``s: Prometheus Alertmanager webhook bodies.

Alertmanager's webhook body (version "4") is documented in its configuration
reference under ``<webhook_config>``. The mapping (see ../shared/DATASET.md):
tenant from the label ``tenant`` (or ``client``), device from ``instance``,
check from ``alertname``, message from the ``summary`` or ``description``
annotation, id from the fingerprint. Each alert's own labels win over the
group's ``commonLabels``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.ingest.records import AlertRecord, validation_problems

ALERTMANAGER_SOURCE = "alertmanager"
TENANT_LABELS = ("tenant", "client")
# Alertmanager writes this for "not set" (Go's zero time).
_GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_HOST_PORT = re.compile(r"^(?P<host>[^\[\]:]+):\d+$")
_SEVERITY_WORDS = {
    "critical": "critical", "crit": "critical", "page": "critical", "error": "critical",
    "high": "critical", "fatal": "critical", "emergency": "critical", "disaster": "critical",
    "warning": "warning", "warn": "warning", "medium": "warning", "average": "warning",
    "info": "info", "informational": "info", "low": "info", "none": "info", "notice": "info",
}


@dataclass(frozen=True)
class FormatProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def label_fingerprint(labels: dict[str, str]) -> str:
    """A stable 16-hex-digit id for a label set, for bodies sent without ``fingerprint``
    (older Alertmanager versions and hand-written test payloads)."""
    canonical = "\x00".join(f"{k}\x01{labels[k]}" for k in sorted(labels))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def device_from_instance(instance: str | None) -> str | None:
    """``fs01:9100`` -> ``fs01``: the exporter port is not part of the device's name."""
    if not instance:
        return None
    match = _HOST_PORT.match(instance)
    return match.group("host") if match else instance


def normalise_severity(value: str | None) -> str:
    if not value:
        return "warning"
    return _SEVERITY_WORDS.get(value.strip().lower(), "warning")


def parse_alertmanager_body(
    body: Any, *, default_tenant: str | None = None
) -> tuple[list[AlertRecord], list[FormatProblem]]:
    """Map one webhook body to alert records; problems name the field at fault.

    ``default_tenant`` is the per-endpoint setting used when no label names the
    tenant. Without either, the alert is a problem: the tenant is never guessed.
    """
    problems: list[FormatProblem] = []
    if not isinstance(body, dict):
        return [], [FormatProblem("(body)", "expected a JSON object (an Alertmanager webhook body)")]
    version = body.get("version")
    if version != "4":
        problems.append(FormatProblem("version", f"got {version!r}, expected \"4\" (Alertmanager webhook v4)"))
    alerts: Any = body.get("alerts")  # a list once the check below passes (else we return first)
    if not isinstance(alerts, list) or not alerts:
        problems.append(FormatProblem("alerts", "expected a non-empty list of alerts"))
    if problems:
        return [], problems

    common_labels = body.get("commonLabels") or {}
    common_annotations = body.get("commonAnnotations") or {}
    records: list[AlertRecord] = []
    for index, alert in enumerate(alerts):
        where = f"alerts[{index}]"
        if not isinstance(alert, dict):
            problems.append(FormatProblem(where, "expected an object"))
            continue
        labels = {**_str_dict(common_labels), **_str_dict(alert.get("labels") or {})}
        annotations = {**_str_dict(common_annotations), **_str_dict(alert.get("annotations") or {})}
        tenant = next((labels[k] for k in TENANT_LABELS if labels.get(k)), None) or default_tenant
        if not tenant:
            problems.append(
                FormatProblem(f"{where}.labels.tenant", "no tenant: set the label 'tenant' (or 'client') or the endpoint's tenant")
            )
            continue
        starts_at = alert.get("startsAt")
        if not starts_at or starts_at == _GO_ZERO_TIME:
            problems.append(FormatProblem(f"{where}.startsAt", "required field is missing"))
            continue
        fingerprint = alert.get("fingerprint") or label_fingerprint(_str_dict(alert.get("labels") or {}) or labels)
        ends_at = alert.get("endsAt")
        resolved = alert.get("status", body.get("status")) == "resolved"
        message = annotations.get("summary") or annotations.get("description") or labels.get("alertname")
        raw = {
            # One row per firing episode: a flapping check re-fires with the same
            # fingerprint and a new startsAt, and triage needs each cycle.
            "id": f"{fingerprint}@{starts_at}",
            "tenant": tenant,
            "source": ALERTMANAGER_SOURCE,
            "device": device_from_instance(labels.get("instance")),
            "check": labels.get("alertname"),
            "severity": normalise_severity(labels.get("severity")),
            "message": _message(message, annotations),
            "at": starts_at,
            "resolved_at": ends_at if resolved and ends_at and ends_at != _GO_ZERO_TIME else None,
            "url": alert.get("generatorURL") or None,
            "labels": {**labels, "fingerprint": fingerprint},
        }
        try:
            records.append(AlertRecord.model_validate(raw))
        except ValidationError as exc:
            for field, msg in validation_problems(exc):
                problems.append(FormatProblem(f"{where}.{_ALERTMANAGER_FIELD.get(field, field)}", msg))
    return records, problems


_ALERTMANAGER_FIELD = {"at": "startsAt", "resolved_at": "endsAt", "message": "annotations.summary"}


def _message(headline: str | None, annotations: dict[str, str]) -> str:
    description = annotations.get("description")
    if headline and description and description != headline:
        return f"{headline}: {description}"
    return headline or ""


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}
