"""Grouping accuracy of Handoff's template mining on the Loghub 2k samples: leave-one-system-out.

    python bench/loghub_ga.py            (from the project root)

Each system's message contents (the ``Content`` column of Loghub's structured
CSV, the field Drain's benchmark parses after splitting off the header) are
mined with every candidate configuration of ``bot.alerts.template_tuning``
(mask sets x similarity threshold x tree depth, drain3's default among them)
and scored with the standard grouping accuracy against the original labels.

Leave-one-system-out: for each system the configuration is chosen on the
other systems only and its GA on the held-out one is reported ("LOSO GA"),
next to Drain's published figure (tuned per dataset: its own regexes,
threshold and depth for each system; ../shared/data/benchmarks/BASELINES.md)
and drain3's default configuration on the same system. The configuration the
project ships (``templates.CONFIG``) must be the selection over all systems;
the script says whether it is. "corrected" and "whole line" show the shipped
configuration on the corrected labels and on raw log lines (headers included:
what ``handoff templates`` sees when fed a raw log).
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support.shared_data import shared_path  # noqa: E402
from bot.alerts.grouping_eval import grouping_accuracy  # noqa: E402
from bot.alerts.template_tuning import candidates, leave_one_system_out, select  # noqa: E402
from bot.alerts.templates import CONFIG, MiningConfig, mine_lines  # noqa: E402

# Drain's published GA on the original Loghub-2k labels (BASELINES.md, section 1).
DRAIN_GA = {"HDFS": 0.9975, "BGL": 0.9625, "Thunderbird": 0.955, "Windows": 0.997, "Linux": 0.69,
            "Apache": 1.0, "OpenSSH": 0.7875, "Zookeeper": 0.9665}


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


def ga(lines: list[str], truth: list[str], config: MiningConfig) -> float:
    return grouping_accuracy([tid for tid, _ in mine_lines(lines, config)], truth)


def score_table(data: dict[str, tuple[list[str], list[str]]]) -> dict[MiningConfig, dict[str, float]]:
    return {config: {system: ga(lines, truth, config) for system, (lines, truth) in data.items()}
            for config in candidates()}


def main() -> int:
    data = {s: d for s in DRAIN_GA if (d := load(s, False)) is not None}
    if len(data) < 2:
        print("skipped: fewer than two Loghub systems in ../shared/data/loghub_2k "
              "(set HANDOFF_SHARED_DATA to the folder holding loghub_2k/)")
        return 0
    absent = [s for s in DRAIN_GA if s not in data]
    start = time.perf_counter()
    scores = score_table(data)
    took = time.perf_counter() - start
    folds = leave_one_system_out(scores)
    print(f"{len(scores)} candidate configurations x {len(data)} systems scored in {took:.0f} s\n")
    print(f"{'held out':<10} {'Drain':>6} {'drain3':>7} {'LOSO':>7} {'shipped':>7} {'corr.':>6} "
          f"{'line':>6} {'lines/s':>7}  configuration chosen on the other systems")
    for fold in folds:
        lines, truth = data[fold.held_out]
        corrected = load(fold.held_out, True)
        ga_corr = ga(*corrected, CONFIG) if corrected else float("nan")
        raw = raw_lines(fold.held_out)
        ga_line = ga(raw, truth, CONFIG) if raw is not None and len(raw) == len(truth) else float("nan")
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            mine_lines(lines)
            runs.append(time.perf_counter() - t0)
        mark = "+" if fold.ga > fold.drain3_default else "=" if fold.ga == fold.drain3_default else "-"
        print(f"{fold.held_out:<10} {DRAIN_GA[fold.held_out]:>6.4f} {fold.drain3_default:>7.4f} "
              f"{fold.ga:>6.4f}{mark} {scores[CONFIG][fold.held_out]:>7.4f} {ga_corr:>6.4f} {ga_line:>6.4f} "
              f"{len(lines) / sorted(runs)[1]:>7.0f}  {fold.chosen.label()}")
    n = len(folds)
    drain_mean = sum(DRAIN_GA[f.held_out] for f in folds) / n
    loso_mean = sum(f.ga for f in folds) / n
    default_mean = sum(f.drain3_default for f in folds) / n
    print(f"{'mean':<10} {drain_mean:>6.4f} {default_mean:>7.4f} {loso_mean:>7.4f}")
    final = select(scores, list(data))
    print(f"\nselected over all {n} systems: {final.label()}")
    print(f"shipped (bot/alerts/templates.py CONFIG): {CONFIG.label()} -> "
          f"{'the same' if final == CONFIG else 'DIFFERENT: update CONFIG'}")
    every = all(f.ga >= f.drain3_default for f in folds)
    print(f"LOSO GA >= drain3 default on every held-out system: {'yes' if every else 'NO'}; "
          f"LOSO mean {loso_mean:.4f} vs Drain's published mean {drain_mean:.4f}: "
          f"{'at least' if loso_mean >= drain_mean else 'BELOW'}")
    if absent:
        print(f"not in ../shared/data (no held-out figure): {', '.join(absent)}")
    print("\nDrain: published GA, tuned per dataset. drain3: drain3 0.9.11 defaults (no masks, st 0.4, depth 4).")
    print("LOSO: GA of the configuration chosen without the held-out system (+ above drain3, = equal, - below).")
    print("shipped: templates.CONFIG on that system (it saw it while being chosen). corr.: corrected labels.")
    print("line: raw log lines, headers included. lines/s: median of 3 runs mining 2,000 contents.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
