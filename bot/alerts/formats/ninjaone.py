"""NinjaOne webhook bodies (a "Webhook" notification channel, or the API's ``PUT /webhook``).

NinjaOne posts one activity per request: ``id``, ``activityTime`` (epoch
seconds), ``activityType`` (``CONDITION`` for alerts), ``statusCode``
(``TRIGGERED`` / ``RESET``), ``seriesUid`` (shared by a condition's trigger
and its reset), ``severity`` (NONE, MINOR, MODERATE, MAJOR, CRITICAL),
``priority``, ``sourceName``, ``subject``, ``message``, ``data.message.code``
and, when NinjaOne includes it, a ``device`` object (``systemName``,
``displayName``, ``organizationId``, ``references.organization.name``).
Sample bodies and their sources are in tests/unit/test_alert_formats.py.

Mapping: id ``<seriesUid>@<activityTime>`` (one row per trigger, like an
Alertmanager episode), or the activity ``id`` without a series; a ``RESET``
closes the open alert of its series. Device from ``device.systemName`` (else
``displayName``/``dnsName``), check from ``data.message.code`` (else
``sourceName``, ``subject``), message from ``message`` (else ``subject``).
The client is the organization's name (else its id) looked up in the
endpoint's clients table, else the endpoint's tenant.
"""

from __future__ import annotations

from typing import Any

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

SOURCE = "ninjaone"
RESET_CODES = {"RESET", "RESOLVED", "CLEARED", "CLOSED"}
_FIELD_NAMES = {"at": "activityTime", "message": "message", "id": "id"}


def convert_ninjaone(body: Any, endpoint: Endpoint) -> Converted:
    items = body if isinstance(body, list) else [body]
    if not items or not all(isinstance(item, dict) for item in items):
        return Converted(problems=[FormatProblem("(body)", "expected a NinjaOne activity object (or a list of them)")])
    drafts: list[Draft] = []
    problems: list[FormatProblem] = []
    for index, activity in enumerate(items):
        where = f"[{index}]" if isinstance(body, list) else ""
        draft = _draft(activity, where, problems)
        if draft is not None:
            drafts.append(draft)
    return finish(drafts, endpoint, problems, _FIELD_NAMES)


def _draft(activity: dict[str, Any], where: str, problems: list[FormatProblem]) -> Draft | None:
    def path(name: str) -> str:
        return f"{where}.{name}" if where else name

    at = epoch_time(activity.get("activityTime"))
    if at is None:
        problems.append(FormatProblem(path("activityTime"), "required: the activity's time in epoch seconds"))
        return None
    activity_id, series = text(activity.get("id")), text(activity.get("seriesUid"))
    if activity_id is None and series is None:
        problems.append(FormatProblem(path("id"), "required: the activity id (or seriesUid)"))
        return None
    status = (text(activity.get("statusCode")) or "").upper()
    closes = status in RESET_CODES and series is not None
    device = _obj(activity.get("device"))
    code = _obj(_obj(activity.get("data")).get("message")).get("code")
    organization = _obj(_obj(device.get("references")).get("organization"))
    org_name = text(organization.get("name"))
    org_id = text(device.get("organizationId"))
    severity = text(activity.get("severity")) or text(activity.get("priority"))
    if severity is None and text(activity.get("activityType")) != "CONDITION":
        severity = "info"  # reboots, logins, jobs: activities, not conditions
    labels = {k: str(v) for k, v in {
        "activityId": activity_id, "seriesUid": series, "activityType": text(activity.get("activityType")),
        "statusCode": status or None, "deviceId": text(activity.get("deviceId")),
        "organizationId": org_id, "organization": org_name, "nodeClass": text(device.get("nodeClass")),
    }.items() if v}
    return Draft(
        where=where,
        client_field="device.references.organization.name" if org_name else "device.organizationId",
        client_value=org_name or org_id,
        closes=closes,
        fields={
            "id": series if closes else (f"{series}@{at.isoformat()}" if series else activity_id),
            "source": SOURCE,
            "device": _device_name(device),
            "check": text(code) or text(activity.get("sourceName")) or text(activity.get("subject")) or status or None,
            "severity": normalise_severity(severity),
            "message": text(activity.get("message")) or text(activity.get("subject")) or text(activity.get("status")) or "",
            "at": at,
            "resolved_at": at if closes else None,
            "labels": labels,
        },
    )


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _device_name(device: dict[str, Any]) -> str | None:
    """``WORKSTATION-001.domain.com`` -> ``WORKSTATION-001``; an IP address stays as it is."""
    for key in ("systemName", "displayName", "dnsName", "netbiosName"):
        name = text(device.get(key))
        if not name:
            continue
        if name.replace(".", "").isdigit():
            return name
        return name.split(".")[0]
    return None
