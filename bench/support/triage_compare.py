"""Two checkouts measured in turn on one machine: medians and ratios (bench/triage_bench.py ``--compare``).

A loaded machine makes two separate runs incomparable (another engineer's
tests may run during one and not the other). Interleaving helps: round r runs
this tree, then the other (the order flips every round, so neither always goes
first), each in a fresh subprocess, and every measurement is summarised by its
median over the rounds. The ratio this/other is read per measurement:
throughput (alerts/s) higher is better, latency (ms) lower is better.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path


def run_once(script: Path, code: Path, passed: list[str]) -> dict[str, float]:
    """One full measurement of ``code`` in its own process; its numbers."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, str(script), "--code", str(code), "--json", *passed], cwd=code, env=env,
                          capture_output=True, text=True, timeout=3600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"measuring {code} failed (exit {done.returncode})")
    for line in done.stdout.splitlines():
        if not line.startswith("RESULT "):
            print(f"    {line}")
    return {str(k): float(v) for k, v in json.loads(lines[-1][len("RESULT "):]).items()}


def compare_runs(script: Path, this: Path, other: Path, rounds: int, passed: list[str]) -> int:
    results: dict[Path, list[dict[str, float]]] = {this: [], other: []}
    for round_no in range(rounds):
        order = (this, other) if round_no % 2 == 0 else (other, this)
        for code in order:
            print(f"round {round_no + 1}/{rounds}: {code}", flush=True)
            results[code].append(run_once(script, code, passed))
    print(table(results[this], results[other], this, other, rounds))
    return 0


def table(mine: list[dict[str, float]], theirs: list[dict[str, float]], this: Path, other: Path,
          rounds: int) -> str:
    keys = list(dict.fromkeys([k for run in mine for k in run] + [k for run in theirs for k in run]))
    width = max(len(k) for k in keys) + 2
    lines = [f"\nmedians over {rounds} interleaved runs each; A = {this}, B = {other}",
             f"{'measurement':<{width}}{'A':>12}{'B':>12}{'A/B':>8}  verdict"]
    for key in keys:
        a, b = _median(mine, key), _median(theirs, key)
        if a is None or b is None:
            lines.append(f"{key:<{width}}{_fmt(a):>12}{_fmt(b):>12}{'n/a':>8}  (only one checkout measures it)")
            continue
        ratio = a / b if b else float("inf")
        higher_better = key.endswith("(alerts/s)")
        better = ratio >= 1 if higher_better else ratio <= 1
        verdict = ("A no worse than B" if better else "A WORSE than B") + (
            " (higher is better)" if higher_better else " (lower is better)")
        lines.append(f"{key:<{width}}{_fmt(a):>12}{_fmt(b):>12}{ratio:>8.3f}  {verdict}")
    return "\n".join(lines)


def _median(runs: list[dict[str, float]], key: str) -> float | None:
    values = [run[key] for run in runs if key in run]
    return statistics.median(values) if values else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"
