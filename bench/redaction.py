"""Precision and recall of credential redaction on labelled MSP note lines.

    python bench/redaction.py [--show-errors]

Two halves written in different styles (``bench/data/redaction_tune.jsonl``:
L1 shorthand, slash pairs, vendor tokens, connection strings;
``bench/data/redaction_heldout.jsonl``: customer e-mails, templates, config
files, PowerShell, German). The patterns in ``bot/tenancy/secrets.py`` were
tuned on the first half only; the second is the measurement.

A line counts as flagged when ``redact`` changes it. Precision: flagged lines
that hold a credential. Recall: lines holding credentials whose every labelled
secret is gone from the redacted text (a line that is flagged but still leaks
part of its secret is a miss).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.tenancy.secrets import redact  # noqa: E402

DATA = Path(__file__).with_name("data")
HALVES = {"tune": DATA / "redaction_tune.jsonl", "held-out": DATA / "redaction_heldout.jsonl"}


def load(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(rows: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    tp = fp = fn = 0
    false_pos, misses = [], []
    for row in rows:
        out = redact(row["text"])
        flagged = out != row["text"]
        if row["secrets"]:
            if all(s not in out for s in row["secrets"]):
                tp += 1
            else:
                fn += 1
                misses.append(out)
        elif flagged:
            fp += 1
            false_pos.append(out)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"lines": len(rows), "with_credentials": sum(1 for r in rows if r["secrets"]), "precision": precision,
            "recall": recall, "false_positives": false_pos, "misses": misses}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="print the false positives and misses")
    args = parser.parse_args()
    print(f"{'half':<9} {'lines':>5} {'creds':>5} {'precision':>9} {'recall':>7}")
    for name, path in HALVES.items():
        s = score(load(path))
        print(f"{name:<9} {s['lines']:>5} {s['with_credentials']:>5} {s['precision']:>9.3f} {s['recall']:>7.3f}")
        if args.show_errors:
            for line in s["false_positives"]:  # type: ignore[attr-defined]
                print(f"  false positive: {line}")
            for line in s["misses"]:  # type: ignore[attr-defined]
                print(f"  miss: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
