"""Alert streams for triage tests and benchmarks (tests/unit/test_triage.py, bench/triage_bench.py): plain
objects, true incidents known.

``stream(...)`` writes an MSP-like stream with the situations triage must
handle, each alert labelled with the incident it belongs to (``None`` for
noise): storms (one check on many devices of a client at once), correlated
failures on one device (replication + DNS + time skew on a DC), lone real
problems, flapping checks and auto-resolved blips. A real problem's alerts
resolve together when it is fixed. It is a test generator,
not the demo MSP; the demo's own labels are scored by ``bench/demo_eval.py``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class A:
    pk: Any
    tenant_id: str
    device: str | None
    check_name: str | None
    severity: str
    message: str
    at: datetime
    resolved_at: datetime | None = None
    source: str = "rmm"
    incident: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The alert in the generic JSON format (DATASET.md)."""
        return {"id": str(self.pk), "tenant": self.tenant_id, "device": self.device, "source": self.source,
                "check": self.check_name, "severity": self.severity, "message": self.message,
                "at": self.at.isoformat(), "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None}


T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)

CORRELATED = [  # (check, severity, message template) fired together on a DC
    ("AD replication", "critical", "Replication from {peer} failed: The RPC server is unavailable (1722)"),
    ("DNS", "warning", "DNS server encountered error {n} resolving _ldap._tcp.dc._msdcs.{domain}"),
    ("Time sync", "warning", "Time skew of {n} seconds against the PDC emulator"),
]
STORMS = [
    ("Device offline", "critical", "Agent {device} has not checked in for {n} minutes"),
    ("Backup", "critical", "Backup job {job} failed on {device}: VSS snapshot error 0x{hex}"),
    ("Printer", "warning", "Printer {device}-PRN{n} reports toner low ({n}%)"),
]
SINGLES = [
    ("Disk space", "warning", "Disk C: on {device} is {n}% full"),
    ("Windows Update", "warning", "{n} updates failed to install on {device}"),
    ("M365", "critical", "Mailbox {user}@{domain} exceeded its quota ({n} MB)"),
    ("VPN", "critical", "Site-to-site VPN tunnel to {peer} is down"),
]
FLAPPERS = [("Ping", "warning", "Ping to {device} lost {n}% of packets"),
            ("Service", "warning", "Service Spooler stopped on {device}")]


def _fill(template: str, rng: random.Random, device: str, domain: str) -> str:
    return template.format(peer=f"{domain.split('.')[0].upper()}-DC{rng.randint(2, 9):02d}", n=rng.randint(2, 99),
                           domain=domain, device=device, job=f"Nightly-{rng.randint(1, 9)}",
                           hex=f"{rng.getrandbits(32):08x}", user=rng.choice(["dana", "sam", "lee"]))


def stream(tenants: int = 3, hours: int = 24 * 7, seed: int = 7, devices_per_tenant: int = 30) -> list[A]:
    """A labelled week of alerts for ``tenants`` clients (about 80 incidents per client)."""
    rng = random.Random(seed)
    out: list[A] = []
    counter = 0

    def add(tenant: str, device: str | None, spec: tuple[str, str, str], at: datetime, domain: str,
            incident: str | None, resolved: datetime | None = None) -> None:
        nonlocal counter
        counter += 1
        check, severity, template = spec
        out.append(A(counter, tenant, device, check, severity, _fill(template, rng, device or "-", domain), at,
                     resolved, incident=incident))

    for t in range(tenants):
        tenant = f"client{t}"
        domain = f"{tenant}.local"
        devices = [f"{tenant.upper()}-WS{i:02d}" for i in range(devices_per_tenant)]
        dcs = [f"{tenant.upper()}-{role}" for role in ("DC01", "DC02", "DC03", "FS01", "APP01")]
        busy: dict[str, datetime] = {}

        def free(pool: list[str], at: datetime, k: int = 1, busy: dict[str, datetime] = busy) -> list[str]:
            # Real incidents on one device are hours apart; two at once would be one problem.
            idle = [d for d in pool if at - busy.get(d, T0 - timedelta(days=1)) > timedelta(hours=6)]
            chosen = rng.sample(idle or pool, k=min(k, len(idle or pool)))
            for d in chosen:
                busy[d] = at
            return chosen

        # Incidents are spread out in time so that two of them on one device never overlap.
        slots = sorted(rng.sample(range(0, hours * 60 - 240, 90), k=min(60, hours * 60 // 90 - 3)))
        for incident_no, slot in enumerate(slots, start=1):
            start = T0 + timedelta(minutes=slot)
            incident = f"{tenant}/i{incident_no}"
            kind = rng.random()
            if kind < 0.25:  # a storm
                spec = rng.choice(STORMS)
                for device in free(devices, start, rng.randint(4, 15)):
                    add(tenant, device, spec, start + timedelta(seconds=rng.randint(0, 300)), domain, incident)
            elif kind < 0.45:  # correlated failures on a DC, re-alerting every 15 minutes
                dc = free(dcs, start)[0]
                for spec in rng.sample(CORRELATED, k=rng.randint(2, 3)):
                    for repeat in range(rng.randint(1, 4)):
                        add(tenant, dc, spec, start + timedelta(minutes=15 * repeat + rng.randint(0, 10)), domain,
                            incident)
            else:  # one real problem on one device, repeated while unfixed
                spec = rng.choice(SINGLES)
                device = free(devices, start)[0]
                for repeat in range(rng.randint(1, 5)):
                    add(tenant, device, spec, start + timedelta(minutes=20 * repeat), domain, incident)
        # Noise: flapping checks and auto-resolved blips, on devices and times of their own.
        for _ in range(6):
            spec = rng.choice(FLAPPERS)
            device = f"{tenant.upper()}-AP{rng.randint(1, 9)}"
            start = T0 + timedelta(minutes=rng.randint(0, hours * 60 - 600))
            for cycle in range(rng.randint(3, 12)):
                at = start + timedelta(minutes=cycle * rng.randint(10, 30))
                add(tenant, device, spec, at, domain, None, resolved=at + timedelta(minutes=rng.randint(1, 5)))
        for _ in range(40):
            spec = rng.choice(SINGLES[:2])
            device = f"{tenant.upper()}-LT{rng.randint(1, 99):02d}"
            at = T0 + timedelta(minutes=rng.randint(0, hours * 60))
            add(tenant, device, spec, at, domain, None, resolved=at + timedelta(minutes=rng.randint(1, 8)))
    # A real problem holds until someone fixes it: every notification of it resolves then (45 minutes
    # after the last one; still open if that is after the end of the stream), as an RMM closes its
    # alerts when the condition clears. Incidents on one device are hours apart, so never overlap.
    end = T0 + timedelta(hours=hours)
    last: dict[str, datetime] = {}
    for a in out:
        if a.incident is not None:
            last[a.incident] = max(a.at, last.get(a.incident, a.at))
    for a in out:
        if a.incident is not None:
            fixed = last[a.incident] + timedelta(minutes=45)
            a.resolved_at = fixed if fixed <= end else None
    out.sort(key=lambda a: (a.at, a.pk))
    return out
