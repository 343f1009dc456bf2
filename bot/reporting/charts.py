"""The weekly trend of the metrics as a PNG, for a service-delivery review that would rather look than read.

matplotlib is imported here only, when a chart is drawn (it costs about half a
second), with the Agg backend through ``Figure`` and ``FigureCanvasAgg``
directly: no pyplot, so no global figure state, and drawing is safe from the
worker threads the chat front ends call the core in.

Six small panels, one per question a review asks, weeks on the x axis
(Monday starts), switch-on dates as dashed lines. A week without data for a
measure leaves a gap rather than drawing a zero that did not happen.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.reporting.metrics import Measures, Stat
from bot.reporting.metrics_view import MetricsView

ON, SHADOW, ESCALATE, RESOLVE, ACCENT = "#1d3557", "#a8b8d0", "#e76f51", "#2a9d8f", "#6d597a"


def _median(get: Callable[[Measures], Stat], scale: float) -> Callable[[Measures], float | None]:
    def value(m: Measures) -> float | None:
        s = get(m)
        return None if s.median is None else s.median / scale
    return value


def render_png(view: MetricsView, *, compact: bool = False) -> bytes:
    """The chart as PNG bytes. ``compact``: small and palette-quantized (Teams cards carry it inline)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    weeks = [w for w, _ in view.weeks]
    measures = [m for _, m in view.weeks]
    size, dpi = ((7.2, 4.2), 60) if compact else ((13, 7.5), 100)
    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    category = f" · {view.category}" if view.category else ""
    fig.suptitle(f"Handoff weekly trend · {view.scope}{category} · {view.window}", fontsize=9 if compact else 13)
    axes = fig.subplots(2, 3, sharex=True)

    def lines(ax: Any, title: str, unit: str, series: list[tuple[str, Callable[[Measures], float | None], str]]) -> None:
        ax.set_title(title, fontsize=8 if compact else 11)
        ax.set_ylabel(unit, fontsize=7 if compact else 9)
        drawn = False
        for label, get, color in series:
            values = [get(m) for m in measures]
            if any(v is not None for v in values):
                drawn = True
            ax.plot(weeks, [float("nan") if v is None else v for v in values], marker="o",
                    markersize=2 if compact else 4, linewidth=1.2 if compact else 1.8, color=color, label=label)
        if not drawn:
            ax.set_yticks([])
            ax.text(0.5, 0.5, "no data in this window", transform=ax.transAxes, ha="center", va="center",
                    color="#888888", fontsize=7 if compact else 10)
            return
        ax.set_ylim(bottom=0)  # durations and rates start at zero; a lone point must not look like a trend
        if len(series) > 1:
            ax.legend(fontsize=6 if compact else 8, frameon=False)

    tickets = axes[0][0]
    tickets.set_title("Tickets opened and packets built", fontsize=8 if compact else 11)
    if weeks:
        width = 2.0
        tickets.bar(weeks, [m.tickets for m in measures], width=width * 2.5, color="#dddddd", label="tickets")
        tickets.bar(weeks, [m.packets_on for m in measures], width=width, color=ON, label="packets (on)")
        tickets.bar(weeks, [m.packets_shadow for m in measures], width=width, bottom=[m.packets_on for m in measures],
                    color=SHADOW, label="packets (shadow)")
        tickets.legend(fontsize=6 if compact else 8, frameon=False)
    lines(axes[0][1], "Time to escalate vs to resolve after it (median)", "hours", [
        ("MTTE", _median(lambda m: m.mtte_s, 3600), ESCALATE),
        ("MTTR after escalation", _median(lambda m: m.mttr_after_escalation_s, 3600), RESOLVE)])
    lines(axes[0][2], "Time to classify alerts (median)", "seconds", [
        ("classify", _median(lambda m: m.time_to_classify_s, 1), ACCENT)])
    lines(axes[1][0], "Reopen rate and repeat questions", "per ticket", [
        ("reopen rate", lambda m: m.reopen_rate, ESCALATE),
        ("repeat questions / escalated ticket", lambda m: m.repeat_questions_per_ticket, ACCENT)])
    lines(axes[1][1], "Engineer time correcting Handoff (median)", "minutes", [
        ("packets on", _median(lambda m: m.correction_time_s, 60), ON),
        ("shadow", _median(lambda m: m.shadow_correction_time_s, 60), SHADOW)])
    lines(axes[1][2], "Customer report turnaround (median)", "hours", [
        ("requested to sent", _median(lambda m: m.report_turnaround_s, 3600), RESOLVE)])

    for ax in [a for row in axes for a in row]:
        for at, _label in view.markers:
            if weeks and weeks[0] <= at < weeks[-1] + timedelta(days=7):
                ax.axvline(at, color="#555555", linestyle="--", linewidth=0.8)
        ax.tick_params(labelsize=6 if compact else 8)
        ax.grid(alpha=0.25)
    import matplotlib.dates as mdates

    for ax in axes[1]:
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        # Every week's label fits the full-size chart; the compact one labels about four.
        interval = max(1, -(-len(weeks) // 4)) if compact else (2 if len(weeks) > 8 else 1)
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=0, interval=interval))
    if view.markers:
        names = ", ".join(f"{label} {at:%m-%d}" for at, label in view.markers[:4])
        fig.supxlabel(f"dashed lines: switched on / compared at ({names})", fontsize=6 if compact else 8,
                      color="#555555")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    data = buffer.getvalue()
    return _quantize(data) if compact else data


def _quantize(png: bytes) -> bytes:
    """A 32-colour palette PNG: a line chart loses nothing visible and shrinks about four times."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=32, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
