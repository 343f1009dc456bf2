"""Each metric against tests/metrics_world.py, where the right answer is worked out by hand.

Runs on SQLite and PostgreSQL (the ``engine`` fixture). The numbers in the
assertions come from the world's comments, not from running the code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.cli.main import main
from bot.reporting import metrics, metrics_view
from bot.reporting.metrics import Stat, stat
from bot.tenancy import rollout
from tests.harness import metrics_world
from tests.harness.metrics_world import at


@pytest.fixture
def world(tmp_path: Path, engine: Engine) -> Engine:
    metrics_world.build(tmp_path / "world", engine)
    return engine


def view(engine: Engine, **kw):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return metrics_view.compute(session=session, tenant_ids=kw.pop("tenants", ["acme"]), **kw)


def test_stat_median_and_nearest_rank_p90() -> None:
    assert stat([]) == Stat(0, None, None)
    assert stat([5.0]) == Stat(1, 5.0, 5.0)
    assert stat([4.0, 1.0, 3.0, 2.0]) == Stat(4, 2.5, 4.0)  # p90: ceil(3.6) = 4th smallest
    assert stat(range(1, 21)) == Stat(20, 10.5, 18.0)  # ceil(18.0) = 18th


def test_every_measure_of_one_client_over_all_data(world: Engine) -> None:
    m = view(world).clients[0].measures
    assert m.tickets == 5
    assert m.time_to_classify_s == Stat(3, 4.0, 30.0)
    assert m.mtte_s == Stat(3, 1800.0, 14400.0)  # 1200, 1800, 14400
    assert m.mttr_after_escalation_s == Stat(2, 46800.0, 86400.0)  # 7200, 86400
    assert (m.reopened, m.resolved, m.reopen_rate) == (1, 3, pytest.approx(1 / 3))
    assert (m.repeat_questions, m.escalated, m.repeat_questions_per_ticket) == (1, 3, pytest.approx(1 / 3))
    assert m.report_turnaround_s == Stat(1, 86400.0, 86400.0)
    assert m.report_draft_s == Stat(2, 4.0, 5.0)
    assert m.correction_time_s == Stat(2, 600.0, 900.0)
    assert m.shadow_correction_time_s == Stat(1, 600.0, 600.0)
    assert (m.packets_on, m.packets_shadow) == (1, 1)
    assert (m.accepted, m.corrections, m.flags) == (1, 4, 1)


def test_another_clients_rows_never_count_even_when_they_name_the_client(world: Engine) -> None:
    both = view(world, tenants=["acme", "ridge"])
    acme, ridge = both.clients
    assert acme.measures == view(world).clients[0].measures  # Ridgeline's rows changed nothing for Acme
    assert ridge.measures.tickets == 1 and ridge.measures.mtte_s == Stat(1, 60.0, 60.0)
    assert ridge.measures.correction_time_s == Stat(1, 5000.0, 5000.0)
    assert ridge.measures.time_to_classify_s == Stat(1, 999.0, 999.0)
    assert both.total.tickets == 6 and both.total.mtte_s.n == 4
    assert both.total.reopened == 2  # 102 and 201 (reopened twice still counts once)


def test_window_takes_each_measure_at_the_start_of_its_interval(world: Engine) -> None:
    m = view(world, since=at("2026-10-13T00:00:00Z"), until=at("2026-10-16T00:00:00Z")).clients[0].measures
    assert m.tickets == 3  # 103, 104, 105
    assert m.mtte_s == Stat(1, 1200.0, 1200.0)  # 104
    assert m.mttr_after_escalation_s.n == 0  # 104 escalated in the window but is not resolved
    assert (m.escalated, m.repeat_questions) == (1, 0)
    assert (m.reopened, m.resolved) == (0, 1)  # 103
    assert m.time_to_classify_s.n == 0  # alerts arrived Oct 5-7
    assert (m.packets_on, m.packets_shadow) == (0, 1) and m.shadow_correction_time_s.n == 1
    assert m.report_turnaround_s.n == 0  # requested in November


def test_per_category(world: Engine) -> None:
    cats = view(world).clients[0].categories
    assert set(cats) >= {"backup", "network", metrics.NO_CATEGORY}
    assert cats["backup"].tickets == 2 and cats["backup"].mtte_s == Stat(2, 1500.0, 1800.0)
    assert cats["backup"].repeat_questions == 1 and cats["backup"].correction_time_s == Stat(2, 600.0, 900.0)
    assert cats["network"].reopen_rate == pytest.approx(0.5)  # 102 reopened of 102, 103 resolved
    assert cats["network"].packets_on == 0
    assert cats[metrics.NO_CATEGORY].tickets == 1
    only = view(world, category="network").clients[0].measures
    assert only.tickets == 2 and only.report_turnaround_s.n == 0  # reports are per client, not per category


def test_weekly_trend_buckets_by_monday(world: Engine) -> None:
    weeks = view(world).weeks
    assert [w for w, _ in weeks][:2] == [at("2026-10-05T00:00:00Z"), at("2026-10-12T00:00:00Z")]
    first, second = weeks[0][1], weeks[1][1]
    assert (first.tickets, second.tickets) == (2, 3)
    assert first.mtte_s == Stat(2, 8100.0, 14400.0) and second.mtte_s == Stat(1, 1200.0, 1200.0)
    assert weeks[-1][0] == at("2026-11-02T00:00:00Z")  # the second report, requested Nov 3
    assert len(weeks) == 5  # empty weeks stay in the trend


def test_before_after_around_the_date_a_client_was_switched_on(world: Engine) -> None:
    with Session(world) as session:
        rollout.set_mode(session=session, tenant_id="acme", category="*", mode="on", by="lead",
                         at=at("2026-10-10T00:00:00Z"))
        rollout.set_mode(session=session, tenant_id="acme", category="backup", mode="on", by="lead",
                         at=at("2026-10-06T00:00:00Z"))
        session.commit()
    client = view(world).clients[0]
    by_category = {c.category: c for c in client.comparisons}
    whole, backup = by_category["*"], by_category["backup"]
    assert whole.before.tickets == 2 and whole.before.mtte_s == Stat(2, 8100.0, 14400.0)
    assert whole.after.tickets == 3 and whole.after.mtte_s == Stat(1, 1200.0, 1200.0)
    assert whole.before.reopen_rate == pytest.approx(0.5) and whole.after.reopen_rate == 0.0
    assert backup.before.tickets == 1 and backup.after.tickets == 1  # 101 before Oct 6, 104 after
    assert backup.before.repeat_questions == 1 and backup.after.repeat_questions == 0


def test_cli_table_json_and_chart(world: Engine, db_url: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    chart = tmp_path / "trend.png"
    args = ["--data-dir", str(tmp_path / "d"), "--database-url", db_url, "metrics", "--chart", str(chart)]
    assert main(args + ["--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["tenant"] for d in data] == ["acme", "ridge"]
    acme = data[0]
    for key in ("time_to_classify_s", "mtte_s", "mttr_after_escalation_s", "report_turnaround_s",
                "correction_time_s"):
        assert set(acme[key]) == {"n", "median", "p90"}
    assert acme["mtte_s"] == {"n": 3, "median": 1800.0, "p90": 14400.0}
    assert acme["reopen_rate"] == 0.333 and acme["repeat_questions_per_ticket"] == 0.333
    assert acme["packets"] == {"on": 1, "shadow": 1}
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(args + ["--since", "2026-10-13", "--until", "2026-10-16", "--tenant", "acme"]) == 0
    out = capsys.readouterr().out
    assert "2026-10-13 to 2026-10-16" in out and "20m/20m (1)" in out
    assert main(args + ["--since", "yesterday"]) == 2
