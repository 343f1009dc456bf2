"""Write world D (``world_d_data.py``, ``world_d_tickets.py``) as a dataset folder, and its labels.

Like worlds B and C, the shared runbooks are read from ``../shared/data/runbooks``
at build time into the temporary dataset folder only; ``world_d_labels`` needs
no shared data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.support.world_b import world_labels, write_world
from bench.support.world_d_data import DOCS, GLOBAL_RUNBOOKS, TENANTS
from bench.support.world_d_tickets import TICKETS

SOURCE = "rmm-d"


def write_world_d(target: Path, *, with_shared: bool = True) -> Path:
    return write_world(target, tenants=TENANTS, docs=DOCS, global_runbooks=GLOBAL_RUNBOOKS, tickets=TICKETS,
                       source=SOURCE, host="world-d.example", with_shared=with_shared)


def world_d_labels() -> list[dict[str, Any]]:
    return world_labels(TICKETS, SOURCE)
