"""``bench/demo_eval.py``: the scoring path through ingest and the store, and the demo MSP when it is there."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from bench.support.alert_stream import stream
from tests.harness.worlds import write_jsonl, write_world

ROOT = Path(__file__).resolve().parents[2]


def demo_eval() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_eval", ROOT / "bench" / "demo_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scoring_path_on_a_labelled_world(tmp_path: Path) -> None:
    alerts = stream(tenants=2, hours=24)
    rename = {"client0": "acme", "client1": "ridge"}
    records, labels = [], []
    for a in alerts:
        a.tenant_id = rename[a.tenant_id]
        records.append(a.record())
        labels.append({"alert_id": str(a.pk), "source": a.source, "incident": a.incident,
                       "noise": a.incident is None})
    world = write_world(tmp_path / "w", alerts_=records)
    write_jsonl(tmp_path / "labels.jsonl", labels)
    result = demo_eval().evaluate(world, tmp_path / "labels.jsonl")
    score = result["score"]
    assert result["unlabelled"] == 0 and score.alerts == len(alerts)
    assert score.tenant_mixed_signals == 0
    assert score.purity >= 0.95 and score.noise_recall >= 0.9
    assert score.actionable <= score.incidents + 2


def test_labels_without_alert_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"incident": "x"}) + "\n")
    module = demo_eval()
    with pytest.raises(module.LabelError, match="no alert_id"):
        module.read_labels(path)


@pytest.fixture(scope="module")
def demo_result() -> dict:
    module = demo_eval()
    if not (module.DEFAULT_DEMO / "alerts.jsonl").exists() or not module.DEFAULT_LABELS.exists():
        pytest.skip("demo MSP alerts or labels not there yet (bot/ingest/demo/msp/alerts.jsonl, bot/ingest/demo/labels/incidents.jsonl)")
    return module.evaluate(module.DEFAULT_DEMO, module.DEFAULT_LABELS)


def test_demo_msp_when_present(demo_result: dict) -> None:
    result = demo_result
    score = result["score"]
    assert result["unlabelled"] == 0
    assert score.tenant_mixed_signals == 0
    assert score.purity >= 0.95 and score.purity_actionable >= 0.95
    assert score.noise_recall >= 0.9
    if result["related"] is not None:
        assert result["related"]["recall"] >= 0.9


def test_demo_msp_triage_targets(demo_result: dict) -> None:
    """The demo's re-notifying conditions (bot/ingest/demo/README.md, 'The alert noise model'): repeats of a
    persistent condition are one actionable signal, not flapping, and daily or 4-hourly repeats are not
    split into a signal per notification."""
    score = demo_result["score"]
    assert score.noise_precision >= 0.9 and score.noise_recall >= 0.95
    # Compression is bounded by 1 - actionable incidents / alerts (repeats of one condition are one
    # incident); triage should come close to that bound without mixing incidents.
    assert score.compression >= score.ideal_compression - 0.02
    assert score.purity >= 0.95 and score.mixed_signals <= 0.01 * score.signals
    assert score.incidents_split <= 0.02 * score.incidents
