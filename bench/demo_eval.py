"""Triage on the demo MSP's alert stream, scored against its true incidents.

    python bench/demo_eval.py [--demo DIR] [--labels FILE] [--json]
    python bench/demo_eval.py --synthetic     (the labelled test stream of bench/support/alert_stream.py instead)

The demo folder (default ``bot/ingest/demo/msp``) is ingested into a fresh SQLite
database in a temporary folder, every tenant's alerts are classified through
the real path (``bot.alerts.signals.classify_pending``), and the stored signals are
scored (``bot.alerts.grouping_eval.score_signals``):

- compression: 1 - actionable signals / alerts in (target >= 0.90);
- purity: alert-weighted share of labelled alerts that are in their signal's
  majority incident (target >= 0.95); "pure signals" and "mixed" count signals
  that hold one / several true incidents; alerts labelled noise belong to no
  incident and never make a signal impure;
- tenant-mixed signals: must be 0.

Labels (default ``bot/ingest/demo/labels/incidents.jsonl``): one JSON object per
alert. The alert is named by ``alert_id`` (or ``id``), with ``source`` when
ids repeat across sources; its incident by ``incident`` (or ``incident_id``);
noise by ``noise`` (true, or a label such as "flapping"), or an incident of
null. Skips, saying why, while the demo files are absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.alerts.grouping_eval import SignalScore, score_signals  # noqa: E402

DEFAULT_DEMO = ROOT / "bot" / "ingest" / "demo" / "msp"
DEFAULT_LABELS = ROOT / "bot" / "ingest" / "demo" / "labels" / "incidents.jsonl"


class LabelError(Exception):
    pass


def read_labels(path: Path) -> dict[tuple[str | None, str], tuple[str | None, str | None]]:
    """(source or None, alert id) -> (incident or None, noise label or None).

    A noise label is kept beside the incident: the demo labels a storm's or a
    duplicate delivery's redundant alerts as noise of a real incident, and each
    blip or flapping episode as an incident of its own.
    """
    labels: dict[tuple[str | None, str], tuple[str | None, str | None]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelError(f"{path}:{number}: not JSON ({exc.msg})") from None
        alert_id = row.get("alert_id", row.get("id"))
        if alert_id is None:
            raise LabelError(f"{path}:{number}: no alert_id or id (keys: {sorted(row)})")
        incident = row.get("incident", row.get("incident_id"))
        noise = row.get("noise")
        noise_label = (noise if isinstance(noise, str) and noise else "blip" if noise is True else None)
        if incident in ("", None):
            incident = None
        labels[(row.get("source"), str(alert_id))] = (str(incident) if incident is not None else None, noise_label)
    return labels


def evaluate(demo: Path, labels_path: Path) -> dict[str, Any]:
    from sqlmodel import Session, select

    from bot.alerts.signals import classify_pending
    from bot.config import Settings
    from bot.core import Core
    from bot.db.models import Alert, Signal, Tenant
    from bot.ingest.loader import ingest_folder

    labels = read_labels(labels_path)
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp)))
        summary = ingest_folder(demo, engine=core.engine)
        if summary.errors:
            raise LabelError(f"the demo folder does not ingest cleanly: {summary.errors[:3]}")
        with core.session() as session:
            tenants = [t.id for t in session.exec(select(Tenant))]
        for tenant in tenants:
            with core.session() as session:
                classify_pending(session=session, tenant_id=tenant)
        with Session(core.engine) as session:
            alerts = session.exec(select(Alert.pk, Alert.source, Alert.external_id, Alert.tenant_id,
                                         Alert.signal_id)).all()
            noise_of = {s.pk: s.noise for s in session.exec(select(Signal))}
        related = related_recall(core, labels_path.with_name("packets.jsonl"))
        core.close()
    members: dict[int, list[int]] = {}
    incident_of: dict[int, str | None] = {}
    noise_label: dict[int, str | None] = {}
    tenant_of: dict[int, str] = {}
    unlabelled = 0
    by_id = Counter(ext for _, _, ext, _, _ in alerts)
    for pk, source, ext, tenant, signal_id in alerts:
        label = labels.get((source, ext)) or (labels.get((None, ext)) if by_id[ext] == 1 else None)
        if label is None:
            unlabelled += 1
            continue
        members.setdefault(signal_id, []).append(pk)
        incident_of[pk], noise_label[pk] = label
        tenant_of[pk] = tenant
    score = score_signals([(noise_of.get(sid) is not None, keys) for sid, keys in members.items()], incident_of,
                          tenant_of, noise_label)
    return {"alerts_stored": len(alerts), "unlabelled": unlabelled, "tenants": len(tenants), "score": score,
            "related": related}


def related_recall(core: Any, packets_path: Path, limit: int = 5) -> dict[str, Any] | None:
    """For each labelled packet (``packets.jsonl``: ticket and its related alerts), the share of
    those alerts that ``related_alert_clusters`` returns around the ticket's creation."""
    from bot.alerts.signals import related_alert_clusters
    from bot.db import store

    if not packets_path.exists():
        return None
    wanted = hit = returned = covered = packets = 0
    for line in packets_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        want = {(s, str(i)) for s, i in row.get("related_alerts", [])}
        with core.session() as session:
            ticket = store.find_ticket(session=session, ticket_id=str(row["ticket"]))
            clusters = related_alert_clusters(session=session, tenant_id=ticket.tenant_id, device=ticket.device,
                                              around=ticket.created_at, limit=limit)
            got = {(a.source, a.external_id) for c in clusters for a in c.alerts}
        packets += 1
        wanted += len(want)
        hit += len(want & got)
        returned += len(got)
        covered += want <= got
    return {"packets": packets, "recall": hit / wanted if wanted else 1.0, "fully_covered": covered,
            "alerts_returned": returned, "limit": limit}


def evaluate_synthetic() -> dict[str, Any]:
    from bench.support.alert_stream import stream
    from bot.alerts.triage import triage

    alerts = stream(tenants=5, hours=24 * 14)
    signals = triage(alerts)
    score = score_signals([(s.noise is not None, [a.pk for a in s.alerts]) for s in signals],
                          {a.pk: a.incident for a in alerts}, {a.pk: a.tenant_id for a in alerts})
    return {"alerts_stored": len(alerts), "unlabelled": 0, "tenants": 5, "score": score}


def report(result: dict[str, Any], as_json: bool) -> None:
    score: SignalScore = result["score"]
    if as_json:
        print(json.dumps({**{k: v for k, v in result.items() if k != "score"}, **vars(score)}, indent=2, default=str))
        return
    print(f"alerts in: {score.alerts} ({result['tenants']} clients; {result['unlabelled']} stored alerts without a label "
          "left out)")
    print(f"signals out: {score.signals} = {score.actionable} actionable + {score.noise_signals} noise; "
          f"true incidents: {score.incidents}")
    print(f"compression: {score.compression:.3f} (1 - actionable/alerts; target >= 0.90); a pure grouping can reach "
          f"at most {score.ideal_compression:.3f} on these labels (1 - actionable incidents/alerts)")
    print(f"purity: {score.purity:.3f} alert-weighted over all signals, {score.purity_actionable:.3f} over actionable "
          f"ones (target >= 0.95); pure signals {score.pure_signals:.3f}; signals mixing incidents: "
          f"{score.mixed_signals}; actionable incidents split over several signals: {score.incidents_split}")
    print(f"signals mixing tenants: {score.tenant_mixed_signals} (must be 0)")
    print(f"noise (alerts labelled flapping/blip): recall {score.noise_recall:.3f}, precision "
          f"{score.noise_precision:.3f}")
    related = result.get("related")
    if related:
        print(f"related_alert_clusters (limit {related['limit']}) around each labelled packet's ticket: "
              f"{related['recall']:.3f} of the labelled related alerts returned; {related['fully_covered']} of "
              f"{related['packets']} packets complete; {related['alerts_returned']} alerts returned in all")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=DEFAULT_DEMO)
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--synthetic", action="store_true", help="score the test generator's stream instead")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.synthetic:
        print("SYNTHETIC stream (bench/support/alert_stream.py), not the demo MSP:", file=sys.stderr)
        report(evaluate_synthetic(), args.json)
        return 0
    missing = [str(p) for p in (args.demo / "alerts.jsonl", args.labels) if not p.exists()]
    if missing:
        print(f"skipped: demo alert stream not there yet ({', '.join(missing)} missing)")
        return 0
    try:
        result = evaluate(args.demo, args.labels)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
