"""Prometheus Alertmanager (webhook v4) and Grafana unified alerting (webhook v1) bodies.

Alertmanager's body is documented in its configuration reference under
``<webhook_config>``; Grafana's webhook contact point sends the same shape
with ``"version": "1"`` and a few extra fields (``orgId``, ``title``,
``state``, per-alert ``values``, ``dashboardURL``, ``panelURL``), documented
in Grafana's "Webhook notifier" page. The mapping (see ../shared/DATASET.md):
tenant from the label ``tenant`` (or ``client``), device from ``instance``
(or ``host``/``device``), check from ``alertname``, message from the
``summary`` or ``description`` annotation, id from the fingerprint and
``startsAt``. Each alert's own labels win over the group's ``commonLabels``.
"""

from __future__ import annotations

import re
from typing import Any

from bot.alerts.formats.common import (
    TENANT_LABELS,
    Converted,
    Draft,
    Endpoint,
    FormatProblem,
    finish,
    label_fingerprint,
    normalise_severity,
    str_dict,
)
from bot.ingest.records import AlertRecord

ALERTMANAGER_SOURCE = "alertmanager"
GRAFANA_SOURCE = "grafana"
# Alertmanager and Grafana write this for "not set" (Go's zero time).
_GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_HOST_PORT = re.compile(r"^(?P<host>[^\[\]:]+):\d+$")
_DEVICE_LABELS = ("instance", "host", "hostname", "device", "node")
_FIELD_NAMES = {"at": "startsAt", "resolved_at": "endsAt", "message": "annotations.summary"}


def device_from_instance(instance: str | None) -> str | None:
    """``fs01:9100`` -> ``fs01``: the exporter port is not part of the device's name."""
    if not instance:
        return None
    match = _HOST_PORT.match(instance)
    return match.group("host") if match else instance


def convert_alertmanager(body: Any, endpoint: Endpoint) -> Converted:
    return _convert(body, endpoint, version="4", source=ALERTMANAGER_SOURCE, what="an Alertmanager webhook body")


def convert_grafana(body: Any, endpoint: Endpoint) -> Converted:
    return _convert(body, endpoint, version="1", source=GRAFANA_SOURCE, what="a Grafana alerting webhook body")


def parse_alertmanager_body(
    body: Any, *, default_tenant: str | None = None
) -> tuple[list[AlertRecord], list[FormatProblem]]:
    """Alertmanager v4 body -> records and problems (the folder import's entry point).

    ``default_tenant`` is the per-endpoint setting used when no label names the
    tenant. Without either, the alert is a problem: the tenant is never guessed.
    """
    converted = convert_alertmanager(body, Endpoint(tenant=default_tenant))
    return converted.records, converted.problems


def _convert(body: Any, endpoint: Endpoint, *, version: str, source: str, what: str) -> Converted:
    problems: list[FormatProblem] = []
    if not isinstance(body, dict):
        return Converted(problems=[FormatProblem("(body)", f"expected a JSON object ({what})")])
    if body.get("version") != version:
        problems.append(FormatProblem("version", f"got {body.get('version')!r}, expected \"{version}\" ({what})"))
    alerts: Any = body.get("alerts")  # a list once the check below passes (else we return first)
    if not isinstance(alerts, list) or not alerts:
        problems.append(FormatProblem("alerts", "expected a non-empty list of alerts"))
    if problems or not isinstance(alerts, list):
        return Converted(problems=problems)

    common_labels = str_dict(body.get("commonLabels"))
    common_annotations = str_dict(body.get("commonAnnotations"))
    drafts: list[Draft] = []
    for index, alert in enumerate(alerts):
        where = f"alerts[{index}]"
        if not isinstance(alert, dict):
            problems.append(FormatProblem(where, "expected an object"))
            continue
        own_labels = str_dict(alert.get("labels"))
        labels = {**common_labels, **own_labels}
        annotations = {**common_annotations, **str_dict(alert.get("annotations"))}
        starts_at = alert.get("startsAt")
        if not starts_at or starts_at == _GO_ZERO_TIME:
            problems.append(FormatProblem(f"{where}.startsAt", "required field is missing"))
            continue
        fingerprint = alert.get("fingerprint") or label_fingerprint(own_labels or labels)
        ends_at = alert.get("endsAt")
        resolved = alert.get("status", body.get("status")) == "resolved"
        headline = annotations.get("summary") or annotations.get("description") or labels.get("alertname")
        device = next((labels[k] for k in _DEVICE_LABELS if labels.get(k)), None)
        drafts.append(Draft(
            where=where,
            tenant=next((labels[k] for k in TENANT_LABELS if labels.get(k)), None),
            client_field="labels.tenant",
            fields={
                # One row per firing episode: a flapping check re-fires with the same
                # fingerprint and a new startsAt, and triage needs each cycle.
                "id": f"{fingerprint}@{starts_at}",
                "source": source,
                "device": device_from_instance(device),
                "check": labels.get("alertname"),
                "severity": normalise_severity(labels.get("severity")),
                "message": _message(headline, annotations),
                "at": starts_at,
                "resolved_at": ends_at if resolved and ends_at and ends_at != _GO_ZERO_TIME else None,
                "url": alert.get("generatorURL") or None,
                "labels": {**labels, "fingerprint": fingerprint},
            },
        ))
    return finish(drafts, endpoint, problems, _FIELD_NAMES)


def _message(headline: str | None, annotations: dict[str, str]) -> str:
    description = annotations.get("description")
    if headline and description and description != headline:
        return f"{headline}: {description}"
    return headline or ""
