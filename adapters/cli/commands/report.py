"""``handoff report``: draft a client's monthly report for review, list drafts, mark one sent.

Drafts print here (the operator's terminal) and are stored; chat requests post
them to the review or a NOC channel. Handoff never sends a report to a client:
``--mark-sent`` records that an engineer did.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from adapters.cli.commands.output import print_json, table, when
from bot.core import Core
from bot.errors import BadInput
from bot.reporting import report_store
from bot.tenancy.policy import Where


def operator() -> Where:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (containers): still an operator, just unnamed
        user = "operator"
    return Where(platform="cli", user_id=user)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="draft a client's monthly report (internal review), list drafts, mark sent")
    p.add_argument("--tenant", help="client id")
    p.add_argument("--month", help="YYYY-MM, e.g. 2026-10")
    p.add_argument("--out", type=Path, help="also write the Markdown draft to this file")
    p.add_argument("--mark-sent", type=int, metavar="ID", help="record that an engineer sent report ID to the client")
    p.add_argument("--list", action="store_true", help="list drafts (with --tenant: that client's)")
    p.add_argument("--show", type=int, metavar="ID", help="print a stored draft")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_report)


def run_report(args: argparse.Namespace, core: Core) -> int:
    if args.mark_sent is not None:
        row, changed = core.mark_report_sent(args.mark_sent, where=operator())
        said = "Marked sent" if changed else "Already marked sent"
        print(f"{said}: report {row.pk} ({row.tenant_id} {row.month}) at {when(row.sent_at)} UTC "
              f"by {row.marked_sent_by or 'unknown'}.")
        return 0
    if args.list or args.show is not None:
        with core.session() as session:
            if args.show is not None:
                print(report_store.get(session, report_id=args.show).markdown, end="")
                return 0
            rows = report_store.listed(session, tenant_id=args.tenant)
        if args.json:
            print_json([{"id": r.pk, "tenant": r.tenant_id, "month": r.month, "requested_at": r.requested_at,
                         "ready_at": r.ready_at, "sent_at": r.sent_at, "requested_by": r.requested_by,
                         "marked_sent_by": r.marked_sent_by} for r in rows])
        else:
            print(table([(r.pk, r.tenant_id, r.month, when(r.requested_at), when(r.ready_at), when(r.sent_at),
                          r.marked_sent_by or "") for r in rows],
                        ["id", "client", "month", "requested", "ready", "sent", "marked sent by"]))
        return 0
    if not args.tenant or not args.month:
        raise BadInput("report needs --tenant and --month (or --list, --show ID, --mark-sent ID)")
    draft = core.report(where=operator(), client=args.tenant, month=args.month)
    if args.out:
        args.out.write_text(draft.markdown, encoding="utf-8")
    if args.json:
        print_json({"id": draft.report_id, "tenant": draft.tenant, "month": draft.month,
                    "requested_at": draft.requested_at, "ready_at": draft.ready_at, "markdown": draft.markdown,
                    "sources": [s.to_json() for s in draft.sources()]})
        return 0
    print(draft.markdown)
    print(f"Report {draft.report_id} drafted for internal review. After an engineer has checked and sent it: "
          f"handoff report --mark-sent {draft.report_id}")
    return 0
