"""Background alert noise: storms, flapping checks, blips and everyday single alerts.

Returns alert specs (the same shape tickets use) with `_incident` keys and `noise`
set; alerts.py gives them ids and turns duplicates into extra re-sends.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from .alertkinds import ROLE
from .cast import TENANTS
from .common import minutes, rand_time, ts

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
    },
]

# Flapping checks: (tenant, device, kind, message or None, episodes, typical cycles)
FLAPS = [
    (
        "acme",
        "ACME-ELM-MX",
        "vpn_down",
        "VPN connectivity change: Auto VPN peer ACME-HQ-MX unreachable",
        5,
        8,
    ),
    ("ridgeline", "RL-HQ-FW01", "vpn_down", "IPsec tunnel to 198.51.100.77 down (IKE phase 1 timeout)", 5, 9),
    ("ridgeline", "RL-PLT-WS05", "offline", None, 3, 10),
    ("tidewater", "TW-NG-MX", "wan_loss", None, 4, 9),
    ("harbor-law", "HF-LT-023", "offline", None, 4, 10),
    ("beacon-cpa", "BR-RDS01", "cpu_high", None, 4, 8),
    ("stmarks", "SMA-MR-LIB", "ap_offline", None, 4, 9),
]

BLIP_KINDS = ["offline", "cpu_high", "wan_loss", "port_flap", "svc_stopped", "mem_high"]

# kind -> (device role, weight) for everyday single alerts
SINGLE_KINDS = [
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
    ("svc_stopped", "ws", 1),
    ("disk_low", "server", 1.5),
    ("cpu_high", "server", 1.5),
    ("svc_stopped", "server", 1.5),
    ("patch_fail", "server", 0.8),
    ("reboot_pending", "server", 0.8),
    ("event_disk", "server", 0.3),
    ("lockout", "dc", 2),
    ("ad_repl", "dc", 0.3),
    ("dns_dc", "dc", 0.3),
    ("time_skew", "dc", 0.3),
    ("kcc", "dc", 0.2),
    ("backup_warn", "backup", 1.5),
    ("backup_fail", "backup", 0.7),
    ("repo_space", "nas", 0.3),
    ("copy_fail", "backup", 0.3),
    ("wan_loss", "fw", 2),
    ("vpn_down", "fw", 0.5),
    ("uplink_failover", "fw", 0.4),
    ("port_flap", "fw", 1),
    ("printer_offline", "printer", 1.5),
    ("toner_low", "printer", 2),
    ("impossible_travel", "ws", 0.25),
    ("ap_offline", "ap", 1.5),
]
SINGLES_PER_TENANT = 215
BLIPS_PER_TENANT = 42

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


def _spec(at, kind, device, *, msg=None, res=None, noise=None, dup=0, incident=None, sev=None):
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


def storms(rng: random.Random, inc) -> dict[str, tuple[str, list[dict]]]:
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


def flaps(rng: random.Random, inc) -> list[dict]:
    out = []
    for tid, dev, kind, msg, episodes, cycles in FLAPS:
        for _ in range(episodes):
            while True:
                start = rand_time(rng, end=ts("2026-11-26T08:00:00Z"))
                if tid == "acme" or "FW" in dev:
                    start = start.replace(hour=rng.choice([22, 23, 0, 1, 2, 3]))  # evening circuit trouble
                if not (QUIET_FROM - timedelta(hours=6) <= start <= QUIET_TO):
                    break
            incident, period = inc(tid), rng.randint(4, 11)
            at = start
            for _ in range(max(3, cycles + rng.randint(-4, 6))):
                down = rng.uniform(1.0, period * 0.7)
                out.append(
                    _spec(at, kind, dev, msg=msg, res=down, noise="flapping", incident=incident)
                    | {"tenant": tid}
                )
                at += minutes(period + rng.uniform(-1.5, 2.5))
    return out


def _pick_kind(rng: random.Random, tenant: dict, kinds=SINGLE_KINDS):
    usable = [(k, r, w) for k, r, w in kinds if _usable(tenant, k, r)]
    k, r, _ = rng.choices(usable, weights=[w for _, _, w in usable])[0]
    return k, rng.choice(_devices(tenant, r))


def _quiet(tid: str, dev: str, at: datetime) -> bool:
    return (tid, dev) in QUIET and QUIET_FROM <= at <= QUIET_TO


def singles_and_blips(rng: random.Random, inc) -> list[dict]:
    out = []
    for t in TENANTS:
        tid = t["id"]
        n = 0
        while n < SINGLES_PER_TENANT:
            kind, dev = _pick_kind(rng, t)
            at = rand_time(rng)
            if _quiet(tid, dev, at):
                continue
            res = None if rng.random() < 0.15 else rng.uniform(8, 2400)
            out.append(
                _spec(at, kind, dev, res=res, incident=inc(tid), dup=1 if rng.random() < 0.07 else 0)
                | {"tenant": tid}
            )
            n += 1
        blip_kinds = [(k, r, w) for k, r, w in SINGLE_KINDS if k in BLIP_KINDS]
        n = 0
        while n < BLIPS_PER_TENANT:
            kind, dev = _pick_kind(rng, t, blip_kinds)
            at = rand_time(rng)
            if _quiet(tid, dev, at):
                continue
            out.append(
                _spec(at, kind, dev, res=rng.uniform(0.4, 2.0), noise="blip", incident=inc(tid))
                | {"tenant": tid}
            )
            n += 1
    return out


def end_of_period(at: datetime) -> bool:
    return at > datetime(2026, 11, 26, 18, tzinfo=UTC)
