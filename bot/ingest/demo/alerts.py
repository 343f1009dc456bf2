"""Materialise alert specs (from tickets and noise) into alerts.jsonl records.

Every record keeps `_incident`, `_noise` and `_ticket` for the labels; build.py strips
the underscore fields before writing the public file.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import noise
from .alertkinds import ROLE, make
from .cast import BY_ID
from .common import END, AlertIds, alert_url, iso, minutes
from .outage import outage_alerts


class Incidents:
    """Incident ids, unique across tenants: inc-<tenant>-<nnnn>."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def __call__(self, tenant: str) -> str:
        self.n[tenant] = self.n.get(tenant, 0) + 1
        return f"inc-{tenant}-{self.n[tenant]:04d}"


def _record(rng: random.Random, ids: AlertIds, tenant: dict, spec: dict, incident: str, ticket: str | None) -> dict:
    kind = spec["kind"]
    role = ROLE.get(kind, "rmm") if kind else "rmm"
    source = tenant["sources"].get(role) or tenant["sources"]["rmm"]
    if kind:
        check, sev, msg = make(kind, rng, tenant, spec["device"], spec["at"])
    else:
        check, sev, msg = "Event log", "warning", ""
    aid = ids.next(source)
    at = spec["at"].replace(microsecond=0)
    res = spec.get("res")
    return {
        "id": aid,
        "tenant": tenant["id"],
        "device": spec["device"],
        "source": source,
        "check": spec.get("check") or check,
        "severity": spec.get("sev") or sev,
        "message": spec.get("msg") or msg,
        "at": at,
        "resolved_at": (at + minutes(res)).replace(microsecond=0) if res is not None else None,
        "url": alert_url(source, tenant["id"], aid),
        "_incident": incident,
        "_noise": spec.get("noise"),
        "_ticket": ticket,
        "_kind": kind,
    }


def _with_dups(rng: random.Random, ids: AlertIds, rec: dict, n: int) -> list[dict]:
    """The original plus n exact re-sends a few minutes apart (new ids, same content)."""
    out = [rec]
    for i in range(n):
        dup = dict(rec)
        dup["at"] = rec["at"] + timedelta(seconds=rng.randint(60, 420) * (i + 1))
        if rec["resolved_at"] is not None and dup["at"] >= rec["resolved_at"]:
            dup["at"] = (rec["at"] + (rec["resolved_at"] - rec["at"]) / 2).replace(microsecond=0)
        dup["id"] = ids.next(rec["source"])
        dup["url"] = alert_url(rec["source"], rec["tenant"], dup["id"])
        dup["_noise"] = "duplicate"
        out.append(dup)
    return out


def _repeat(rng: random.Random, ids: AlertIds, first: dict, at: datetime) -> dict:
    """A later notification of the condition `first` reported: a new id, the counters moved on."""
    r = dict(first)
    r["at"] = at
    r["id"] = ids.next(first["source"])
    r["url"] = alert_url(first["source"], first["tenant"], r["id"])
    r["message"] = noise.vary(first["_kind"], first["message"], first["at"], at, rng)
    r["_noise"] = "repeat"
    return r


# Alert kinds that are one problem when they fire on one device together (a DC's replication, DNS
# and time alerts; a backup job's failures and warnings; a circuit's VPN and WAN alerts; a printer's
# status checks, which cannot read the toner of a printer that does not answer; a pending reboot and
# the updates it blocks).
FAMILIES = [
    {"ad_repl", "dns_dc", "time_skew", "kcc"},
    {"backup_fail", "backup_warn", "copy_fail", "repo_space"},
    {"vpn_down", "wan_loss", "uplink_failover", "port_flap"},
    {"printer_offline", "spooler_crash", "toner_low"},
    {"patch_fail", "reboot_pending"},
]


class Busy:
    """What a ticket, a storm or a flapping check already reports on a device, and when: a background
    condition of the same family there and then would be the same problem, not a new incident."""

    def __init__(self, alerts: list[dict]):
        self.spans: dict[tuple, list[tuple]] = {}
        for a in alerts:
            self.add(a["tenant"], a["device"], a["_kind"], a["at"], a["resolved_at"] or END)

    def add(self, tenant: str, device: str, kind: str | None, lo: datetime, hi: datetime) -> None:
        for k in self._family(kind):
            self.spans.setdefault((tenant, device, k), []).append((lo, hi))

    @staticmethod
    def _family(kind: str | None) -> set:
        if kind is None:
            return set()
        return next((f for f in FAMILIES if kind in f), {kind})

    def __call__(self, tenant: str, device: str, kind: str, lo: datetime, hi: datetime) -> bool:
        return any(
            a <= hi and b >= lo
            for k in self._family(kind)
            for a, b in self.spans.get((tenant, device, k), [])
        )


def build_alerts(
    tickets: list[dict], rng: random.Random, noise_rng: random.Random
) -> tuple[list[dict], Incidents]:
    ids, inc = AlertIds(rng), Incidents()
    out: list[dict] = []
    storm_specs = noise.storms(rng, inc)
    claimed: dict[str, str] = {}
    for t in sorted(tickets, key=lambda t: int(t["id"])):
        tenant = BY_ID[t["tenant"]]
        t["_incident"] = inc(t["tenant"]) if (t["_alerts"] or t["_storm"] or t["_am"]) else None
        if t["_storm"]:
            claimed[t["_storm"]] = t["_incident"]
        for spec in t["_alerts"]:
            rec = _record(rng, ids, tenant, spec, t["_incident"], t["id"])
            if rec["resolved_at"] is None and t["status"] in ("resolved", "closed"):
                last = max(n["at"] for n in t["notes"] if n["kind"] == "res")
                rec["resolved_at"] = (last - minutes(rng.randint(1, 30))).replace(microsecond=0)
                if rec["resolved_at"] <= rec["at"]:
                    rec["resolved_at"] = rec["at"] + minutes(rng.randint(5, 60))
            for r in _with_dups(rng, ids, rec, spec.get("dup", 0)):
                if (
                    rec["at"] < t["created"] <= r["at"]
                ):  # a re-send of a pre-ticket alert stays before the ticket
                    r["at"] = rec["at"] + (t["created"] - rec["at"]) / 2
                    r["at"] = r["at"].replace(microsecond=0)
                out.append(r)
    first_waves: dict[str, list[list[dict]]] = {}
    for key, (tid, specs) in storm_specs.items():
        tenant = BY_ID[tid]
        for spec in specs:
            incident = claimed.get(key, spec["_incident"])
            rec = _record(rng, ids, tenant, spec, incident, None)
            group = _with_dups(rng, ids, rec, spec["dup"])
            first_waves.setdefault(key, []).append(group)
            out.extend(group)

    # Background noise draws from its own rng from here on, so changing it never moves a ticket's
    # alerts (ids and messages above come from the main rng).
    rng = ids.rng = noise_rng
    for key, groups in first_waves.items():
        if key in claimed:
            continue  # a ticket's storm stays exactly as its story tells it
        for (rec, times, fixed), group in zip(
            noise.storm_repeats(rng, key, [g[0] for g in groups]), groups, strict=False
        ):
            res = fixed.replace(microsecond=0) if fixed <= END else None
            for r in group:
                r["resolved_at"] = res
            for at in times:
                out.extend(_with_dups(rng, ids, _repeat(rng, ids, rec, at), _dup(rng)))
    for spec in noise.flaps(rng, inc):
        out.append(_record(rng, ids, BY_ID[spec["tenant"]], spec, spec["_incident"], None))
    busy = Busy(out)
    for spec in noise.conditions(rng, inc, busy):
        rec = _record(rng, ids, BY_ID[spec["tenant"]], spec, spec["_incident"], None)
        notes = [rec]
        if spec["_policy"]:
            times, fixed_at = noise.notification_times(rng, rec, spec["_policy"])
            rec["resolved_at"] = fixed_at.replace(microsecond=0) if fixed_at else None
            notes += [_repeat(rng, ids, rec, at) for at in times[1:]]
        for r in notes:
            out.extend(_with_dups(rng, ids, r, _dup(rng)))
    for spec in noise.blips(rng, inc, busy):
        out.append(_record(rng, ids, BY_ID[spec["tenant"]], spec, spec["_incident"], None))
    # Added last, without any random draw that matters: nothing above moves (bot/ingest/demo/outage.py).
    out.extend(outage_alerts(ids))
    out = [a for a in out if a["at"] <= END]
    for a in out:
        if a["resolved_at"] is not None and a["resolved_at"] > END:
            a["resolved_at"] = None
    out.sort(key=lambda a: (a["at"], a["source"], a["id"]))
    return out, inc


def _dup(rng: random.Random) -> int:
    return 1 if rng.random() < noise.DUP_RATE else 0


def public(a: dict) -> dict:
    return {k: (iso(v) if k in ("at", "resolved_at") else v) for k, v in a.items() if not k.startswith("_")}
