"""N-able N-central notifications ("Third Party Integration - HTTP" notification method).

N-central posts one XML ``<notification>`` per state change, with the
elements ``ActiveNotificationTriggerID``, ``CustomerName``, ``DeviceName``,
``DeviceURI``, ``AffectedService``, ``TaskIdent``, ``NcentralURI``,
``QualitativeOldState``, ``QualitativeNewState`` (Normal / Warning /
Failed...), ``TimeOfStateChange`` (``2025-05-29 22:05:10``, no zone),
``ProbeURI``, ``QuantitativeNewState`` (the measurement, often several
lines) and ``ServiceOrganizationName``. Sample bodies and their sources are in
tests/unit/test_alert_formats.py.

Mapping: one alert per device and service episode, id
``<DeviceName>|<AffectedService>@<TimeOfStateChange>``; a change to
``Normal`` closes the open episode of that device and service. Severity from
the new state (Failed -> critical, Warning -> warning). The time has no zone
in the body: it is read in the endpoint's ``timezone`` (default UTC).
The client is ``CustomerName`` via the endpoint's clients table, else the
endpoint's tenant. Documents with a DOCTYPE are refused (no entity expansion).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.alerts.formats.common import Converted, Draft, Endpoint, FormatProblem, finish, normalise_severity

SOURCE = "n-able"
NORMAL_STATES = {"normal"}
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def decode_xml(raw: bytes) -> tuple[Any, FormatProblem | None]:
    """The ``<notification>`` element of one body, or the problem with it."""
    head = raw[:2048].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in raw.upper():
        return None, FormatProblem("(body)", "DOCTYPE and ENTITY declarations are not accepted")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        line, column = exc.position
        return None, FormatProblem(f"(body) line {line} column {column}", f"not well-formed XML: {exc}")
    if root.tag != "notification":
        return None, FormatProblem("(body)", f"expected a <notification> element, got <{root.tag}>")
    return root, None


def convert_nable(body: Any, endpoint: Endpoint, timezone: str = "UTC") -> Converted:
    if not isinstance(body, ET.Element):
        return Converted(problems=[FormatProblem("(body)", "expected an N-central <notification> XML document")])
    values = {child.tag: (child.text or "").strip() for child in body}
    problems = [FormatProblem(name, "required element is missing or empty")
                for name in ("DeviceName", "AffectedService", "QualitativeNewState", "TimeOfStateChange")
                if not values.get(name)]
    if problems:
        return Converted(problems=problems)
    at = _parse_time(values["TimeOfStateChange"], timezone)
    if at is None:
        return Converted(problems=[FormatProblem(
            "TimeOfStateChange", f"not a time: {values['TimeOfStateChange']!r} (expected 2025-05-29 22:05:10)")])
    new_state, old_state = values["QualitativeNewState"], values.get("QualitativeOldState") or "?"
    series = f"{values['DeviceName']}|{values['AffectedService']}"
    closes = new_state.lower() in NORMAL_STATES
    measurement = (values.get("QuantitativeNewState") or "").splitlines()
    message = f"{values['AffectedService']}: {old_state} -> {new_state}"
    if measurement and measurement[0].strip():
        message += f": {measurement[0].strip()}"
    labels = {k: values[k] for k in ("ActiveNotificationTriggerID", "CustomerName", "DeviceURI", "TaskIdent",
                                    "NcentralURI", "QualitativeOldState", "QualitativeNewState",
                                    "ServiceOrganizationName") if values.get(k)}
    draft = Draft(
        where="",
        client_field="CustomerName",
        client_value=values.get("CustomerName") or None,
        closes=closes,
        fields={
            "id": series if closes else f"{series}@{at.isoformat()}",
            "source": SOURCE,
            "device": values["DeviceName"],
            "check": values["AffectedService"],
            "severity": normalise_severity(new_state),
            "message": message,
            "at": at,
            "resolved_at": at if closes else None,
            "labels": labels,
        },
    )
    return finish([draft], endpoint, field_names={"message": "AffectedService", "id": "DeviceName"})


def _parse_time(value: str, timezone: str) -> datetime | None:
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(timezone))
        except ValueError:
            continue
    return None
