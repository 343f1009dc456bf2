"""Any other JSON alert body, through a field mapping configured per endpoint.

The endpoint's ``mapping`` (in the endpoints file, see README "Inbound
webhooks") names where each alert field sits, as dotted paths (``host.name``,
``tags.0``):

  items     the list of alerts in the body (absent: the body is one alert)
  id        the alert's id (absent: a hash of device, check, time and message)
  tenant    our client id in the body (absent: the endpoint's tenant)
  client    the sender's client name or id, looked up in the endpoint's clients table
  device, check, severity, message, time, url
  resolved  a field whose value says the alert is over; the values that mean so
            are ``resolved_values`` (default: resolved, ok, cleared, recovered, true)

``message`` and ``time`` are required. Times are ISO 8601 with a zone, or
epoch seconds/milliseconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, TypeAdapter, ValidationError

from bot.alerts.formats.common import (
    Converted,
    Draft,
    Endpoint,
    FormatProblem,
    epoch_time,
    finish,
    normalise_severity,
    text,
)

SOURCE_DEFAULT = "mapped"
MAPPING_KEYS = ("items", "id", "tenant", "client", "device", "check", "severity", "message", "time", "url",
                "resolved", "resolved_values", "source")
DEFAULT_RESOLVED = ("resolved", "ok", "cleared", "recovered", "recovery", "true", "closed")
_AWARE = TypeAdapter(AwareDatetime)


def mapping_problems(mapping: Mapping[str, Any]) -> list[str]:
    """What is wrong with a mapping (checked when the endpoints file is loaded)."""
    problems = [f"unknown key {key!r} (known: {', '.join(MAPPING_KEYS)})" for key in mapping if key not in MAPPING_KEYS]
    problems += [f"{key!r} is required" for key in ("message", "time") if not mapping.get(key)]
    problems += [f"{key!r} must be a dotted path" for key in MAPPING_KEYS
                 if key not in ("resolved_values",) and key in mapping and not isinstance(mapping[key], str)]
    return problems


def lookup(body: Any, path: str) -> Any:
    node = body
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def convert_mapped(body: Any, endpoint: Endpoint) -> Converted:
    mapping = endpoint.mapping
    if not mapping:
        return Converted(problems=[FormatProblem("(endpoint)", "this endpoint has no field mapping configured")])
    items_path = mapping.get("items")
    items = lookup(body, items_path) if items_path else body
    if items_path and not isinstance(items, list):
        return Converted(problems=[FormatProblem(items_path, "expected a list of alerts here")])
    alerts = items if isinstance(items, list) else [items]
    drafts: list[Draft] = []
    problems: list[FormatProblem] = []
    for index, alert in enumerate(alerts):
        where = f"{items_path}[{index}]" if items_path else ""
        if not isinstance(alert, dict):
            problems.append(FormatProblem(where or "(body)", "expected an object"))
            continue
        draft = _draft(alert, mapping, where, problems)
        if draft is not None:
            drafts.append(draft)
    names = {"message": mapping["message"], "at": mapping["time"], "id": mapping.get("id", "id")}
    return finish(drafts, endpoint, problems, names)


def _draft(alert: dict[str, Any], mapping: Mapping[str, Any], where: str, problems: list[FormatProblem]) -> Draft | None:
    def get(key: str) -> str | None:
        return text(lookup(alert, mapping[key])) if mapping.get(key) else None

    def at_path(key: str) -> str:
        return f"{where}.{mapping[key]}" if where else str(mapping[key])

    raw_time = lookup(alert, mapping["time"])
    at = _parse_time(raw_time)
    if at is None:
        problems.append(FormatProblem(at_path("time"), f"required: a time (ISO 8601 with a zone, or epoch), got {raw_time!r}"))
        return None
    message = get("message")
    if message is None:
        problems.append(FormatProblem(at_path("message"), "required field is missing or empty"))
        return None
    resolved_values = {str(v).lower() for v in mapping.get("resolved_values") or DEFAULT_RESOLVED}
    resolved_raw = get("resolved")
    resolved = resolved_raw is not None and resolved_raw.lower() in resolved_values
    device, check = get("device"), get("check")
    alert_id = get("id") or hashlib.sha256(
        "\x00".join([device or "", check or "", at.isoformat(), message]).encode()).hexdigest()[:16]
    client = get("client")
    return Draft(
        where=where,
        tenant=get("tenant"),
        client_field=mapping.get("client") or mapping.get("tenant"),
        client_value=client,
        closes=resolved and bool(mapping.get("id")),  # with a stable id, a resolution closes the stored alert
        fields={
            "id": alert_id,
            "source": str(mapping.get("source") or SOURCE_DEFAULT),
            "device": device,
            "check": check,
            "severity": normalise_severity(get("severity")),
            "message": message,
            "at": at,
            "resolved_at": at if resolved else None,
            "url": get("url"),
        },
    )


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_time(value)
    if not isinstance(value, str) or not value.strip():
        return None
    if value.replace(".", "", 1).isdigit():
        return epoch_time(value)
    try:
        return _AWARE.validate_python(value.strip())
    except ValidationError:
        return None
