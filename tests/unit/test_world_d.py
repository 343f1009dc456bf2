"""World D's labels point at things that exist: notes, alerts, documents and their sections, checklist items.

A typo in a label (a wrong note number, a renamed heading, an item id that is not in the checklists)
would silently count as a packet's mistake in ``bench/eval_packets.py``; these checks catch it first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from bench.eval_packets import half_of
from bench.support.world_d import SOURCE, world_d_labels, write_world_d
from bench.support.world_d_data import DOCS, GLOBAL_RUNBOOKS, TENANTS
from bench.support.world_d_tickets import TICKETS
from retrieval.chunk import AnchorNamer

ROOT = Path(__file__).resolve().parents[2]
_HEADING = re.compile(r"^\s{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")


def _checklist_ids() -> dict[str, set[str]]:
    out = {}
    for path in (ROOT / "bot" / "packets" / "checklists").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        out[data["category"]] = {item["id"] for item in data["items"]}
    return out


def _anchors(body: str) -> set[str]:
    namer = AnchorNamer()
    return {namer(m.group(1)) for line in body.splitlines() if (m := _HEADING.match(line))}


def _tickets() -> dict[str, dict]:
    return {t["id"]: t for t in TICKETS}


def test_every_labelled_note_and_alert_exists_and_is_visible_at_escalation():
    tickets = _tickets()
    for label in world_d_labels():
        t = tickets[label["ticket"]]
        ids = {f"{t['id']}-{i + 1}": note for i, note in enumerate(t["notes"])}
        for note_id in label["tried_notes"] + label["asked_notes"]:
            assert note_id in ids, (t["id"], note_id)
            assert ids[note_id][0] <= t["escalate"], (t["id"], note_id, "written after the escalation")
        for source, alert_id in label["related_alerts"]:
            assert source == SOURCE
            assert int(alert_id.rsplit("-a", 1)[1]) <= len(t["alerts"]), alert_id


def test_every_runbook_and_client_doc_exists_with_its_section():
    client = {f"{tenant}/{path}": body for tenant, docs in DOCS.items() for path, (_meta, body) in docs.items()}
    shared = {f"_global/{dest}" for _src, dest in GLOBAL_RUNBOOKS}
    for label in world_d_labels():
        for r in label["runbook"]:
            if r["doc"] in shared:
                assert r["anchor"] == "*", r  # upstream headings are not in the project: whole document only
            else:
                assert r["doc"] in client, r
                assert r["doc"].startswith(label["tenant"] + "/"), r
                assert r["anchor"] == "*" or r["anchor"] in _anchors(client[r["doc"]]), r
        for doc in label["client_docs"]:
            assert doc in client and doc.startswith(label["tenant"] + "/"), doc


def test_every_unknown_is_a_checklist_item_of_the_ticket_category():
    items = _checklist_ids()
    tickets = _tickets()
    for label in world_d_labels():
        allowed = items[tickets[label["ticket"]]["category"]] | items["_common"]
        assert set(label["unknown"]) <= allowed, (label["ticket"], set(label["unknown"]) - allowed)
        assert len(set(label["unknown"])) == len(label["unknown"]), label["ticket"]


def test_both_halves_have_tickets_and_ids_are_unique():
    labels = world_d_labels()
    halves = [half_of(label) for label in labels]
    assert halves.count("tuning") >= 8 and halves.count("held-out") >= 8, halves
    ids = [t["id"] for t in TICKETS]
    assert len(ids) == len(set(ids))
    assert {t["tenant"] for t in TICKETS} == {t["id"] for t in TENANTS}
    assert any(t["escalate"] is None for t in TICKETS)  # past tickets that look like open ones


def test_the_dataset_folder_holds_every_ticket_and_alert(tmp_path):
    folder = write_world_d(tmp_path / "d", with_shared=False)
    lines = (folder / "tickets.jsonl").read_text().splitlines()
    assert len(lines) == len(TICKETS)
    statuses = {json.loads(x)["id"]: json.loads(x)["status"] for x in lines}
    assert statuses["6401"] == "escalated" and statuses["6301"] == "resolved"
    alerts = (folder / "alerts.jsonl").read_text().splitlines()
    assert len(alerts) == sum(len(t["alerts"]) for t in TICKETS)
    assert (folder / "docs" / "brueckner" / "runbooks" / "standort-vpn.md").exists()
