"""Grouping accuracy of Handoff's template mining on the Loghub 2k samples, next to Drain's.

    python bench/loghub_ga.py            (from the project root)

Each system's message contents (the ``Content`` column of Loghub's structured
CSV, the field Drain's benchmark parses after splitting off the header with a
per-dataset log format) are mined by ``bot.alerts.templates.mine_lines`` - one masking
configuration and one drain3 setting for every system - and scored with the
standard grouping accuracy against the original and the corrected labels.
Drain's figures (../shared/data/benchmarks/BASELINES.md) were tuned per
dataset: their own regexes, similarity threshold and depth for each system.
The "whole line" column mines the raw log lines, headers included, with the
same configuration: what ``handoff templates`` sees when fed a raw log.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.shared_data import shared_path  # noqa: E402
from bot.alerts.grouping_eval import grouping_accuracy  # noqa: E402
from bot.alerts.templates import mine_lines  # noqa: E402

DRAIN_GA = {"HDFS": 0.9975, "BGL": 0.9625, "Linux": 0.69, "OpenSSH": 0.7875, "Apache": 1.0, "Zookeeper": 0.9665}


def load(system: str, corrected: bool) -> tuple[list[str], list[str]] | None:
    rel = (("loghub_2k_corrected", system, f"{system}_2k.log_structured_corrected.csv") if corrected
           else ("loghub_2k", system, f"{system}_2k.log_structured.csv"))
    path = shared_path(*rel)
    if path is None:
        return None
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def raw_lines(system: str) -> list[str] | None:
    path = shared_path("loghub_2k", system, f"{system}_2k.log")
    return path.read_text(encoding="utf-8", errors="replace").splitlines() if path else None


def main() -> int:
    if shared_path("loghub_2k") is None:
        print("skipped: ../shared/data/loghub_2k is absent (set HANDOFF_SHARED_DATA to its parent folder)")
        return 0
    print(f"{'system':<10} {'Drain GA':>8} {'Handoff GA':>10} {'corrected':>9} {'whole line':>10} {'lines/s':>8}")
    for system, drain in DRAIN_GA.items():
        original, corrected = load(system, False), load(system, True)
        if original is None:
            print(f"{system:<10} {drain:>8.4f} {'absent: not in ../shared/data/loghub_2k':>40}")
            continue
        lines, truth = original
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            predicted = [tid for tid, _ in mine_lines(lines)]
            runs.append(time.perf_counter() - start)
        ga = grouping_accuracy(predicted, truth)
        ga_corrected = (grouping_accuracy([t for t, _ in mine_lines(corrected[0])], corrected[1])
                        if corrected else float("nan"))
        raw = raw_lines(system)
        ga_raw = (grouping_accuracy([t for t, _ in mine_lines(raw)], truth)
                  if raw is not None and len(raw) == len(truth) else float("nan"))
        speed = len(lines) / sorted(runs)[1]
        mark = "+" if ga > drain else "=" if ga == drain else "-"
        print(f"{system:<10} {drain:>8.4f} {ga:>9.4f}{mark} {ga_corrected:>9.4f} {ga_raw:>10.4f} {speed:>8.0f}")
    print("\nDrain GA: published, original labels, tuned per dataset. Handoff: one configuration for all systems")
    print("(+ above Drain, = equal, - below). lines/s: median of 3 runs of mining 2,000 message contents.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
