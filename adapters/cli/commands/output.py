"""Plain terminal output: aligned tables, JSON, short timestamps."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=_json_default, ensure_ascii=False)
    sys.stdout.write("\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """Columns padded to their widest cell; the last column is cut to the terminal."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    term = shutil.get_terminal_size((120, 20)).columns
    lines = []
    for index, row in enumerate(cells):
        parts = [row[i].ljust(widths[i]) for i in range(len(row) - 1)] + [row[-1]]
        line = "  ".join(parts).rstrip()
        if len(line) > term and index:
            line = line[: term - 1] + "…"
        lines.append(line)
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
