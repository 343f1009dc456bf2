"""Precision per confidence label and recall per section of the escalation packet, tuning half vs held-out half.

    python bench/eval_packets.py [--json] [--world demo|b|both] [--work DIR]

Two labelled worlds: the demo MSP (``bot/ingest/demo/labels/packets.jsonl``) and
world B (``bench/support/world_b_data.py``, written apart from the demo, with
public runbooks from ``../shared/data`` as its shared runbooks). Each is split
in two by ticket number (``half_of``): the formulas and the runbook floor in
``bot/packets/confidence.py`` were tuned looking at the tuning half only; the
held-out half is what the targets are judged on.

For each ticket the packet is built as it would have been at escalation time and
every claim of a labelled section is marked right or wrong:

- alerts: right when at least half of the alerts it cites are labelled related;
- runbook: right when the cited section is a labelled one (``*``: any section of
  that document), or a section of a client document the label lists; the "no
  runbook matches" claim is right when the label has no runbook;
- tried / asked: right when the cited note is a labelled tried / asked note;
- client: right when the cited document is a labelled client document;
- unknown (world B only): right when the checklist item is labelled unknown.

Recall: the share of labelled items the packet shows (alerts, tried, asked,
unknown; runbook: the first labelled section among those shown, or "none" when
the label has none; client: a labelled client document shown).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zlib
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.cli.commands.demo import demo_folder  # noqa: E402
from bench.support.world_b import world_b_labels, write_world_b  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.db import store  # noqa: E402
from bot.ingest.loader import ingest_folder  # noqa: E402
from bot.packets import confidence  # noqa: E402
from bot.packets.builder import build_packet  # noqa: E402
from bot.packets.model import Claim, Packet  # noqa: E402

LABELS = ROOT / "bot" / "ingest" / "demo" / "labels" / "packets.jsonl"
DEMO_END = datetime(2026, 11, 27, tzinfo=UTC)
SCORED = ("alerts", "runbook", "tried", "asked", "client", "unknown")


def half_of(label: dict[str, Any]) -> str:
    """``tuning`` or ``held-out``, fixed per ticket id (a hash, so neither world's numbering decides it);
    a label may fix it (world B's tickets written after the tuning are always held out)."""
    return label.get("half") or ("tuning" if zlib.crc32(label["ticket"].encode()) % 2 == 0 else "held-out")


def _runbook_right(source: Any, label: dict[str, Any]) -> bool:
    doc, _, anchor = source.id.partition("#")
    for r in label["runbook"]:
        if r["doc"] == f"{source.tenant}/{doc}" and r["anchor"] in (anchor, "*"):
            return True
    # A client's own document the label lists among those a good packet cites is right here too.
    return source.tenant != "_global" and f"{source.tenant}/{doc}" in label["client_docs"]


def judge(claim: Claim, label: dict[str, Any]) -> bool | None:
    """Is this claim right according to the label? None when its section is not labelled."""
    if claim.section == "alerts":
        related = {f"{src}:{ext}" for src, ext in label["related_alerts"]}
        cited = [s.id for s in claim.sources if s.kind == "alert"]
        return bool(cited) and sum(c in related for c in cited) * 2 >= len(cited)
    if claim.section == "runbook":
        if not any(s.kind == "doc" for s in claim.sources):
            return not label["runbook"]  # "no runbook matches this ticket well enough"
        return any(_runbook_right(s, label) for s in claim.sources if s.kind == "doc")
    if claim.section == "tried":
        return any(s.id in label["tried_notes"] for s in claim.sources if s.kind == "note")
    if claim.section == "asked":
        return claim.sources[0].id in label["asked_notes"]
    if claim.section == "client":
        return any(f"{s.tenant}/{s.id.split('#')[0]}" in label["client_docs"] for s in claim.sources if s.kind == "doc")
    if claim.section == "unknown" and "unknown" in label:
        items = [s.id.split("/")[-1] for s in claim.sources if s.kind == "checklist"]
        return bool(items) and items[0] in label["unknown"] if items else None
    return None


def recall(packet: Packet, label: dict[str, Any], alert_keys: set[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    cited = {s.kind + ":" + s.id for c in packet.claims for s in c.sources}
    if label["related_alerts"]:
        expected = {f"{src}:{ext}" for src, ext in label["related_alerts"]}
        out["alerts"] = len(expected & alert_keys) / len(expected)
    for section, key in (("tried", "tried_notes"), ("asked", "asked_notes")):
        if label[key]:
            out[section] = len({f"note:{n}" for n in label[key]} & cited) / len(label[key])
    runbook_sources = [s for c in packet.section("runbook") for s in c.sources if s.kind == "doc"]
    if label["runbook"]:
        out["runbook"] = float(any(_runbook_right(s, label) for s in runbook_sources))
    else:
        out["runbook (none)"] = float(not any(c.confidence.label != "low" for c in packet.section("runbook")
                                              if any(s.kind == "doc" for s in c.sources)))
    shown_docs = {f"{s.tenant}/{s.id.split('#')[0]}" for c in packet.claims if c.section in ("client", "runbook")
                  for s in c.sources if s.kind == "doc"}
    if label["client_docs"]:
        out["client"] = float(bool(shown_docs & set(label["client_docs"])))
    if label.get("unknown"):
        shown = {s.id.split("/")[-1] for c in packet.section("unknown") for s in c.sources if s.kind == "checklist"}
        out["unknown"] = len(set(label["unknown"]) & shown) / len(label["unknown"])
    return out


def evaluate(core: Core, labels: list[dict[str, Any]], *, end: datetime = DEMO_END) -> dict[str, Any]:
    """Per half: claims and share right per label, per section and label, and recall per section."""
    by_label: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    by_section: dict[str, dict[str, dict[str, list[bool]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    recalls: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    floor_points: list[tuple[float, bool]] = []
    with core.session() as session:
        for label in labels:
            half = half_of(label)
            ticket = store.find_ticket(session=session, ticket_id=label["ticket"])
            assert ticket.tenant_id == label["tenant"]
            as_of = ticket.escalated_at or ticket.resolved_at or end
            packet = build_packet(session=session, ticket=ticket, as_of=as_of, retriever=core.retriever)
            for claim in packet.claims:
                verdict = judge(claim, label)
                if verdict is None:
                    continue
                by_label[half][claim.confidence.label].append(verdict)
                by_section[half][claim.section][claim.confidence.label].append(verdict)
            alert_keys = {f"{a.source}:{a.external_id}" for c in packet.claims if c.section == "alerts"
                          for s in c.sources if s.kind == "signal" for a in _signal_alerts(session, s)}
            for section, value in recall(packet, label, alert_keys).items():
                recalls[half][section].append(value)
            if half == "tuning":
                floor_points += runbook_points(session, ticket, as_of, core, label)

    def rate(v: list[bool]) -> dict[str, Any]:
        return {"claims": len(v), "correct": round(sum(v) / len(v), 3) if v else None}

    return {"floor_points": floor_points, **{half: {
        "tickets": sum(half_of(lb) == half for lb in labels),
        "by_label": {k: rate(v) for k, v in sorted(by_label[half].items())},
        "by_section": {sec: {k: rate(v) for k, v in sorted(d.items())} for sec, d in sorted(by_section[half].items())},
        "recall": {k: round(sum(v) / len(v), 3) for k, v in sorted(recalls[half].items())},
    } for half in ("tuning", "held-out")}}


def runbook_points(session: Any, ticket: Any, as_of: datetime, core: Core, label: dict[str, Any]) -> list[tuple[float, bool]]:
    """(score, right) of each runbook the packet would show without a floor: what the floor is fitted on."""
    saved = confidence.RUNBOOK_FLOOR
    confidence.RUNBOOK_FLOOR = 0.0
    try:
        packet = build_packet(session=session, ticket=ticket, as_of=as_of, retriever=core.retriever)
    finally:
        confidence.RUNBOOK_FLOOR = saved
    return [(c.confidence.score, bool(judge(c, label))) for c in packet.section("runbook")
            if any(s.kind == "doc" for s in c.sources)]


def fit_floor(points: list[tuple[float, bool]]) -> float:
    """The floor that keeps the most right runbook claims and drops the most wrong ones (ties: the lower)."""
    candidates = sorted({0.0, *(score for score, _ in points)})
    def kept_right(t: float) -> int:
        return sum(1 for score, right in points if (score >= t) == right)
    return max(candidates, key=lambda t: (kept_right(t), -t))


def _signal_alerts(session: Any, source: Any) -> list[Any]:
    from sqlmodel import select

    from bot.db.models import Alert

    return list(session.exec(select(Alert).where(Alert.tenant_id == source.tenant,
                                                 Alert.signal_id == int(source.id))))


def run_world(world: str, work: Path | None = None) -> dict[str, Any]:
    # ``--work``: a rerun reuses the imported world and its index (what a query-side change is measured on).
    tmp = work / world if work else Path(tempfile.mkdtemp(prefix=f"handoff-eval-{world}-"))
    if world == "demo":
        folder, labels = demo_folder(), [json.loads(x) for x in LABELS.read_text().splitlines() if x.strip()]
    else:
        folder, labels = write_world_b(tmp / "dataset"), world_b_labels()
    core = Core(Settings(data_dir=tmp / "data"))
    try:
        summary = ingest_folder(folder, engine=core.engine)
        assert summary.ok, summary.errors[:3]
        core.retriever.sync(engine=core.engine, progress=False)
        return evaluate(core, labels)
    finally:
        core.close()


def print_world(world: str, result: dict[str, Any]) -> None:
    print(f"== {world}")
    for half in ("tuning", "held-out"):
        r = result[half]
        cells = "  ".join(f"{k} {v['claims']}/{v['correct']:.3f}" for k, v in r["by_label"].items())
        print(f"  {half:<9} {r['tickets']:>2} tickets  precision per label (claims/right): {cells}")
        for section, rows in r["by_section"].items():
            cells = "  ".join(f"{k} {v['claims']}/{v['correct']:.2f}" for k, v in rows.items())
            print(f"      {section:<8} {cells}")
        print("      recall: " + ", ".join(f"{k} {v:.3f}" for k, v in r["recall"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--world", choices=("demo", "b", "both"), default="both")
    parser.add_argument("--work", type=Path, help="keep each world's data here (a rerun indexes nothing new)")
    args = parser.parse_args()
    worlds = ["demo", "b"] if args.world == "both" else [args.world]
    results = {w: run_world(w, args.work) for w in worlds}
    points = [p for r in results.values() for p in r.pop("floor_points")]
    fitted = fit_floor(points)
    if args.json:
        print(json.dumps({"worlds": results, "runbook_floor": {"fitted_on_tuning": fitted,
                                                              "used": confidence.RUNBOOK_FLOOR}}, indent=2))
        return
    for world, result in results.items():
        print_world(world, result)
    print(f"runbook floor fitted on the tuning halves ({len(points)} runbook claims): {fitted:.2f}; "
          f"in use (bot/packets/confidence.py): {confidence.RUNBOOK_FLOOR:.2f}")


if __name__ == "__main__":
    main()
