"""``handoff metrics``: the service-delivery measures as a table, JSON and a weekly chart (PNG)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from adapters.cli.commands.output import print_json, table
from bot.core import Core
from bot.db import store
from bot.errors import BadInput
from bot.reporting import metrics_view


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("metrics", help="service-delivery measures per client and category, with a weekly chart")
    p.add_argument("--tenant", help="one client (default: every client)")
    p.add_argument("--category", help="one ticket category, e.g. backup")
    p.add_argument("--since", help="first day (or ISO time) included; default: the first data")
    p.add_argument("--until", help="first day (or ISO time) no longer included; default: after the last data")
    p.add_argument("--compare-at", help="also compare before/after this date (rollout switches are compared "
                                        "automatically at the date they were switched on)")
    p.add_argument("--per-category", action="store_true", help="a row per client and category in the table")
    p.add_argument("--chart", type=Path, default=Path("handoff-metrics.png"),
                   help="where to write the weekly trend PNG (default handoff-metrics.png; '-' for none)")
    p.add_argument("--json", action="store_true", help="one object per client")
    p.set_defaults(run=run_metrics)


def parse_day(value: str | None, flag: str) -> datetime | None:
    """A date (midnight UTC) or an ISO time with a zone."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{flag}: {value!r} is not a date (2026-10-01) or an ISO 8601 time") from None
    if parsed.tzinfo is None:
        if len(value) > 10:
            raise BadInput(f"{flag}: {value!r} has no time zone (add Z or +hh:mm)")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def run_metrics(args: argparse.Namespace, core: Core) -> int:
    since, until = parse_day(args.since, "--since"), parse_day(args.until, "--until")
    compare_at = parse_day(args.compare_at, "--compare-at")
    if since and until and since >= until:
        raise BadInput("--since must be before --until")
    with core.session() as session:
        tenant_ids = [store.get_tenant(session=session, tenant_id=args.tenant).id] if args.tenant \
            else [t.id for t in store.list_tenants(session=session)]
        view = metrics_view.compute(session=session, tenant_ids=tenant_ids, since=since, until=until,
                                    category=args.category, compare_at=compare_at)
    chart = None if str(args.chart) == "-" else args.chart
    if chart is not None:
        from bot.reporting.charts import render_png

        chart.write_bytes(render_png(view))
    if args.json:
        print_json(metrics_view.as_json(view))
        return 0
    what = f", category {args.category}" if args.category else ""
    print(f"Handoff metrics for {view.scope}{what}: {view.window}")
    print_tables(metrics_view.labelled(view, per_category=args.per_category))
    before_after = metrics_view.compared(view)
    if before_after:
        print("\nBefore/after the date each client or category was switched on (or --compare-at):")
        print_tables(before_after)
    if chart is not None:
        print(f"\nWeekly trend chart: {chart}")
    return 0


def print_tables(rows: list) -> None:  # type: ignore[type-arg]
    print("\nTimes: median/p90 (n)")
    print(table([metrics_view.time_row(label, m) for label, m in rows], metrics_view.TIME_HEADERS))
    print("\nRates and counts: value (numerator/denominator)")
    print(table([metrics_view.rate_row(label, m) for label, m in rows], metrics_view.RATE_HEADERS))
