"""bench/triage_bench.py --compare: which layout a checkout has, and the verdict of each line of the table."""

from __future__ import annotations

from pathlib import Path

from bench.support.triage_api import grouped_layout
from bench.support.triage_compare import table


def test_layout_is_read_from_the_files(tmp_path: Path) -> None:
    flat = tmp_path / "v01"
    (flat / "bot").mkdir(parents=True)
    (flat / "bot" / "triage.py").write_text("")
    grouped = tmp_path / "now"
    (grouped / "bot" / "alerts").mkdir(parents=True)
    (grouped / "bot" / "alerts" / "triage.py").write_text("")
    assert not grouped_layout(flat) and grouped_layout(grouped)


def test_table_medians_ratios_and_verdicts() -> None:
    mine = [{"clustering alone (alerts/s)": v, "webhook alertmanager p99 (ms)": p, "only here (alerts/s)": 1.0}
            for v, p in ((100.0, 30.0), (300.0, 10.0), (200.0, 20.0))]
    theirs = [{"clustering alone (alerts/s)": v, "webhook alertmanager p99 (ms)": p}
              for v, p in ((250.0, 10.0), (250.0, 10.0), (900.0, 10.0))]
    lines = {line.split("  ")[0]: line for line in table(mine, theirs, Path("/a"), Path("/b"), 3).splitlines()}
    clustering = lines["clustering alone (alerts/s)"]
    assert "200.0" in clustering and "250.0" in clustering and "0.800" in clustering  # medians, not means
    assert "A WORSE than B (higher is better)" in clustering
    latency = lines["webhook alertmanager p99 (ms)"]
    assert "2.000" in latency and "A WORSE than B (lower is better)" in latency
    assert "(only one checkout measures it)" in lines["only here (alerts/s)"]
    better = table(theirs, mine, Path("/a"), Path("/b"), 3)
    assert "A no worse than B (higher is better)" in better and "A no worse than B (lower is better)" in better
