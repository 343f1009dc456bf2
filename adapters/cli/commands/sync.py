"""``handoff sync <psa>``: bring tickets and notes from the PSA into the store (read-only)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from adapters.cli.commands.output import print_json, table, when
from bot.core import Core
from bot.errors import BadInput
from bot.psa.connectors import AVAILABLE, make_service
from bot.psa.sync import SyncReport, run_sync


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="fetch tickets changed in a PSA since the last sync (resumable, read-only)")
    p.add_argument("psa", choices=AVAILABLE, help="which PSA")
    p.add_argument("--since", help="ISO 8601 time: tickets changed at or after it (default: the stored watermark)")
    p.add_argument("--full", action="store_true", help="every ticket, resolved and closed ones too (backfill)")
    p.add_argument("--page-size", type=int, default=1000,
                   help="tickets per page (1-1000; ConnectWise allows 1000, Autotask 500, HaloPSA 100)")
    p.add_argument("--no-index", action="store_true", help="do not update the search index afterwards")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_sync_command)


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"--since: {value!r} is not an ISO 8601 time (e.g. 2026-11-24T02:00:00Z)") from None
    if parsed.tzinfo is None:
        raise BadInput(f"--since: {value!r} has no time zone (add Z or +hh:mm)")
    return parsed.astimezone(UTC)


def run_sync_command(args: argparse.Namespace, core: Core) -> int:
    since = _since(args.since)
    if args.full and since is not None:
        raise BadInput("--full and --since exclude each other: --full fetches every ticket")
    if not 1 <= args.page_size <= 1000:
        raise BadInput(f"--page-size: {args.page_size} is outside 1-1000 (the API's limit per page)")
    service = make_service(args.psa, core.engine, core.settings)
    bar = None
    if sys.stderr.isatty() and not args.no_progress and not args.json:
        from tqdm import tqdm

        bar = tqdm(unit=" tickets", desc=f"sync {args.psa}", file=sys.stderr)
    try:
        report = run_sync(service, since=since, full=args.full, page_size=args.page_size,
                          on_page=(lambda _page, n: bar.update(n)) if bar is not None else None,
                          on_total=_set_total(bar) if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
        service.connector.close()
    index = None
    if not args.no_index and (report.added or report.updated):
        index = core.retriever.sync(engine=core.engine)
    if args.json:
        print_json({**report.as_dict(), **({"index": index.as_dict()} if index else {})})
    else:
        _print(report)
        if index:
            print(f"\n{index}")
    return 0


def _set_total(bar):  # type: ignore[no-untyped-def]
    def set_total(total: int) -> None:
        bar.total = total
        bar.refresh()

    return set_total


def _print(report: SyncReport) -> None:
    resumed = f" (resumed at page {report.resumed_at_page})" if report.resumed_at_page else ""
    print(f"{report.connector}: {report.tickets} ticket(s) in {report.pages} page(s){resumed}, "
          f"{report.seconds:.1f}s, {report.retries} retried request(s)")
    print(table([(report.added, report.updated, report.unchanged, report.conflicts)],
                ["added", "updated", "unchanged", "conflicts"]))
    for company, count in sorted(report.unmapped.items()):
        print(f"not stored: {count} ticket(s) of company {company!r}, mapped to no client "
              f"(add it to tenants.yaml as psa: {{{report.connector}: {company}}})", file=sys.stderr)
    if report.escalations:
        print(f"escalations: {', '.join(e.ticket_id for e in report.escalations)}")
    print(f"watermark: {when(report.watermark)}")
