"""Write world B (``world_b_data.py``) as a dataset folder, and its labels.

The shared runbooks are read from ``../shared/data/runbooks`` at build time and
written into the temporary dataset folder only (never into the project);
``world_b_labels`` needs no shared data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bench.support.shared_data import shared_path
from bench.support.world_b_data import DOCS, GLOBAL_RUNBOOKS, LATE_TICKETS, TENANTS, TICKETS

ALL_TICKETS = [*TICKETS, *LATE_TICKETS]

SOURCE = "rmm-b"


def _at(day: str, minutes: float) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(minutes=minutes)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _front(meta: dict[str, Any], body: str) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body.lstrip("\n")


def _shared_front(text: str) -> str:
    """Upstream front matter is not always valid YAML: keep its title only, mark the file a runbook."""
    title = None
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end > 0:
            for line in text[4:end].splitlines():
                if line.startswith("title:"):
                    title = line[6:].strip().strip("'\"")
            text = text[end + 5:]
    meta: dict[str, Any] = {"kind": "runbook"}
    if title:
        meta["title"] = title
    return _front(meta, text)


def write_world_b(target: Path, *, with_shared: bool = True) -> Path:
    """The dataset folder of world B in ``target``; without the shared data its ``_global`` is empty."""
    return write_world(target, tenants=TENANTS, docs=DOCS, global_runbooks=GLOBAL_RUNBOOKS, tickets=ALL_TICKETS,
                       source=SOURCE, host="world-b.example", with_shared=with_shared)


def write_world(target: Path, *, tenants: list[dict[str, Any]], docs: dict[str, Any], tickets: list[dict[str, Any]],
                global_runbooks: list[tuple[str, str]], source: str, host: str, with_shared: bool = True) -> Path:
    """A labelled world (world B's or world C's data modules) written as a dataset folder in ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    (target / "tenants.yaml").write_text(yaml.safe_dump({"tenants": tenants}, sort_keys=False))
    tickets_out, alerts = [], []
    for t in tickets:
        opened = _at(t["day"], 0)
        notes = [{"id": f"{t['id']}-{i + 1}", "at": _iso(_at(t["day"], m)), "author": who, "visibility": vis,
                  "text": text} for i, (m, who, vis, text, _role) in enumerate(t["notes"])]
        resolved = t.get("resolve")
        tickets_out.append({
            "id": t["id"], "tenant": t["tenant"], "title": t["title"], "description": t["description"],
            "status": "escalated" if t["escalate"] is not None else "resolved", "priority": "P2",
            "category": t["category"], "device": t["device"], "contact": t["contact"], "created_at": _iso(opened),
            "escalated_at": _iso(_at(t["day"], t["escalate"])) if t["escalate"] is not None else None,
            "resolved_at": _iso(_at(t["day"], resolved)) if resolved else None,
            "url": f"https://psa.{host}/tickets/{t['id']}", "notes": notes,
        })
        for i, (m, device, check, message, _related) in enumerate(t["alerts"]):
            alerts.append({"id": f"{t['id']}-a{i + 1}", "tenant": t["tenant"], "device": device, "source": source,
                           "check": check, "severity": "critical", "message": message,
                           "at": _iso(_at(t["day"], m)), "url": f"https://rmm.{host}/a/{t['id']}-a{i + 1}"})
    (target / "tickets.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tickets_out))
    (target / "alerts.jsonl").write_text("".join(json.dumps(a) + "\n" for a in alerts))
    for tenant, tenant_docs in docs.items():
        for path, (meta, body) in tenant_docs.items():
            out = target / "docs" / tenant / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_front(meta, body))
    runbooks = shared_path("runbooks")
    if with_shared and runbooks is not None:
        for upstream, dest in global_runbooks:
            src = runbooks / upstream
            if src.exists():
                out = target / "docs" / "_global" / dest
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(_shared_front(src.read_text(encoding="utf-8")))
    return target


def world_b_labels() -> list[dict[str, Any]]:
    """Labels of world B's escalated tickets, in the demo's format plus ``unknown``."""
    return world_labels(ALL_TICKETS, SOURCE)


def world_labels(tickets: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    """Labels of a world's escalated tickets, in the demo's format plus ``unknown``."""
    out = []
    for t in tickets:
        if t["escalate"] is None:
            continue
        roles = {f"{t['id']}-{i + 1}": note[4] for i, note in enumerate(t["notes"])}
        out.append({
            "ticket": t["id"], "tenant": t["tenant"],
            "related_alerts": [[source, f"{t['id']}-a{i + 1}"] for i, a in enumerate(t["alerts"]) if a[4]],
            "runbook": [{"doc": d, "anchor": a} for d, a in t["runbook"]],
            "tried_notes": [n for n, r in roles.items() if r == "tried"],
            "asked_notes": [n for n, r in roles.items() if r == "asked"],
            "client_docs": list(t["client_docs"]),
            "unknown": list(t["unknown"]),
            **({"half": t["half"]} if "half" in t else {}),
        })
    return out
