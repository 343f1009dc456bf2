"""Ground-truth labels: incidents per alert, expected packet contents, repeat questions."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from . import alertmanager as am
from .common import END, anchor

PACKET_STATUSES = ("escalated", "in_progress", "resolved")
MAX_PACKETS = 36


def doc_anchors(docs_dir: Path) -> dict[str, set[str]]:
    """Every doc under docs/ and the anchors of its headings (## and deeper)."""
    out = {}
    for p in sorted(docs_dir.rglob("*.md")):
        text = p.read_text(encoding="utf-8")
        heads = re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.M)
        out[p.relative_to(docs_dir).as_posix()] = {anchor(h) for h in heads}
    return out


def incidents(alerts: list[dict], am_incidents: dict[str, tuple[str, str]]) -> list[dict]:
    rows = [
        {
            "source": a["source"],
            "id": a["id"],
            "tenant": a["tenant"],
            "incident": a["_incident"],
            "noise": a["_noise"],
        }
        for a in alerts
    ]
    for aid, (tenant, incident) in am_incidents.items():
        rows.append(
            {"source": "alertmanager", "id": aid, "tenant": tenant, "incident": incident, "noise": None}
        )
    return rows


def am_incident_map(tickets: list[dict], fps: dict[str, str], inc: Callable[[str], str]) -> dict[str, tuple[str, str]]:
    owner = {k: t["_incident"] for t in tickets for k in t["_am"]}
    group_of = {k: tuple(g) for g in am.INCIDENT_GROUPS for k in g}
    made: dict[tuple, str] = {}
    out = {}
    for key in am.ALERTS:
        if key in owner:
            incident = owner[key]
        else:
            g = group_of.get(key, (key,))
            incident = made.setdefault(g, inc("ridgeline"))
        out[am.alert_id(key, fps)] = ("ridgeline", incident)
    return out


def packets(
    tickets: list[dict], alerts: list[dict], fps: dict[str, str], anchors: dict[str, set[str]]
) -> list[dict]:
    by_ticket: dict[str, list[dict]] = {}
    for a in alerts:
        by_ticket.setdefault(a["_incident"], []).append(a)
    rows = []
    for t in sorted(tickets, key=lambda t: int(t["id"])):
        spec = t["_packet"]
        if not spec or t["status"] not in PACKET_STATUSES or not t["notes"]:
            continue
        cutoff = t["escalated_at"] or END
        devices = set(spec.get("devices") or [t["device"]])
        related = [
            a
            for a in by_ticket.get(t["_incident"], [])
            if a["at"] <= cutoff and (spec.get("scope") == "incident" or a["device"] in devices)
        ]
        runbook = []
        for doc, heading in spec["runbook"]:
            slug = anchor(heading)
            if slug not in anchors.get(doc, set()):
                raise ValueError(f"ticket {t['id']}: no heading '{heading}' in {doc}")
            runbook.append({"doc": doc, "anchor": slug})
        for d in spec["client_docs"]:
            if d not in anchors:
                raise ValueError(f"ticket {t['id']}: client doc {d} missing")
        rows.append(
            {
                "ticket": t["id"],
                "tenant": t["tenant"],
                "related_alerts": [[a["source"], a["id"]] for a in related]
                + [["alertmanager", am.alert_id(k, fps)] for k in t["_am"]],
                "runbook": runbook,
                "tried_notes": [n["id"] for n in t["notes"] if n["kind"] == "tried" and n["at"] <= cutoff],
                "asked_notes": [n["id"] for n in t["notes"] if n["kind"] == "ask" and n["at"] <= cutoff],
                "client_docs": list(spec["client_docs"]),
            }
        )
    # hand-written stories first, then generated ones, capped
    rows.sort(
        key=lambda r: (
            next(t["_family"] is not None for t in tickets if t["id"] == r["ticket"]),
            int(r["ticket"]),
        )
    )
    rows = rows[:MAX_PACKETS]
    rows.sort(key=lambda r: int(r["ticket"]))
    return rows


def repeat_questions(tickets: list[dict]) -> list[dict]:
    """Escalated tickets and whether L2 asked the client something L1 had already asked."""
    rows = []
    for t in sorted(tickets, key=lambda t: int(t["id"])):
        if not t["escalated_at"]:
            continue
        before = [n for n in t["notes"] if n["kind"] == "ask" and n["at"] <= t["escalated_at"]]
        after = [n for n in t["notes"] if n["kind"] == "ask" and n["at"] > t["escalated_at"]]
        if t["_repeat"]:
            rows.append(
                {
                    "ticket": t["id"],
                    "tenant": t["tenant"],
                    "repeat": True,
                    "first_ask": before[0]["id"],
                    "repeat_ask": after[0]["id"],
                }
            )
        elif before:
            rows.append(
                {
                    "ticket": t["id"],
                    "tenant": t["tenant"],
                    "repeat": False,
                    "first_ask": before[0]["id"],
                    "repeat_ask": None,
                    "later_asks": [n["id"] for n in after],
                }
            )
    return rows
