"""A site outage as RMMs report it, for the outage tests (pure alert objects, bench/support/alert_stream.A)."""

from __future__ import annotations

from datetime import timedelta

from bench.support.alert_stream import T0, A
from bot.alerts.topology import Site, Topology

ELM = Topology(
    sites=(Site("Main St", ("ACME-DC01", "ACME-DC02", "ACME-MS-*"), "ACME-MS-FW"),
           Site("Elm St", ("ACME-DC03", "ACME-ELM-*"), "ACME-ELM-MX", ("Main St",))),
    depends_on={"ACME-ELM-MX": ("ACME-ELM-UPS",), "ACME-ELM-SW01": ("ACME-ELM-UPS",)},
)


def site_outage(tenant: str = "acme", first_pk: int = 1, prefix: str = "ACME") -> list[A]:
    """The Elm St outage as the RMMs report it: UPS on battery, the MX's WAN and VPN, devices dark,
    then DC01 at Main St failing to replicate from DC03 (1722)."""
    rows = [
        (0, f"{prefix}-ELM-UPS", "UPS status", "warning", f"UPS {prefix}-ELM-UPS on battery: utility power lost"),
        (9, f"{prefix}-ELM-MX", "WAN uplink", "critical", "WAN1 down: no carrier on internet 1"),
        (10, f"{prefix}-ELM-MX", "VPN tunnel", "critical", "Site-to-site VPN tunnel to Main St is down"),
        *[(11 + i, d, "Device offline", "critical", f"Agent {d} has not checked in for 5 minutes")
          for i, d in enumerate([f"{prefix}-DC03", f"{prefix}-ELM-WS01", f"{prefix}-ELM-WS02", f"{prefix}-ELM-WS03",
                                 f"{prefix}-ELM-PRN01"])],
        (24, f"{prefix}-DC01", "AD replication", "critical",
         f"Replication from {prefix}-DC03 failed: The RPC server is unavailable (1722)"),
    ]
    return [A(first_pk + i, tenant, device, check, sev, msg, T0 + timedelta(minutes=m), None)
            for i, (m, device, check, sev, msg) in enumerate(rows)]
