"""Sanity checks for the demo dataset: `python -m bot.ingest.demo.validate`.

Checks the format rules of DATASET.md that the demo relies on and prints a summary.
Exits non-zero on the first list of problems.
"""

from __future__ import annotations

import collections
import json
import re
import sys
from datetime import datetime
from pathlib import Path

import yaml

from .common import anchor

HERE = Path(__file__).resolve().parent
MSP, LABELS = HERE / "msp", HERE / "labels"
STATUSES = {"new", "in_progress", "escalated", "resolved", "closed"}
CATEGORIES = {"active-directory", "backup", "network", "m365", "endpoint", "printing"}


def _time(v: str, where: str, errors: list[str]) -> datetime | None:
    try:
        if not v.endswith("Z"):
            errors.append(f"{where}: time without Z: {v}")
        return datetime.fromisoformat(v.replace("Z", "+00:00"))
    except Exception:  # noqa: BLE001
        errors.append(f"{where}: bad time {v!r}")
        return None


def _jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            errors.append(f"{path.name}:{i}: {e}")
    return rows


def main() -> int:
    errors: list[str] = []
    tenants = {t["id"] for t in yaml.safe_load((MSP / "tenants.yaml").read_text())["tenants"]}
    assert "_global" not in tenants
    tickets = _jsonl(MSP / "tickets.jsonl", errors)
    alerts = _jsonl(MSP / "alerts.jsonl", errors)
    seen_t, seen_n, seen_a = set(), set(), set()
    for t in tickets:
        w = f"ticket {t.get('id')}"
        for f in ("id", "tenant", "title", "status", "created_at"):
            if not t.get(f):
                errors.append(f"{w}: missing {f}")
        if not re.fullmatch(r"\d+", t["id"]) or t["id"] in seen_t:
            errors.append(f"{w}: bad or duplicate id")
        seen_t.add(t["id"])
        if t["tenant"] not in tenants or t["status"] not in STATUSES or t["category"] not in CATEGORIES:
            errors.append(f"{w}: bad tenant/status/category")
        created = _time(t["created_at"], w, errors)
        for f in ("escalated_at", "resolved_at"):
            when = _time(t[f], w, errors) if t[f] else None
            if when and created and when < created:
                errors.append(f"{w}: {f} before created_at")
        if t["status"] in ("resolved", "closed") and not t["resolved_at"]:
            errors.append(f"{w}: {t['status']} without resolved_at")
        if t["status"] == "escalated" and not t["escalated_at"]:
            errors.append(f"{w}: escalated without escalated_at")
        for n in t["notes"]:
            if n["id"] in seen_n or n["visibility"] not in ("internal", "customer"):
                errors.append(f"{w}: note {n['id']} duplicate or bad visibility")
            seen_n.add(n["id"])
            at = _time(n["at"], n["id"], errors)
            if at and created and at < created:
                errors.append(f"{w}: note {n['id']} before the ticket")
    for a in alerts:
        w = f"alert {a.get('source')}/{a.get('id')}"
        for f in ("id", "tenant", "message", "at"):
            if not a.get(f):
                errors.append(f"{w}: missing {f}")
        if (a["source"], a["id"]) in seen_a:
            errors.append(f"{w}: duplicate id")
        seen_a.add((a["source"], a["id"]))
        if a["tenant"] not in tenants or a["severity"] not in ("critical", "warning", "info"):
            errors.append(f"{w}: bad tenant/severity")
        at = _time(a["at"], w, errors)
        res = _time(a["resolved_at"], w, errors) if a["resolved_at"] else None
        if res and at and res < at:
            errors.append(f"{w}: resolved before it fired")
    am_ids = set()
    for p in sorted((MSP / "alertmanager").glob("*.json")):
        body = json.loads(p.read_text())
        if body.get("version") != "4":
            errors.append(f"{p.name}: version")
        for a in body["alerts"]:
            if a["labels"].get("tenant") not in tenants or not re.fullmatch(
                r"[0-9a-f]{16}", a["fingerprint"]
            ):
                errors.append(f"{p.name}: tenant label / fingerprint")
            am_ids.add(("alertmanager", f"{a['fingerprint']}@{a['startsAt']}"))
    docs = {}
    for p in sorted((MSP / "docs").rglob("*.md")):
        rel = p.relative_to(MSP / "docs").as_posix()
        text = p.read_text(encoding="utf-8")
        fm = yaml.safe_load(text.split("---")[1])
        if (
            rel.split("/")[0] not in tenants | {"_global"}
            or fm.get("kind") not in ("runbook", "client-note", "kb")
            or not fm.get("url")
        ):
            errors.append(f"doc {rel}: folder/kind/url")
        docs[rel] = {anchor(h) for h in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.M)}
    inc = _jsonl(LABELS / "incidents.jsonl", errors)
    ids_in_labels = {(r["source"], r["id"]) for r in inc}
    if ids_in_labels != seen_a | am_ids:
        errors.append(
            f"incidents.jsonl: {len(ids_in_labels ^ (seen_a | am_ids))} alerts differ from the data"
        )
    inc_tenant: dict[str, str] = {}
    for r in inc:
        if inc_tenant.setdefault(r["incident"], r["tenant"]) != r["tenant"]:
            errors.append(f"incident {r['incident']} spans tenants")
    notes_by_id = {n["id"]: (t["tenant"], n) for t in tickets for n in t["notes"]}
    tenant_of_alert = {(a["source"], a["id"]): a["tenant"] for a in alerts}
    tenant_of_alert.update({k: "ridgeline" for k in am_ids})
    packets = _jsonl(LABELS / "packets.jsonl", errors)
    for pk in packets:
        w = f"packet {pk['ticket']}"
        for s, i in pk["related_alerts"]:
            if tenant_of_alert.get((s, i)) != pk["tenant"]:
                errors.append(f"{w}: alert {s}/{i} missing or other tenant")
        for nid in pk["tried_notes"] + pk["asked_notes"]:
            if notes_by_id.get(nid, ("?",))[0] != pk["tenant"]:
                errors.append(f"{w}: note {nid} missing or other tenant")
        for rb in pk["runbook"]:
            if rb["anchor"] not in docs.get(rb["doc"], set()):
                errors.append(f"{w}: anchor {rb}")
        for d in pk["client_docs"]:
            if d not in docs or d.split("/")[0] != pk["tenant"]:
                errors.append(f"{w}: client doc {d}")
    t4412 = next((t for t in tickets if t["id"] == "4412"), {})
    expect = {
        "tenant": "acme",
        "device": "DC01",
        "category": "active-directory",
        "status": "escalated",
        "priority": "P2",
        "created_at": "2026-11-24T02:03:00Z",
        "escalated_at": "2026-11-24T02:41:00Z",
    }
    if any(t4412.get(k) != v for k, v in expect.items()):
        errors.append("ticket 4412 does not match the brief")
    if "patch" in json.dumps(t4412).lower():
        errors.append("ticket 4412 must not say anything about the patch window")
    dc01_tenants = {
        a["tenant"] for a in alerts if a["device"] == "DC01" and "2026-11-24T00" <= a["at"] <= "2026-11-24T04"
    }
    if dc01_tenants != {"acme", "ridgeline"}:
        errors.append("both DC01s should alert around 2026-11-24 02:00Z")
    if errors:
        print("\n".join(errors[:50]))
        return 1
    c = collections.Counter
    print(
        f"tenants {len(tenants)}; tickets {len(tickets)}; notes {len(seen_n)}; alerts {len(alerts)}; "
        f"alertmanager alerts {len(am_ids)}; docs {len(docs)}; packets {len(packets)}; incidents {len(set(inc_tenant))}"
    )
    print("status", dict(c(t["status"] for t in tickets)))
    print("category", dict(c(t["category"] for t in tickets)))
    print("tenant", dict(c(t["tenant"] for t in tickets)))
    print("reopened", sum(1 for t in tickets if t["reopened_count"]))
    print("alerts by source", dict(c(a["source"] for a in alerts)))
    print("alerts by month", dict(sorted(c(a["at"][:7] for a in alerts).items())))
    print("noise", dict(c(r["noise"] for r in inc)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
