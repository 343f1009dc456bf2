"""bench/bench_packet.py's side-by-side options and its per-stage line (the bench itself runs for minutes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.bench_packet import V01_LINE
from bench.support.stage_report import PACKET_STAGES, stage_line

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "bench" / "bench_packet.py"), *args], capture_output=True,
                          text=True, timeout=120)


def test_v01_options_are_checked_before_anything_runs(tmp_path: Path) -> None:
    done = run("--v01", str(tmp_path))
    assert done.returncode == 2 and "--v01 and --v01-data go together" in done.stderr
    done = run("--v01", str(tmp_path), "--v01-data", str(tmp_path))
    assert done.returncode == 2 and f"--v01 {tmp_path}: no bench/bench_packet.py there" in done.stderr
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "bench_packet.py").write_text("")
    done = run("--v01", str(tmp_path), "--v01-data", str(tmp_path / "nothing"))
    assert done.returncode == 2 and "no data/handoff.db there" in done.stderr
    done = run("--rounds", "0")
    assert done.returncode == 2 and "--rounds must be at least 1" in done.stderr


def test_v01_result_lines_are_read_as_v01_prints_them() -> None:
    # The two lines v0.1's bench/bench_packet.py prints (its format, numbers of a run).
    lines = [
        "clients with open index folders: packets 300, median 76 ms, p95 141 ms, max 584 ms; claims/packet median "
        "17; RSS 576 MB",
        "random clients, 32 folders open (default): packets 300, median 188 ms, p95 666 ms, max 1145 ms; "
        "claims/packet median 17; RSS 746 MB",
    ]
    found = [(m["label"], m["median"], m["p95"]) for m in map(V01_LINE.match, lines) if m]
    assert found == [("clients with open index folders", "76", "141"),
                     ("random clients, 32 folders open (default)", "188", "666")]
    assert V01_LINE.match("indexed: index: 67 added in 264 s") is None


def test_stage_line_splits_the_search_into_its_parts() -> None:
    packets = [{"search": 50.0, "embed.dense": 20.0, "embed.sparse": 1.0, "engine": 10.0, "fetch": 4.0,
                "packet.store": 7.0, "packet.claims": 8.0, "packet.finish": 3.0}] * 3
    line = stage_line(packets, PACKET_STAGES)
    assert "embed 21.0/21.0" in line and "engine 10.0/10.0" in line and "fetch 4.0/4.0" in line
    assert "fusion 15.0/15.0" in line  # what the search spent beyond embedding, engine and fetch
    assert "store 7.0/7.0" in line and "claims 8.0/8.0" in line and "finish 3.0/3.0" in line
