"""Where the third-party test material lives (``../shared/data`` beside the project).

``HANDOFF_SHARED_DATA`` names it explicitly; otherwise the first ``shared/data``
folder found walking up from the project root (a git worktree sits one level
deeper than the main checkout). Tests and benchmarks skip, saying so, when it
is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path | None:
    explicit = os.environ.get("HANDOFF_SHARED_DATA")
    if explicit:
        return Path(explicit) if Path(explicit).is_dir() else None
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def shared_path(*parts: str) -> Path | None:
    base = shared_data_dir()
    if base is None:
        return None
    path = base.joinpath(*parts)
    return path if path.exists() else None
