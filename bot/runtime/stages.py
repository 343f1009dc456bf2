"""Where a request's time goes: cumulative wall time per named stage, for the benches.

``with stage("embed"):`` adds the block's duration to the process-wide total
of ``embed``; ``bench/bench_packet.py`` and ``bench/bench_retrieval.py``
reset the totals, run their requests and print each stage's share (embed /
engine / fusion / store / claims). It is always on because it costs two
``perf_counter_ns`` calls per block (well under a microsecond), far below
what the stages themselves take; a stage nested in another is counted in
both (the benches print them as such).

Totals are plain counters of one process, not metrics: concurrent requests
add into the same totals (the benches run one request at a time).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_totals_ns: dict[str, int] = {}
_calls: dict[str, int] = {}


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter_ns()
    try:
        yield
    finally:
        _totals_ns[name] = _totals_ns.get(name, 0) + time.perf_counter_ns() - started
        _calls[name] = _calls.get(name, 0) + 1


def totals_ms() -> dict[str, float]:
    """Milliseconds spent in each stage since the last ``reset``."""
    return {name: ns / 1e6 for name, ns in _totals_ns.items()}


def calls() -> dict[str, int]:
    return dict(_calls)


def reset() -> None:
    _totals_ns.clear()
    _calls.clear()
