"""Precision per confidence label and recall per section of the escalation packet, tuning half vs held-out half.

    python bench/eval_packets.py [--json] [--world demo|b|c|d|both|all] [--calibration] [--work DIR]

Four labelled worlds: the demo MSP (``bot/ingest/demo/labels/packets.jsonl``),
world B (``bench/support/world_b_data.py``), world C
(``bench/support/world_c_data.py`` + ``world_c_tickets.py``) and world D
(``bench/support/world_d_data.py`` + ``world_d_tickets.py``), each written apart
from the others, with public runbooks from ``../shared/data`` as their shared
runbooks. ``both`` is demo + B (as before), ``all`` adds C and D. Each is split
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
- unknown (worlds B, C and D): right when the checklist item is labelled unknown.

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
from bench.support.world_c import world_c_labels, write_world_c  # noqa: E402
from bench.support.world_d import world_d_labels, write_world_d  # noqa: E402
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
    calibration: list[tuple[str, float, bool]] = []  # (section, score, right) of the tuning half's claims
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
                floors, raw = ungated_points(session, ticket, as_of, core, label)
                floor_points += floors
                calibration += raw

    def rate(v: list[bool]) -> dict[str, Any]:
        return {"claims": len(v), "correct": round(sum(v) / len(v), 3) if v else None}

    return {"floor_points": floor_points, "calibration": calibration, **{half: {
        "tickets": sum(half_of(lb) == half for lb in labels),
        "by_label": {k: rate(v) for k, v in sorted(by_label[half].items())},
        "by_section": {sec: {k: rate(v) for k, v in sorted(d.items())} for sec, d in sorted(by_section[half].items())},
        "recall": {k: round(sum(v) / len(v), 3) for k, v in sorted(recalls[half].items())},
    } for half in ("tuning", "held-out")}}


def ungated_points(session: Any, ticket: Any, as_of: datetime, core: Core,
                   label: dict[str, Any]) -> tuple[list[tuple[float, bool]], list[tuple[str, float, bool]]]:
    """The packet without the runbook floor and the per-section high gates (``confidence.HIGH_FROM``):
    (score, right) of each runbook it would show, what the floor is fitted on, and (section, score,
    right) of every labelled claim, what the gates and the section formulas are fitted on."""
    saved = confidence.RUNBOOK_FLOOR, dict(confidence.HIGH_FROM)
    confidence.RUNBOOK_FLOOR = 0.0
    confidence.HIGH_FROM.clear()
    try:
        packet = build_packet(session=session, ticket=ticket, as_of=as_of, retriever=core.retriever)
    finally:
        confidence.RUNBOOK_FLOOR = saved[0]
        confidence.HIGH_FROM.update(saved[1])
    floors = [(c.confidence.score, bool(judge(c, label))) for c in packet.section("runbook")
              if any(s.kind == "doc" for s in c.sources)]
    raw = [(c.section, c.confidence.score, v) for c in packet.claims if (v := judge(c, label)) is not None
           and not (c.section == "runbook" and c.confidence.score < saved[0])]
    return floors, raw


def fit_floor(points: list[tuple[float, bool]]) -> float:
    """The floor that keeps the most right runbook claims and drops the most wrong ones (ties: the lower)."""
    candidates = sorted({0.0, *(score for score, _ in points)})
    def kept_right(t: float) -> int:
        return sum(1 for score, right in points if (score >= t) == right)
    return max(candidates, key=lambda t: (kept_right(t), -t))


def fit_high_gate(points: list[tuple[float, bool]], *, target: float = 0.95) -> float | None:
    """The lowest score from 0.75 up from which a section's claims were right >= ``target``
    (None: from 0.75, no gate needed; 1.01: never high)."""
    high = sorted(p for p in points if p[0] >= 0.75)
    if not high or sum(r for _, r in high) >= target * len(high):
        return None
    for i, (score, _) in enumerate(high):
        rest = high[i:]
        if sum(r for _, r in rest) >= target * len(rest):
            return score
    return 1.01


def calibration_table(points: list[tuple[str, float, bool]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Share right per section and score on the tuning halves: what the per-section formulas in
    ``bot/packets/confidence.py`` are fitted to (a score should be about the share right)."""
    groups: dict[str, dict[float, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for section, score, right in points:
        groups[section][score].append(right)
    return {section: {f"{score:.2f}": {"claims": len(v), "correct": round(sum(v) / len(v), 3)}
                      for score, v in sorted(rows.items())} for section, rows in sorted(groups.items())}


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
    elif world == "b":
        folder, labels = write_world_b(tmp / "dataset"), world_b_labels()
    elif world == "c":
        folder, labels = write_world_c(tmp / "dataset"), world_c_labels()
    else:
        folder, labels = write_world_d(tmp / "dataset"), world_d_labels()
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
    parser.add_argument("--calibration", action="store_true",
                        help="also print each section's share right per score on the tuning halves")
    parser.add_argument("--world", choices=("demo", "b", "c", "d", "both", "all"), default="all")
    parser.add_argument("--work", type=Path, help="keep each world's data here (a rerun indexes nothing new)")
    args = parser.parse_args()
    worlds = {"both": ["demo", "b"], "all": ["demo", "b", "c", "d"]}.get(args.world, [args.world])
    results = {w: run_world(w, args.work) for w in worlds}
    points = [p for r in results.values() for p in r.pop("floor_points")]
    fitted = fit_floor(points)
    raw = [p for r in results.values() for p in r.pop("calibration")]
    calibration = calibration_table(raw)
    gates = {s: fit_high_gate([(score, right) for sec, score, right in raw if sec == s]) for s in calibration}
    if args.json:
        print(json.dumps({"worlds": results, "runbook_floor": {"fitted_on_tuning": fitted,
                                                              "used": confidence.RUNBOOK_FLOOR},
                          "high_gates": {"fitted_on_tuning": gates, "used": confidence.HIGH_FROM},
                          "calibration_on_tuning": calibration}, indent=2))
        return
    for world, result in results.items():
        print_world(world, result)
    if args.calibration:
        print("score -> claims/share right on the tuning halves (no floor, no gates), per section:")
        for section, rows in calibration.items():
            print(f"  {section:<8} " + "  ".join(f"{k}: {v['claims']}/{v['correct']:.2f}" for k, v in rows.items()))
    print("high gates fitted on the tuning halves: " + ", ".join(
        f"{s} {g if g is None else round(g, 2)}" for s, g in gates.items()) + f"; in use: {confidence.HIGH_FROM}")
    print(f"runbook floor fitted on the tuning halves ({len(points)} runbook claims): {fitted:.2f}; "
          f"in use (bot/packets/confidence.py): {confidence.RUNBOOK_FLOOR:.2f}")


if __name__ == "__main__":
    main()
