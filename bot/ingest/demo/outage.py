"""A site outage at Acme's Elm St office, and the topology that explains it.

2026-11-07, a Saturday before dawn (no Acme or Ridgeline ticket within a day
of it): the Elm St UPS loses utility power, runs on battery and then out of it; the Meraki MX (ACME-ELM-MX) loses its WAN, Main St's MX
reports the site-to-site VPN to it down, the office's devices stop checking in,
and DC01 at Main St fails to replicate from DC03 (1722). Power comes back
about 95 minutes later. Ten alerts, one incident: triage should make them
one signal with ACME-ELM-UPS as its root (tests/integration/test_demo_outage.py).

In the same minutes Ridgeline's own DC01 (the same device name) fails to
replicate from its plant DC: another client's incident, which must stay apart.

Deterministic and without the generator's random streams: these alerts are
added after everything else, so no other alert, id or incident moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .common import UTC, AlertIds, alert_url

START = datetime(2026, 11, 7, 5, 20, tzinfo=UTC)
RESTORED = START + timedelta(minutes=95)

# Acme's topology for tenants.yaml: its four offices, their MX uplinks, and the UPS behind Elm St's MX.
ACME_TOPOLOGY = {
    "sites": [
        {"name": "Main St", "devices": ["DC01", "DC02", "ACME-FS01", "ACME-APP01", "ACME-VBR01", "ACME-NAS01",
                                         "ACME-HV01", "ACME-MS-*"], "uplink": "ACME-HQ-MX"},
        {"name": "Elm St", "devices": ["DC03", "ACME-ELM-*"], "uplink": "ACME-ELM-MX", "depends_on": ["Main St"]},
        {"name": "Oak Park", "devices": ["ACME-OAK-*"], "uplink": "ACME-OAK-MX", "depends_on": ["Main St"]},
        {"name": "Westgate", "devices": ["ACME-WG-*"], "uplink": "ACME-WG-MX", "depends_on": ["Main St"]},
    ],
    "depends_on": {"ACME-ELM-MX": ["ACME-ELM-UPS"]},
}

# (minutes after START, source, device, check, severity, message, minutes until resolved)
_ACME = [
    (0, "ninjaone", "ACME-ELM-UPS", "UPS status", "warning", "UPS ACME-ELM-UPS on battery: utility power lost", 95),
    (7, "ninjaone", "ACME-ELM-UPS", "UPS status", "critical", "UPS ACME-ELM-UPS battery low: 4 minutes remaining", 88),
    (11, "meraki", "ACME-ELM-MX", "WAN uplink", "critical", "WAN1 on ACME-ELM-MX down: no carrier", 86),
    (12, "meraki", "ACME-HQ-MX", "VPN tunnel", "critical", "Site-to-site VPN peer ACME-ELM-MX unreachable", 86),
    (14, "ninjaone", "DC03", "Device offline", "critical", "Agent DC03 has not checked in for 5 minutes", 84),
    (14, "ninjaone", "ACME-ELM-WS01", "Device offline", "critical",
     "Agent ACME-ELM-WS01 has not checked in for 5 minutes", 85),
    (15, "ninjaone", "ACME-ELM-WS04", "Device offline", "critical",
     "Agent ACME-ELM-WS04 has not checked in for 5 minutes", 85),
    (15, "ninjaone", "ACME-ELM-OP02", "Device offline", "critical",
     "Agent ACME-ELM-OP02 has not checked in for 5 minutes", 86),
    (16, "ninjaone", "ACME-ELM-PRN01", "Device offline", "critical",
     "Agent ACME-ELM-PRN01 has not checked in for 5 minutes", 86),
    (27, "ninjaone", "DC01", "AD replication", "critical",
     "Replication from DC03 failed: The RPC server is unavailable (1722)", 75),
]
_RIDGELINE = [
    (26, "datto-rmm", "DC01", "AD replication", "critical",
     "Replication from PLT-DC02 failed: The RPC server is unavailable (1722)", 40),
]


def outage_alerts(ids: AlertIds) -> list[dict]:
    """The outage's alerts (one incident) and Ridgeline's coincident one (another), as generator records.

    Incident ids ``inc-<tenant>-9001``: outside the generator's running numbers, so none of those moves."""
    out = []
    for tenant, rows in (("acme", _ACME), ("ridgeline", _RIDGELINE)):
        incident = f"inc-{tenant}-9001"
        for minute, source, device, check, severity, message, lasts in rows:
            at = START + timedelta(minutes=minute)
            aid = ids.next(source)
            out.append({
                "id": aid, "tenant": tenant, "device": device, "source": source, "check": check,
                "severity": severity, "message": message, "at": at, "resolved_at": at + timedelta(minutes=lasts),
                "url": alert_url(source, tenant, aid),
                "_incident": incident, "_noise": None, "_ticket": None, "_kind": None,
            })
    return out
