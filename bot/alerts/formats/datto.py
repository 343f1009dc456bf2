"""Datto RMM webhook bodies.

Datto RMM has no fixed webhook body: each monitor (or the global webhook)
carries a JSON payload the MSP writes, with variables in square brackets that
Datto fills in (``[alert_uid]``, ``[alert_message]``, ``[alert_priority]``,
``[device_hostname]``, ``[site_name]``, ``[timestamp]``...), and an optional
second payload sent when the alert resolves (Datto RMM help, "Webhooks":
https://rmm.datto.com/help/en/Content/3NEWUI/Monitors/Webhooks.htm). So this
converter reads the payload the README recommends, and the field names the
public Datto-to-PSA integrations use (``alertUID``, ``alertMessage``,
``platform``: lwhitelock/DattoRMM-Alert-HaloPSA), case-insensitively:

  id        alertUID | alert_uid | alertUid                      (required)
  message   alertMessage | alert_message | message              (required)
  device    device | hostname | deviceHostname | device_hostname
  check     alertType | alert_type | monitor | check
  severity  priority | alertPriority | alert_priority | severity
  time      timestamp | time | at  (ISO 8601, or epoch s/ms; absent: the time it was received)
  resolved  resolved: true (the resolution payload; closes the alert with that id)
  client    tenant (our client id), else site | siteName | site_name via the endpoint's clients table

A variable Datto left unfilled (the literal ``[device_hostname]``) counts as absent.
"""

from __future__ import annotations

import re
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

SOURCE = "datto-rmm"
_UNFILLED = re.compile(r"^\[[a-z_]+\]$")
_ALIASES = {
    "id": ("alertuid", "alert_uid"),
    "message": ("alertmessage", "alert_message", "alert_message_en", "message"),
    "device": ("device", "hostname", "devicehostname", "device_hostname"),
    "check": ("alerttype", "alert_type", "monitor", "check"),
    "severity": ("priority", "alertpriority", "alert_priority", "severity"),
    "time": ("timestamp", "time", "at"),
    "site": ("site", "sitename", "site_name"),
    "tenant": ("tenant", "client"),
    "resolved": ("resolved",),
    "url": ("url", "alerturl", "alert_url"),
}
_AWARE = TypeAdapter(AwareDatetime)


def convert_datto(body: Any, endpoint: Endpoint, received_at: datetime) -> Converted:
    if not isinstance(body, dict):
        return Converted(problems=[FormatProblem("(body)", "expected a JSON object (the Datto RMM webhook payload)")])
    lower = {str(k).lower(): v for k, v in body.items()}

    def get(name: str) -> tuple[str, str | None]:
        for key in _ALIASES[name]:
            if key in lower:
                value = text(lower[key])
                original = next(k for k in body if str(k).lower() == key)
                return original, None if value is None or _UNFILLED.match(value) else value
        return _ALIASES[name][0], None

    problems: list[FormatProblem] = []
    id_field, alert_id = get("id")
    if alert_id is None:
        problems.append(FormatProblem("alertUID", "required: put \"alertUID\": \"[alert_uid]\" in the webhook payload"))
    time_field, raw_time = get("time")
    at = received_at if raw_time is None else _parse_time(raw_time)
    if at is None:
        problems.append(FormatProblem(time_field, f"not a time: {raw_time!r} (ISO 8601 with a zone, or epoch seconds)"))
    if problems:
        return Converted(problems=problems)
    resolved = str(lower.get("resolved", "")).strip().lower() in ("true", "1", "yes")
    site_field, site = get("site")
    labels = {k: v for k, v in {"platform": get_text(lower, "platform"), "site": site,
                                "alertType": get("check")[1]}.items() if v}
    draft = Draft(
        where="",
        tenant=get("tenant")[1],
        client_field=site_field,
        client_value=site,
        closes=resolved,
        fields={
            "id": alert_id,
            "source": SOURCE,
            "device": get("device")[1],
            "check": get("check")[1],
            "severity": normalise_severity(get("severity")[1]),
            "message": get("message")[1] or "",
            "at": at,
            "resolved_at": at if resolved else None,
            "url": get("url")[1],
            "labels": labels,
        },
    )
    return finish([draft], endpoint, field_names={"message": get("message")[0], "id": id_field})


def get_text(lower: dict[str, Any], key: str) -> str | None:
    value = text(lower.get(key))
    return None if value is None or _UNFILLED.match(value) else value


def _parse_time(value: str) -> datetime | None:
    epoch = epoch_time(value) if value.replace(".", "", 1).isdigit() else None
    if epoch is not None:
        return epoch
    try:
        return _AWARE.validate_python(value)
    except ValidationError:
        return None
