"""Background alert noise: storms, flapping checks, persistent conditions, blips, duplicates.

The noise model follows how each monitoring source behaves (see bot/ingest/demo/README.md,
"The alert noise model"): a condition that holds keeps notifying - an RMM threshold
check re-alerts at its check interval until someone acknowledges it or it clears, a
scheduled job (backup, patch install, definition update) fails again at every run
until the cause is fixed - while Meraki and Defender events notify once per state
change. One condition is one incident however many notifications it sends.

Returns alert specs (the same shape tickets use) with `_incident` keys and `noise`
set; alerts.py gives them ids, turns a condition into its notifications and adds
duplicate re-sends.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .alertkinds import ROLE
from .cast import TENANTS
from .common import END, minutes, rand_time, ts

if TYPE_CHECKING:  # alerts.py imports this module; the type alone does not need it at run time
    from .alerts import Busy

# Storms: the same failure on many devices of one client within minutes.
# `key` lets a story ticket claim the storm as its incident.
STORMS: list[dict[str, Any]] = [
    {
        "key": "acme-defs",
        "tenant": "acme",
        "kind": "av_def_fail",
        "at": "2026-11-12T13:50:00Z",
        "spread": 22,
        "prefixes": ["ACME-MS-WS", "ACME-WG-WS"],
        "skip": ["ACME-MS-WS12"],
        "msg": "Security intelligence update failed with 0x80072ee2 (definitions 1.421.880.0 are {d} days old)",
    },
    {
        "key": "tw-wu",
        "tenant": "tidewater",
        "kind": "patch_fail",
        "at": "2026-11-16T05:05:00Z",
        "spread": 85,
        "prefixes": ["TW-"],
        "skip": ["TW-BAY-07", "TW-BAY-RX01", "TW-HC-03", "TW-NG-09"],
        "msg": "Install failed: KB5068861 (2026-11 Cumulative Update for Windows 11 24H2) error 0x800f0922",
    },
    {
        "key": "sma-annex",
        "tenant": "stmarks",
        "kind": "offline",
        "at": "2026-10-29T13:02:00Z",
        "spread": 4,
        "prefixes": [f"SMA-LT-0{i}" for i in range(36, 61)],
        "resolve_after": 36,
        "msg": "Agent has not checked in for 5 min (last IP 10.40.12.{o})",
        "extra": [
            ("SMA-MR-ANNEX2", "ap_offline", "Access point SMA-MR-ANNEX2 went offline (last seen on port 3)")
        ],
    },
    {
        "key": "rl-plant-power",
        "tenant": "ridgeline",
        "kind": "offline",
        "at": "2026-09-24T17:31:00Z",
        "spread": 3,
        "prefixes": ["RL-PLT-WS", "RL-MES-"],
        "resolve_after": 52,
        "msg": "Agent has not checked in for 5 min (last IP 10.31.2.{o})",
        # Datto RMM's offline monitor re-alerts every 10 min until the NOC acknowledges the storm
        "repeat": {"every": 10, "fixed_after": (45, 60), "ack_after": (25, 40)},
    },
    {
        "key": "hf-reboot",
        "tenant": "harbor-law",
        "kind": "reboot_pending",
        "at": "2026-11-19T14:00:00Z",
        "spread": 18,
        "prefixes": ["HF-LT-0"],
        "count": 32,
        "resolve_after": 2900,
        "msg": "Reboot pending for 7 days after update installation",
        # NinjaOne's patch policy reminds once a day until each laptop is restarted
        "repeat": {"every": 1440, "fixed_after": (900, 5800)},
    },
    {
        "key": "sma-defs",
        "tenant": "stmarks",
        "kind": "av_def_fail",
        "at": "2026-11-05T12:25:00Z",
        "spread": 30,
        "prefixes": ["SMA-LT-0"],
        "count": 36,
        "resolve_after": 240,
        "msg": "Security intelligence update failed with 0x8024402c (definitions 1.421.{o}.0 are 2 days old)",
        # Defender retries the definition update every 4 h and fails again on every laptop that is
        # on (school hours) until the web filter lets the update endpoint through the next afternoon
        "repeat": {"every": 240, "fixed_after": (1560, 1680), "hours": (12, 23)},
    },
    {
        "key": "br-patch",
        "tenant": "beacon-cpa",
        "kind": "patch_fail",
        "at": "2026-10-18T06:10:00Z",
        "spread": 50,
        "prefixes": ["BR-WS"],
        "count": 20,
        "resolve_after": 1500,
        "msg": "Install failed: KB5066131 (2026-10 .NET Framework 3.5 and 4.8.1 Cumulative Update) error 0x80070643",
        # Datto RMM retries the install in every nightly patch window until the .NET repair is pushed
        "repeat": {"every": 1440, "fixed_after": (2900, 4400)},
    },
]


# Flapping checks: (tenant, device, kind, message or None, episodes, typical cycles per episode).
# A flaky circuit or a laptop on bad Wi-Fi goes down and up for an evening: every "down" is a
# notification, each resolved a few minutes later.
FLAPS = [
    (
        "acme",
        "ACME-ELM-MX",
        "vpn_down",
        "VPN connectivity change: Auto VPN peer ACME-HQ-MX unreachable",
        6,
        18,
    ),
    ("acme", "ACME-OAK-MX", "wan_loss", None, 3, 12),
    (
        "ridgeline",
        "RL-HQ-FW01",
        "vpn_down",
        "IPsec tunnel to 198.51.100.77 down (IKE phase 1 timeout)",
        6,
        22,
    ),
    ("ridgeline", "RL-PLT-WS05", "offline", None, 4, 14),
    ("tidewater", "TW-NG-MX", "wan_loss", None, 5, 16),
    ("tidewater", "TW-BAY-ZEBRA1", "printer_offline", None, 3, 10),
    ("harbor-law", "HF-LT-023", "offline", None, 5, 14),
    ("beacon-cpa", "BR-RDS01", "cpu_high", None, 4, 12),
    ("beacon-cpa", "BR-FW01", "wan_loss", None, 3, 14),
    ("stmarks", "SMA-MR-LIB", "ap_offline", None, 6, 16),
    ("stmarks", "SMA-MR-GYM", "ap_offline", None, 3, 10),
]

BLIP_KINDS = ["offline", "cpu_high", "wan_loss", "port_flap", "svc_stopped", "mem_high"]

# kind -> (device role, weight) for background conditions and events
CONDITION_KINDS = [
    ("disk_low", "ws", 3),
    ("cpu_high", "ws", 2),
    ("mem_high", "ws", 1.5),
    ("offline", "ws", 4),
    ("patch_fail", "ws", 3),
    ("reboot_pending", "ws", 3),
    ("pua", "ws", 1),
    ("av_def_fail", "ws", 1),
    ("malware", "ws", 0.4),
    ("event_disk", "ws", 0.4),
    ("smart", "ws", 0.3),
    ("rtp_off", "ws", 0.3),
    ("svc_stopped", "ws", 0.7),
    ("disk_low", "server", 1.5),
    ("cpu_high", "server", 1.5),
    ("svc_stopped", "server", 1),
    ("offline", "server", 0.4),
    ("patch_fail", "server", 0.8),
    ("reboot_pending", "server", 0.8),
    ("event_disk", "server", 0.3),
    ("lockout", "dc", 2),
    ("ad_repl", "dc", 0.3),
    ("dns_dc", "dc", 0.3),
    ("time_skew", "dc", 0.3),
    ("kcc", "dc", 0.2),
    ("backup_warn", "backup", 2),
    ("backup_fail", "backup", 1.2),
    ("repo_space", "nas", 0.3),
    ("copy_fail", "backup", 0.3),
    ("wan_loss", "fw", 2),
    ("vpn_down", "fw", 0.5),
    ("uplink_failover", "fw", 0.4),
    ("port_flap", "fw", 1),
    ("printer_offline", "printer", 1.2),
    ("toner_low", "printer", 1.5),
    ("impossible_travel", "ws", 0.25),
    ("ap_offline", "ap", 1.5),
]
CONDITIONS_PER_TENANT = 125
BLIPS_PER_TENANT = 42

# How a condition keeps notifying while it holds, per kind:
#   (interval on servers and network gear, interval on workstations, what stops it, how long it holds)
# Intervals are minutes; None means the source notifies once per condition. What stops re-notification:
#   "ack": a threshold check re-alerts at its check interval until an engineer acknowledges it
#          (or it clears): RMM policies here check servers every 5-15 min, workstations less often;
#   "fix": a scheduled run (backup job, patch window, definition update, SNMP supply check, SMART scan)
#          fails and notifies again at every run until the cause is fixed; acknowledging changes nothing.
# How long it holds: minutes from the first notification until the condition clears (uniform range).
# Meraki sends state changes (down, up) only, and Defender/Entra detections are one event each, so
# their kinds notify once; Datto RMM watches Ridgeline's and Beacon's FortiGates over SNMP and re-alerts.
RENOTIFY: dict[str, tuple[int | None, int | None, str, tuple[int, int]]] = {
    "disk_low": (15, 60, "ack", (90, 4320)),
    "cpu_high": (15, 30, "ack", (20, 150)),
    "mem_high": (15, 30, "ack", (20, 240)),
    "offline": (10, None, "ack", (10, 180)),
    "svc_stopped": (5, 15, "ack", (10, 240)),
    "ad_repl": (15, 15, "ack", (30, 240)),
    "dns_dc": (15, 15, "ack", (30, 240)),
    "time_skew": (15, 15, "ack", (30, 360)),
    "kcc": (15, 15, "ack", (30, 240)),
    "printer_offline": (15, 15, "ack", (30, 1440)),
    "repo_space": (360, 360, "ack", (1440, 4320)),
    "toner_low": (1440, 1440, "fix", (1440, 7200)),
    "patch_fail": (1440, 1440, "fix", (1440, 7200)),
    "reboot_pending": (1440, 1440, "fix", (1440, 7200)),
    "av_def_fail": (240, 240, "fix", (240, 2880)),
    "smart": (1440, 1440, "fix", (1440, 7200)),
    "backup_fail": (1440, 1440, "fix", (1440, 8640)),
    "backup_warn": (1440, 1440, "fix", (2880, 20160)),
    "copy_fail": (1440, 1440, "fix", (1440, 4320)),
}
# Datto RMM SNMP monitors on a FortiGate (Meraki networks notify once)
NET_SNMP = {"wan_loss": (5, "ack", (10, 120)), "vpn_down": (5, "ack", (10, 120))}
HOURLY_JOBS = ("QB-Hourly",)  # a job that runs every hour fails every hour
STALE_LOCKOUT = 0.5  # share of lockouts caused by a phone or mapped drive with an old password
DUP_RATE = 0.04  # an email/PSA connector delivers a notification twice

# Keep the hours around tickets 4412/4413 free of unrelated noise on the two DC01s,
# so the ground truth for those packets stays unambiguous.
QUIET = {
    ("acme", "DC01"),
    ("ridgeline", "DC01"),
    ("acme", "ACME-ELM-MX"),
    ("ridgeline", "RL-HQ-FW01"),
    ("ridgeline", "PLT-DC02"),
    ("acme", "DC03"),
}
QUIET_FROM, QUIET_TO = ts("2026-11-23T18:00:00Z"), ts("2026-11-24T06:00:00Z")


def _spec(at: datetime, kind: str | None, device: str | None, *, msg: str | None = None,
          res: float | None = None, noise: str | None = None, dup: int = 0, incident: str | None = None,
          sev: str | None = None) -> dict[str, Any]:
    return {
        "at": at.replace(microsecond=0),
        "kind": kind,
        "msg": msg,
        "device": device,
        "sev": sev,
        "check": None,
        "res": res,
        "noise": noise,
        "dup": dup,
        "_incident": incident,
    }


def _devices(tenant: dict, role: str) -> list[str]:
    d = tenant["devices"]
    if role == "server":
        return sorted({x for r in ("dc", "file", "app", "backup", "hv") for x in d.get(r, [])})
    return list(d.get(role, []))


def _usable(tenant: dict, kind: str, role: str) -> bool:
    if ROLE[kind] not in tenant["sources"] or not _devices(tenant, role):
        return False
    if kind in ("uplink_failover", "port_flap", "dhcp_exhaust") and tenant["sources"]["net"] != "meraki":
        return False
    if kind == "vpn_down" and len(tenant["devices"]["fw"]) < 2:
        return False
    if kind in ("backup_warn", "backup_fail", "copy_fail") and not tenant["jobs"]:
        return False
    return not (kind == "copy_fail" and not any(j.startswith("Offsite") for j in tenant["jobs"]))


def storms(rng: random.Random, inc: Callable[[str], str]) -> dict[str, tuple[str, list[dict]]]:
    out = {}
    for s in STORMS:
        t = next(x for x in TENANTS if x["id"] == s["tenant"])
        devs = [
            d
            for d in t["devices"]["ws"]
            if any(d.startswith(p) for p in s["prefixes"]) and d not in s.get("skip", [])
        ]
        if "count" in s:
            devs = sorted(rng.sample(devs, min(s["count"], len(devs))))
        start, incident = ts(s["at"]), inc(s["tenant"])
        alerts = []
        for dev in devs:
            at = start + timedelta(seconds=rng.randint(0, s["spread"] * 60))
            msg = s["msg"].format(d=rng.choice([2, 2, 3]), o=rng.randint(20, 240))
            res = s.get("resolve_after")
            alerts.append(
                _spec(
                    at,
                    s["kind"],
                    dev,
                    msg=msg,
                    res=res and res + rng.randint(-5, 25),
                    noise="storm",
                    incident=incident,
                    dup=1 if rng.random() < 0.05 else 0,
                )
            )
        for dev, kind, msg in s.get("extra", []):
            alerts.append(
                _spec(
                    start + minutes(1),
                    kind,
                    dev,
                    msg=msg,
                    res=s.get("resolve_after"),
                    noise="storm",
                    incident=incident,
                )
            )
        out[s["key"]] = (s["tenant"], alerts)
    return out


def storm_repeats(
    rng: random.Random, key: str, first: list[dict]
) -> list[tuple[dict, list[datetime], datetime]]:
    """For a storm whose condition persists: per first-wave alert, its later notification times and
    when its device recovers. Ticket-claimed storms have no `repeat` and stay as they are."""
    s = next(x for x in STORMS if x["key"] == key)
    rep = s.get("repeat")
    if not rep:
        return []
    start = ts(s["at"])
    ack = start + minutes(rng.uniform(*rep["ack_after"])) if "ack_after" in rep else None
    out = []
    for rec in first:
        fixed = rec["at"] + minutes(rng.uniform(*rep["fixed_after"]))
        stop = min(fixed, ack) if ack else fixed
        times = _times(rng, rec["at"], rep["every"], stop)[1:]
        if "hours" in rep:
            lo, hi = rep["hours"]
            times = [t for t in times if lo <= t.hour < hi]
        out.append((rec, times, fixed))
    return out


def printer_offline(tenant: dict, device: str) -> str:
    """The offline message for this printer (the catalog's maker names any of the client's printers)."""
    name, where = next(((n, ip) for n, (d, ip) in tenant["printers"].items() if d == device), (device, ""))
    if where in ("", "USB"):
        return f"Printer '{name}' offline (print queue reports the device is not connected)"
    return f"Printer '{name}' offline (SNMP no response from {where})"


# Services a background "service stopped" condition can name, where the catalog's list is generic:
# each client's app server runs its own line-of-business services.
APP_SERVICES = {
    "acme": [("SQL Server (DENTICORE)", "MSSQL$DENTICORE"), ("DenticoreBridge", "DenticoreBridge")],
    "ridgeline": [("SQL Server (MSSQLSERVER)", "MSSQLSERVER"), ("FabriTrack Scheduler", "FTSched")],
    "tidewater": [("RadiView DICOM Listener", "RVDicom")],
    "beacon-cpa": [("Remote Desktop Services", "TermService"), ("QuickBooksDB34", "QuickBooksDB34")],
    "stmarks": [("PaperCut Application Server", "PCAppServer"), ("Print Spooler", "Spooler")],
}
WS_KBS = [
    ("KB5063878", "2026-08 Cumulative Update for Windows 11 24H2"),
    ("KB5065426", "2026-09 Cumulative Update for Windows 11 24H2"),
    ("KB5066835", "2026-10 Cumulative Update for Windows 11 24H2"),
    ("KB5066131", "2026-10 .NET Framework 3.5 and 4.8.1 Cumulative Update"),
    ("KB5068861", "2026-11 Cumulative Update for Windows 11 24H2"),
]
SERVER_KBS = [
    ("KB5063880", "2026-08 Cumulative Update for Windows Server 2022"),
    ("KB5065432", "2026-09 Cumulative Update for Windows Server 2022"),
    ("KB5066782", "2026-10 Cumulative Update for Windows Server 2022"),
    ("KB5068779", "2026-11 Cumulative Update for Windows Server 2022"),
    ("KB5068787", "2026-11 Cumulative Update for Windows Server 2019"),
]


def fitted_message(
    rng: random.Random, tenant: dict, kind: str, role: str, device: str, at: datetime
) -> str | None:
    """A message that fits this device where the catalog's maker is generic (it may name another
    printer, another client's app service or a workstation update on a server); None: use the maker."""
    if kind == "printer_offline":
        return printer_offline(tenant, device)
    if kind == "svc_stopped" and device in tenant["devices"].get("app", []):
        name, svc = rng.choice(APP_SERVICES[tenant["id"]])
        return f"Service '{name}' ({svc}) is not running; restart attempt {rng.randint(1, 3)} of 3 failed"
    if kind == "patch_fail":
        months = {f"2026-{at.month:02d}", f"2026-{at.month - 1:02d}"}
        kbs = [k for k in (WS_KBS if role == "ws" else SERVER_KBS) if k[1][:7] in months]
        kb, title = rng.choice(kbs)
        err = rng.choice(["0x800f0922", "0x80073712", "0x8024402c", "0x80070070", "0x800f081f", "0x80070643"])
        return f"Install failed: {kb} ({title}) error {err}"
    return None


def flaps(rng: random.Random, inc: Callable[[str], str]) -> list[dict]:
    """Flapping episodes; episodes on one device are at least 6 h apart (closer, they are one)."""
    out = []
    for tid, dev, kind, msg, episodes, cycles in FLAPS:
        if kind == "printer_offline":
            msg = printer_offline(next(t for t in TENANTS if t["id"] == tid), dev)
        spans: list[tuple[datetime, datetime]] = []
        for _ in range(episodes):
            period = rng.randint(4, 11)
            n = max(4, cycles + rng.randint(-cycles // 2, cycles // 2))
            while True:
                start = rand_time(rng, end=ts("2026-11-26T08:00:00Z"))
                if tid == "acme" or "FW" in dev or "MX" in dev:
                    start = start.replace(hour=rng.choice([22, 23, 0, 1, 2, 3]))  # evening circuit trouble
                end = start + minutes(n * (period + 2.5))
                apart = all(end + timedelta(hours=6) < a or start > b + timedelta(hours=6) for a, b in spans)
                if apart and not (QUIET_FROM - timedelta(hours=12) <= start <= QUIET_TO):
                    break
            spans.append((start, end))
            incident, at = inc(tid), start
            for _ in range(n):
                down = rng.uniform(1.0, period * 0.7)
                out.append(
                    _spec(at, kind, dev, msg=msg, res=down, noise="flapping", incident=incident)
                    | {"tenant": tid}
                )
                at += minutes(period + rng.uniform(-1.5, 2.5))
    return out


def _pick_kind(rng: random.Random, tenant: dict, kinds: list[tuple[str, str, float]] = CONDITION_KINDS,
               ) -> tuple[str, str, str]:
    usable = [(k, r, w) for k, r, w in kinds if _usable(tenant, k, r)]
    k, r, _ = rng.choices(usable, weights=[w for _, _, w in usable])[0]
    return k, r, rng.choice(_devices(tenant, r))


def _quiet(tid: str, dev: str, at: datetime, until: datetime | None = None) -> bool:
    return (tid, dev) in QUIET and at <= QUIET_TO and (until or at) >= QUIET_FROM


def _times(rng: random.Random, start: datetime, every: int, stop: datetime) -> list[datetime]:
    """Notification times on the check's schedule, `start` + k * `every` minutes (plus a little
    scheduler jitter that does not accumulate), before `stop`."""
    out = [start]
    jitter = 40 if every <= 60 else 600
    for k in range(1, 10_000):
        at = start + minutes(every * k) + timedelta(seconds=rng.randint(0, jitter))
        if at >= stop or at > END:
            break
        out.append(at.replace(microsecond=0))
    return out


def _business(at: datetime) -> bool:
    return at.weekday() < 5 and 13 <= at.hour < 22


def _next_sweep(at: datetime) -> datetime:
    """The day shift opens the queue at 13:00Z on weekdays; the on-call engineer sweeps it at 01:00Z
    every night and at 15:00Z on weekends."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    for d in range(4):
        base = day + timedelta(days=d)
        for c in (base + timedelta(hours=1), base + timedelta(hours=13 if base.weekday() < 5 else 15)):
            if c > at:
                return c
    raise AssertionError("no sweep within four days")


def acknowledged(rng: random.Random, at: datetime, severity: str) -> datetime:
    """When an engineer acknowledges a notification that fired at `at`: critical alerts page the
    on-call engineer; warnings wait for business hours or the next queue sweep."""
    if severity == "critical":
        return at + minutes(rng.uniform(8, 40))
    if _business(at):
        return at + minutes(rng.uniform(15, 120))
    return _next_sweep(at) + minutes(rng.uniform(5, 45))


def _policy(tenant: dict, kind: str, role: str) -> tuple[int | None, str, tuple[int, int]] | None:
    if kind in NET_SNMP and tenant["sources"]["net"] != "meraki":
        return NET_SNMP[kind]
    if kind not in RENOTIFY:
        return None
    server, ws, stop, hold = RENOTIFY[kind]
    every = ws if role == "ws" else server
    return (every, stop, hold) if every else None


def _start(rng: random.Random, kind: str) -> datetime:
    at = rand_time(rng)
    if kind in ("backup_fail", "backup_warn", "copy_fail"):  # nightly jobs run 00:00-04:00 local
        at = at.replace(hour=rng.randint(4, 8), minute=rng.randint(0, 59))
    elif kind == "patch_fail":  # the nightly patch window
        at = at.replace(hour=rng.randint(6, 8), minute=rng.randint(0, 59))
    return min(at, END)


def conditions(rng: random.Random, inc: Callable[[str], str], busy: Busy) -> list[dict]:
    """Background conditions of every tenant. Each spec carries `_policy`: None (one notification) or
    (interval, "ack"/"fix", fixed-at); alerts.py expands it into notifications once it knows the
    severity. `busy(tenant, device, kind, start, end)` says a ticket, a storm, a flapping check or
    an earlier background condition already reports that problem on that device then: a second
    condition there would be the same problem, so none is made."""
    out = []
    for t in TENANTS:
        tid = t["id"]
        n = 0
        while n < CONDITIONS_PER_TENANT:
            kind, role, dev = _pick_kind(rng, t)
            at = _start(rng, kind)
            policy = _policy(t, kind, role)
            if kind == "lockout" and rng.random() < STALE_LOCKOUT:
                policy = (30, "fix", (60, 360))  # locked out again every 30 min until the phone is updated
            fixed: datetime | None
            if policy:
                every, stop, hold = policy
                fixed = at + minutes(rng.uniform(*hold))
            else:
                every = stop = None
                fixed = None if rng.random() < 0.15 else at + minutes(rng.uniform(8, 2400))
            end = fixed or END
            if _quiet(tid, dev, at, end) or busy(
                tid, dev, kind, at - timedelta(days=1), end + timedelta(days=1)
            ):
                continue
            res = (fixed - at).total_seconds() / 60 if fixed else None
            busy.add(tid, dev, kind, at, end)
            spec = _spec(at, kind, dev, res=res, incident=inc(tid)) | {"tenant": tid}
            spec["_policy"] = (every, stop, fixed) if every else None
            spec["msg"] = fitted_message(rng, t, kind, role, dev, at)
            out.append(spec)
            n += 1
    return out


def blips(rng: random.Random, inc: Callable[[str], str], busy: Busy) -> list[dict]:
    """Blips: a check that fired and cleared within two minutes. Never where the same problem is
    already being reported on that device (that would be part of it, not a blip of its own)."""
    out = []
    for t in TENANTS:
        tid = t["id"]
        blip_kinds = [(k, r, w) for k, r, w in CONDITION_KINDS if k in BLIP_KINDS]
        n = 0
        while n < BLIPS_PER_TENANT:
            kind, role, dev = _pick_kind(rng, t, blip_kinds)
            at = rand_time(rng)
            if _quiet(tid, dev, at) or busy(tid, dev, kind, at - timedelta(hours=2), at + timedelta(hours=2)):
                continue
            busy.add(tid, dev, kind, at, at + minutes(2))
            msg = fitted_message(rng, t, kind, role, dev, at)
            out.append(
                _spec(at, kind, dev, msg=msg, res=rng.uniform(0.4, 2.0), noise="blip", incident=inc(tid))
                | {"tenant": tid}
            )
            n += 1
    return out


def notification_times(
    rng: random.Random, first: dict, policy: tuple
) -> tuple[list[datetime], datetime | None]:
    """Every notification of a condition whose first notification is `first` (until it is fixed, and
    for "ack" checks until someone acknowledges it), and when it is fixed."""
    every, stop, fixed = policy
    if any(j in first["message"] for j in HOURLY_JOBS):
        every = 60  # an hourly job fails every hour; a critical failure that loud is fixed the same day
        fixed = first["at"] + minutes(rng.uniform(120, 600))
    until = fixed or END
    if stop == "ack":
        until = min(until, acknowledged(rng, first["at"], first["severity"]))
    return _times(rng, first["at"], every, until), fixed


def vary(kind: str, msg: str, first_at: datetime, at: datetime, rng: random.Random) -> str:
    """The message of a later notification of the same condition: counters move on (minutes offline,
    days pending, definitions age), readings wobble, the cause stays the same."""
    mins = (at - first_at).total_seconds() / 60
    days = int(mins // 1440)

    def add(pattern: str, delta: int) -> str:
        return re.sub(
            pattern, lambda m: m.group(0).replace(m.group(1), str(int(m.group(1)) + delta), 1), msg, count=1
        )

    if kind == "offline":
        return add(r"checked in for (\d+) min", int(mins))
    if kind == "reboot_pending":
        return add(r"pending for (\d+) days", days)
    if kind == "av_def_fail":
        return add(r"are (\d+) days old", days)
    if kind == "copy_fail":
        return add(r"interval: (\d+) restore points", days)
    if kind == "cpu_high":
        msg = re.sub(r"utilization \d+%", f"utilization {rng.randint(91, 100)}%", msg, count=1)
        return add(r"for (\d+) min", int(mins))
    if kind == "mem_high":
        m = re.search(r"of (\d+) GB", msg)
        p = rng.randint(92, 99)
        tot = int(m.group(1)) if m else 16
        return re.sub(r"usage \d+% \([\d.]+ of", f"usage {p}% ({tot * p / 100:.1f} of", msg, count=1)
    if kind == "disk_low":
        m = re.search(r"free space ([\d.]+) GB", msg)
        if m:
            gb = float(m.group(1)) * max(0.6, 1 - mins / 43200) - rng.random() * 0.05
            return msg.replace(m.group(0), f"free space {max(gb, 0.1):.1f} GB", 1)
        return msg
    if kind == "toner_low":
        return re.sub(r"(\d+)%", lambda m: f"{max(1, int(m.group(1)) - days)}%", msg, count=1)
    if kind == "backup_warn" and "took" in msg:
        return re.sub(r"took \d+h\d+m", f"took {rng.randint(3, 7)}h{rng.randint(0, 59):02d}m", msg, count=1)
    if kind == "svc_stopped":
        return re.sub(r"restart attempt \d of 3", "restart attempt 3 of 3", msg, count=1)
    return msg
