"""Percentiles and where the time went (``bot/runtime/stages.py``), as the speed benchmarks print them."""

from __future__ import annotations

import statistics

SEARCH_STAGES = ("embed", "engine", "fetch", "fusion")
PACKET_STAGES = (*SEARCH_STAGES, "store", "claims", "finish")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def stage_line(per_item: list[dict[str, float]], names: tuple[str, ...] = SEARCH_STAGES) -> str:
    """Median / p95 ms per search or packet of each stage. ``embed`` is the query's dense and BM25 vectors,
    ``fusion`` the search's remainder after embedding, the engine and the fetch."""
    rows: dict[str, list[float]] = {name: [] for name in names}
    for t in per_item:
        embed = t.get("embed.dense", 0.0) + t.get("embed.sparse", 0.0)
        known = {"embed": embed, "engine": t.get("engine", 0.0), "fetch": t.get("fetch", 0.0),
                 "store": t.get("packet.store", 0.0), "claims": t.get("packet.claims", 0.0),
                 "finish": t.get("packet.finish", 0.0)}
        known["fusion"] = max(0.0, t.get("search", 0.0) - embed - known["engine"] - known["fetch"])
        for name in names:
            rows[name].append(known[name])
    return "stages ms median/p95: " + ", ".join(
        f"{name} {statistics.median(v):.1f}/{pct(v, 0.95):.1f}" for name, v in rows.items() if v)
