"""The client report's three charts as PNGs: tickets by category over months, targets met per priority,
alert volume before and after triage.

Accessible and printable: the Okabe-Ito palette (told apart with the common
colour-vision deficiencies), hatching on every series as well (grey print
keeps them apart), direct value labels, no meaning in colour alone, 150 dpi.
matplotlib through ``Figure``/``FigureCanvasAgg`` (no pyplot: safe in worker
threads), imported only when a chart is drawn, as in ``bot.reporting.charts``.
"""

from __future__ import annotations

import io
from typing import Any

from bot.reporting.service_review import ServiceReview

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx", "\\\\", "oo", "++", "--"]
DPI = 150


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def tickets_by_category(review: ServiceReview) -> bytes:
    """Stacked bars: new tickets per month by category, the period's months last, totals on top."""
    fig = _figure(6.5, 3.0)
    ax = fig.subplots()
    months = review.months
    labels = [f"{m[5:]}/{m[2:4]}" for m in months]
    shown = [c for c in review.categories if any(c["trend"])]
    bottom = [0] * len(months)
    for i, c in enumerate(shown):
        ax.bar(labels, c["trend"], bottom=bottom, color=OKABE_ITO[i % 8], hatch=HATCHES[i % 8],
               edgecolor="white", linewidth=0.5, label=c["label"])
        bottom = [b + v for b, v in zip(bottom, c["trend"], strict=True)]
    for x, total in enumerate(bottom):
        ax.text(x, total, str(total), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("new tickets", fontsize=8)
    ax.set_title("New tickets per month, by category", fontsize=10, loc="left")
    _style(ax)
    if shown:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    ax.set_ylim(0, max(bottom + [1]) * 1.15)
    return _png(fig)


def targets_met(review: ServiceReview) -> bytes:
    """Per priority, the share answered and resolved within target, with "met of n" on each bar."""
    fig = _figure(6.5, 0.6 + 0.55 * max(1, len(review.targets)))
    ax = fig.subplots()
    rows = review.targets or [{"label": "no tickets", "response_met": 0, "response_n": 0, "resolution_met": 0,
                               "resolution_n": 0}]
    y = list(range(len(rows)))
    for offset, (what, key, color, hatch) in enumerate((("answered", "response", OKABE_ITO[0], ""),
                                                        ("resolved", "resolution", OKABE_ITO[1], "//"))):
        shares = [100 * r[f"{key}_met"] / r[f"{key}_n"] if r[f"{key}_n"] else 0 for r in rows]
        pos = [v + (0.2 if offset else -0.2) for v in y]
        ax.barh(pos, shares, height=0.38, color=color, hatch=hatch, edgecolor="white", label=f"{what} within target")
        for p, share, r in zip(pos, shares, rows, strict=True):
            ax.text(min(share, 100) + 1, p, f"{r[f'{key}_met']} of {r[f'{key}_n']}", va="center", fontsize=7)
    ax.set_yticks(y, [r["label"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xlabel("% within target", fontsize=8)
    ax.set_title("Targets met, per priority", fontsize=10, loc="left")
    _style(ax)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return _png(fig)


def alert_volume(review: ServiceReview) -> bytes:
    """Per week: alerts raised (before triage) next to the issues they became and those needing action."""
    fig = _figure(6.5, 2.6)
    ax = fig.subplots()
    a = review.alerts
    weeks = a.get("weeks") or ["-"]
    x = list(range(len(weeks)))
    series = (("alerts (before triage)", a.get("alerts") or [0], OKABE_ITO[4], ""),
              ("issues after triage", a.get("issues") or [0], OKABE_ITO[0], "//"),
              ("issues needing action", a.get("actionable") or [0], OKABE_ITO[5], ".."))
    for i, (label, values, color, hatch) in enumerate(series):
        pos = [v + (i - 1) * 0.27 for v in x]
        ax.bar(pos, values, width=0.26, color=color, hatch=hatch, edgecolor="white", label=label)
        for p, v in zip(pos, values, strict=True):
            if v:
                ax.text(p, v, str(v), ha="center", va="bottom", fontsize=6)
    ax.set_xticks(x, [f"week of {w}" for w in weeks], fontsize=7)
    ax.set_title("Monitoring alerts before and after triage, per week", fontsize=10, loc="left")
    _style(ax)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return _png(fig)


def all_charts(review: ServiceReview) -> dict[str, bytes]:
    return {"categories": tickets_by_category(review), "targets": targets_met(review), "alerts": alert_volume(review)}
