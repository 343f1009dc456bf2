"""Write world C (``world_c_data.py``, ``world_c_tickets.py``) as a dataset folder, and its labels.

Like world B, the shared runbooks are read from ``../shared/data/runbooks`` at
build time into the temporary dataset folder only; ``world_c_labels`` needs no
shared data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.support.world_b import world_labels, write_world
from bench.support.world_c_data import DOCS, GLOBAL_RUNBOOKS, TENANTS
from bench.support.world_c_tickets import TICKETS

SOURCE = "rmm-c"


def write_world_c(target: Path, *, with_shared: bool = True) -> Path:
    return write_world(target, tenants=TENANTS, docs=DOCS, global_runbooks=GLOBAL_RUNBOOKS, tickets=TICKETS,
                       source=SOURCE, host="world-c.example", with_shared=with_shared)


def world_c_labels() -> list[dict[str, Any]]:
    return world_labels(TICKETS, SOURCE)
