"""The demo's Elm St site outage (bot/ingest/demo/outage.py), replayed through import and triage.

One signal with ACME-ELM-UPS as its root and the MX, the dark devices and DC01's
replication failure as effects; Ridgeline's DC01 (same name) failing in the
same minutes stays Ridgeline's own signal; ``handoff triage`` shows root and effects.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from adapters.cli.commands.demo import demo_folder
from adapters.cli.main import main
from bot.alerts import signals
from bot.db.models import Alert
from bot.ingest.demo.outage import START
from bot.ingest.loader import ingest_folder

AT = START + timedelta(minutes=40)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Engine]:
    from bot.db.engine import make_engine, upgrade

    path = tmp_path_factory.mktemp("outage") / "h.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    summary = ingest_folder(demo_folder(), engine=engine)
    assert summary.ok, summary.errors[:5]
    return path, engine


def outage_alert_pks(engine: Engine, tenant: str) -> set[int]:
    labels = demo_folder().parent / "labels" / "incidents.jsonl"
    ids = {(r["source"], r["id"]) for r in map(json.loads, labels.read_text().splitlines())
           if r["incident"] == f"inc-{tenant}-9001"}
    with Session(engine) as session:
        rows = session.exec(select(Alert).where(Alert.tenant_id == tenant)).all()
    return {a.pk for a in rows if (a.source, a.external_id) in ids and a.pk is not None}


def test_replayed_outage_is_one_signal_with_the_ups_as_root(demo_db: tuple[Path, Engine]) -> None:
    _, engine = demo_db
    expected = outage_alert_pks(engine, "acme")
    assert len(expected) == 10
    with Session(engine) as session:
        views = signals.current_signals(session=session, tenant_id="acme", now=AT, lookback=timedelta(hours=1))
    [outage] = [v for v in views if {a.pk for a in v.alerts} & expected]
    assert {a.pk for a in outage.alerts} == expected  # all of it, and nothing else
    assert outage.grouping == "outage" and outage.root == "ACME-ELM-UPS"
    assert outage.effects[0] == "ACME-ELM-MX" and {"DC03", "ACME-ELM-PRN01", "ACME-HQ-MX", "DC01"} <= set(outage.effects)
    assert "Elm St" in (outage.reason or "") and "topology" in (outage.reason or "")


def test_the_same_minutes_at_ridgeline_stay_separate(demo_db: tuple[Path, Engine]) -> None:
    _, engine = demo_db
    ridge = outage_alert_pks(engine, "ridgeline")
    with Session(engine) as session:
        views = signals.current_signals(session=session, tenant_id="ridgeline", now=AT, lookback=timedelta(hours=1))
    [mine] = [v for v in views if {a.pk for a in v.alerts} & ridge]
    assert mine.tenant_id == "ridgeline" and mine.root is None and mine.devices == ["DC01"]
    acme = outage_alert_pks(engine, "acme")
    assert not any({a.pk for a in v.alerts} & acme for v in views)


def test_handoff_triage_shows_root_and_effects(demo_db: tuple[Path, Engine], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = demo_db
    monkeypatch.setenv("HANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HANDOFF_DATABASE_URL", f"sqlite:///{path}")
    assert main(["triage", "--tenant", "acme", "--now", AT.isoformat(), "--hours", "1"]) == 0
    out = capsys.readouterr().out
    assert "Site outage at Elm St" in out  # the table clips titles; the full one is in --json
    assert "root ACME-ELM-UPS; effects: ACME-ELM-MX, ACME-HQ-MX" in out
    assert main(["triage", "--tenant", "acme", "--now", AT.isoformat(), "--hours", "1", "--json"]) == 0
    [outage] = [s for s in json.loads(capsys.readouterr().out)["signals"] if s["root"]]
    assert outage["root"] == "ACME-ELM-UPS" and "DC01" in outage["effects"]
    assert outage["title"] == "Site outage at Elm St: ACME-ELM-UPS (UPS status) first, 8 devices affected"
