"""Choosing the one template-mining configuration: candidates and the leave-one-system-out rule.

Pure: callers (``bench/loghub_ga.py``, the template tests) score every candidate
on every labelled system with ``grouping_accuracy`` and hand the table in.

Leave-one-system-out: for each system, pick a configuration with the others only
(``select``) and report that pick's grouping accuracy on the held-out system.
That number says how the configuration does on logs it was not tuned on, which
is what every new client's alerts are. The configuration shipped
(``templates.CONFIG``) is ``select`` over all systems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.alerts.templates import ALL_MASKS, DRAIN3_DEFAULT, MiningConfig

# Mask sets worth trying: everything, everything without one of the broad rules,
# Drain's own style (addresses and numbers only) and none at all (drain3's default).
MASK_SETS: tuple[tuple[tuple[str, ...], bool], ...] = (
    (ALL_MASKS, True),
    (ALL_MASKS, False),
    (tuple(m for m in ALL_MASKS if m != "ID"), True),
    (tuple(m for m in ALL_MASKS if m != "HOST"), True),
    (("IP", "HEX", "NUM"), True),
    ((), False),
)
SIM_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
DEPTHS = (3, 4, 5, 6)


def candidates() -> list[MiningConfig]:
    """Every configuration tried, drain3's default among them."""
    grid = [MiningConfig(masks, join, st, depth)
            for masks, join in MASK_SETS for st in SIM_THRESHOLDS for depth in DEPTHS]
    assert DRAIN3_DEFAULT in grid
    return grid


Scores = Mapping[MiningConfig, Mapping[str, float]]


def select(scores: Scores, systems: Iterable[str]) -> MiningConfig:
    """The configuration with the best mean GA over ``systems``.

    Ties (common: several thresholds group a system identically) go to the better
    worst system, then to the higher similarity threshold (the stricter one merges
    less on text it was not tuned on, and for triage a wrong merge, which hides an
    incident inside another, costs more than a split), then to the depth closest to
    drain3's default, then to the earlier candidate: a fixed rule, so the pick
    never depends on the held-out system.
    """
    names = list(systems)
    if not names:
        raise ValueError("select needs at least one system to tune on")
    order = {config: index for index, config in enumerate(scores)}

    def key(config: MiningConfig) -> tuple[float, float, float, int, int]:
        values = [scores[config][name] for name in names]
        mean = round(sum(values) / len(values), 10)
        return (-mean, -min(values), -config.sim_th, abs(config.depth - DRAIN3_DEFAULT.depth), order[config])

    return min(scores, key=key)


@dataclass(frozen=True)
class Fold:
    held_out: str
    chosen: MiningConfig
    ga: float               # the chosen configuration on the held-out system
    drain3_default: float   # drain3's default configuration on the held-out system


def leave_one_system_out(scores: Scores) -> list[Fold]:
    systems = list(next(iter(scores.values())))
    folds = []
    for held_out in systems:
        chosen = select(scores, [s for s in systems if s != held_out])
        folds.append(Fold(held_out, chosen, scores[chosen][held_out], scores[DRAIN3_DEFAULT][held_out]))
    return folds
