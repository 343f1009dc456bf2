"""Confidence calibration of the escalation packet on the demo MSP's labelled tickets.

    python bench/eval_packets.py [--json] [--data-dir DIR]

For each ticket in ``bot/ingest/demo/labels/packets.jsonl`` the packet is built as
it would have been at escalation time (``as_of`` = escalated_at, else
resolved_at, else the end of the demo) and every claim of a labelled section
is marked correct or not:

- alerts: correct when at least half of the alerts it cites are labelled as
  related to the ticket (a cluster is judged by the alerts it shows);
- runbook: correct when the cited section (document and anchor) is one of the
  labelled sections, or is a section of one of the client's own documents the
  label lists among those a good packet cites;
- tried / asked: correct when the cited note is a labelled tried / asked note;
- client: correct when the cited document is one of the labelled client docs;
- history, summary and unknown have no labels and are not scored.

Prints, per confidence label, how many claims carry it and the share that are
correct (target: high >= 0.9, low clearly below medium), the same per
section, and recall of the labelled items (how much of what a perfect packet
would show was found).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.cli.commands.demo import demo_folder  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.db import store  # noqa: E402
from bot.ingest.loader import ingest_folder  # noqa: E402
from bot.packets.builder import build_packet  # noqa: E402
from bot.packets.model import Claim  # noqa: E402

LABELS = ROOT / "bot" / "ingest" / "demo" / "labels" / "packets.jsonl"
DEMO_END = datetime(2026, 11, 27, tzinfo=UTC)
SCORED = ("alerts", "runbook", "tried", "asked", "client")


def judge(claim: Claim, label: dict[str, Any]) -> bool | None:
    """Is this claim right according to the label? None when its section is not labelled."""
    kinds = {s.kind for s in claim.sources}
    if claim.section == "alerts":
        related = {f"{src}:{ext}" for src, ext in label["related_alerts"]}
        cited = [s.id for s in claim.sources if s.kind == "alert"]
        return bool(cited) and sum(c in related for c in cited) * 2 >= len(cited)
    if claim.section == "runbook":
        expected = {(r["doc"], r["anchor"]) for r in label["runbook"]}
        for s in claim.sources:
            doc, _, anchor = s.id.partition("#")
            if (f"{s.tenant}/{doc}", anchor) in expected:
                return True
            # A client's own runbook for this problem, which the label lists among
            # the client documents a good packet cites, is right here too.
            if s.tenant != "_global" and f"{s.tenant}/{doc}" in label["client_docs"]:
                return True
        return False
    if claim.section == "tried":
        return any(s.id in label["tried_notes"] for s in claim.sources if s.kind == "note")
    if claim.section == "asked":
        return claim.sources[0].id in label["asked_notes"]
    if claim.section == "client":
        return any(f"{s.tenant}/{s.id.split('#')[0]}" in label["client_docs"] for s in claim.sources if s.kind == "doc")
    del kinds
    return None


def evaluate(core: Core, labels: list[dict[str, Any]]) -> dict[str, Any]:
    by_label: dict[str, list[bool]] = defaultdict(list)
    # The confidence formulas were set while looking at these labels; the two
    # halves (odd and even ticket numbers) show how much that flatters them.
    by_half: dict[str, dict[str, list[bool]]] = {"odd": defaultdict(list), "even": defaultdict(list)}
    by_section: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    recall: dict[str, list[float]] = defaultdict(list)
    retriever = core.retriever
    with core.session() as session:
        for label in labels:
            ticket = store.find_ticket(session=session, ticket_id=label["ticket"])
            assert ticket.tenant_id == label["tenant"]
            as_of = ticket.escalated_at or ticket.resolved_at or DEMO_END
            packet = build_packet(session=session, ticket=ticket, as_of=as_of, retriever=retriever)
            for claim in packet.claims:
                verdict = judge(claim, label)
                if verdict is None:
                    continue
                by_label[claim.confidence.label].append(verdict)
                by_half["odd" if int(label["ticket"]) % 2 else "even"][claim.confidence.label].append(verdict)
                by_section[claim.section][claim.confidence.label].append(verdict)
            cited = {s.kind + ":" + s.id for c in packet.claims for s in c.sources}
            if label["related_alerts"]:
                expected = {f"alert:{src}:{ext}" for src, ext in label["related_alerts"]}
                shown = {f"alert:{a.source}:{a.external_id}" for c in packet.claims if c.section == "alerts"
                         for s in c.sources if s.kind == "signal" for a in _signal_alerts(session, s)}
                recall["alerts"].append(len(expected & shown) / len(expected))
            for section, key in (("tried", "tried_notes"), ("asked", "asked_notes")):
                if label[key]:
                    recall[section].append(len({f"note:{n}" for n in label[key]} & cited) / len(label[key]))
            if label["runbook"]:
                docs = {f"{s.tenant}/{s.id.split('#')[0]}#{s.id.split('#')[1] if '#' in s.id else ''}"
                        for c in packet.section("runbook") for s in c.sources}
                recall["runbook"].append(float(any(f"{r['doc']}#{r['anchor']}" in docs for r in label["runbook"])))
    return {
        "tickets": len(labels),
        "by_label": {k: {"claims": len(v), "correct": round(sum(v) / len(v), 3)} for k, v in sorted(by_label.items())},
        "by_section": {sec: {k: {"claims": len(v), "correct": round(sum(v) / len(v), 3)} for k, v in sorted(d.items())}
                       for sec, d in sorted(by_section.items())},
        "recall": {k: round(sum(v) / len(v), 3) for k, v in sorted(recall.items())},
        "by_half": {half: {k: {"claims": len(v), "correct": round(sum(v) / len(v), 3)} for k, v in sorted(d.items())}
                    for half, d in by_half.items()},
    }


def _signal_alerts(session: Any, source: Any) -> list[Any]:
    from sqlmodel import select

    from bot.db.models import Alert

    return list(session.exec(select(Alert).where(Alert.tenant_id == source.tenant,
                                                 Alert.signal_id == int(source.id))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data-dir", type=Path, help="reuse a data directory that already holds the demo")
    args = parser.parse_args()
    if not LABELS.exists():
        raise SystemExit(f"skipped: {LABELS} is absent")
    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="handoff-calibration-"))
    core = Core(Settings(data_dir=data_dir))
    summary = ingest_folder(demo_folder(), engine=core.engine)
    assert summary.ok, summary.errors[:3]
    core.retriever.sync(engine=core.engine, progress=False)
    result = evaluate(core, labels)
    core.close()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['tickets']} labelled tickets; claims of sections {', '.join(SCORED)} judged against the labels")
    print(f"{'label':<8}{'claims':>8}{'correct':>9}")
    for label in ("high", "medium", "low"):
        row = result["by_label"].get(label, {"claims": 0, "correct": float('nan')})
        print(f"{label:<8}{row['claims']:>8}{row['correct']:>9.3f}")
    print("\nper section (label: claims / share correct)")
    for section, rows in result["by_section"].items():
        cells = "  ".join(f"{k} {v['claims']}/{v['correct']:.2f}" for k, v in rows.items())
        print(f"  {section:<8} {cells}")
    print("\nrecall of labelled items: " + ", ".join(f"{k} {v:.3f}" for k, v in result["recall"].items()))
    for half, rows in result["by_half"].items():
        cells = "  ".join(f"{k} {v['claims']}/{v['correct']:.2f}" for k, v in rows.items())
        print(f"tickets with {half} numbers: {cells}")


if __name__ == "__main__":
    main()
