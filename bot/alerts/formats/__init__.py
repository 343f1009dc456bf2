"""Alert sources into ``AlertRecord``s: one pure converter per source, chosen by the endpoint's name.

  alertmanager  Prometheus Alertmanager webhook, version "4"     (alertmanager.py)
  grafana       Grafana unified alerting webhook, version "1"    (alertmanager.py)
  ninjaone      NinjaOne activity webhook                        (ninjaone.py)
  datto-rmm     Datto RMM webhook payload (user-written, see datto.py)
  n-able        N-able N-central HTTP notification (XML)         (nable.py)
  mapped        any other JSON, through a per-endpoint field mapping (mapped.py)

(The ``generic`` format, the ``alerts.jsonl`` record itself, is validated in
``bot/alerts/inbound.py``.) Every converter returns ``Converted``: records,
which of them are resolutions that close a stored alert, and problems naming
the field at fault. How the client is settled is in ``common.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.alerts.formats.alertmanager import (
    ALERTMANAGER_SOURCE,
    convert_alertmanager,
    convert_grafana,
    device_from_instance,
    parse_alertmanager_body,
)
from bot.alerts.formats.common import (
    TENANT_LABELS,
    Converted,
    Endpoint,
    FormatProblem,
    label_fingerprint,
    normalise_severity,
)
from bot.alerts.formats.datto import convert_datto
from bot.alerts.formats.mapped import convert_mapped
from bot.alerts.formats.nable import convert_nable, decode_xml
from bot.alerts.formats.ninjaone import convert_ninjaone

__all__ = [
    "ALERTMANAGER_SOURCE", "FORMATS", "TENANT_LABELS", "Converted", "Endpoint", "FormatProblem", "SourceFormat",
    "decode_xml", "device_from_instance", "label_fingerprint", "normalise_severity", "parse_alertmanager_body",
]


@dataclass(frozen=True)
class SourceFormat:
    name: str
    body: Literal["json", "xml"]
    convert: Callable[[Any, Endpoint, datetime], Converted]
    # Whether ids come from label sets that two clients can share (Alertmanager's
    # fingerprint of ``alertname`` + ``instance``): then an endpoint-tenant id is
    # qualified with the tenant, so identical alerts of two clients stay apart.
    shared_ids: bool = False


FORMATS: dict[str, SourceFormat] = {f.name: f for f in (
    SourceFormat("alertmanager", "json", lambda b, e, _: convert_alertmanager(b, e), shared_ids=True),
    SourceFormat("grafana", "json", lambda b, e, _: convert_grafana(b, e), shared_ids=True),
    SourceFormat("ninjaone", "json", lambda b, e, _: convert_ninjaone(b, e)),
    SourceFormat("datto-rmm", "json", convert_datto),
    SourceFormat("n-able", "xml", lambda b, e, _: convert_nable(b, e, e.timezone)),
    SourceFormat("mapped", "json", lambda b, e, _: convert_mapped(b, e)),
)}
