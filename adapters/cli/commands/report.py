"""``handoff report``: draft a client's report for review (client and internal versions, Markdown, HTML or
PDF), list drafts, mark one sent.

Drafts print here (the operator's terminal) and are stored; chat requests post
them to the review or a NOC channel. Asking again for the same client and
period makes a new revision of the same report until it is marked sent.
Handoff never sends a report to a client: ``--mark-sent`` records that an
engineer did.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from adapters.cli.commands.output import print_json, table, when
from adapters.web.report_document import AUDIENCES, FORMATS, DocumentMeta, export, review_of
from bot.core import Core
from bot.errors import BadInput
from bot.reporting import report_store
from bot.reporting.reports import public_markdown
from bot.tenancy.policy import Where


def operator() -> Where:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (containers): still an operator, just unnamed
        user = "operator"
    return Where(platform="cli", user_id=user)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="draft a client's monthly or quarterly report (client and internal "
                                      "versions), list drafts, mark sent")
    p.add_argument("--tenant", help="client id")
    period = p.add_mutually_exclusive_group()
    period.add_argument("--month", help="YYYY-MM, e.g. 2026-10")
    period.add_argument("--quarter", help="YYYY-Qn, e.g. 2026-Q4")
    p.add_argument("--format", choices=FORMATS, default="md", help="md (default), html or pdf (needs --output)")
    p.add_argument("--audience", choices=AUDIENCES, default="internal",
                   help="internal (default: every statement with its sources) or client (what you send)")
    p.add_argument("--output", "--out", dest="output", type=Path, help="write the report to this file")
    p.add_argument("--mark-sent", type=int, metavar="ID", help="record that an engineer sent draft ID to the client")
    p.add_argument("--list", action="store_true", help="list drafts (with --tenant: that client's)")
    p.add_argument("--show", type=int, metavar="ID", help="print (or with --output, write) a stored draft")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_report)


def _write(args: argparse.Namespace, data: bytes) -> None:
    if args.output is None:
        if args.format == "pdf":
            raise BadInput("--format pdf needs --output FILE (a PDF is not for the terminal)")
        sys.stdout.write(data.decode("utf-8"))
        return
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"--output: cannot write {args.output}: {exc.strerror or exc}") from exc


def run_report(args: argparse.Namespace, core: Core) -> int:
    if args.mark_sent is not None:
        row, changed = core.mark_report_sent(args.mark_sent, where=operator())
        said = "Marked sent" if changed else "Already marked sent"
        print(f"{said}: draft {row.pk} (report {row.report_no} revision {row.revision}, {row.tenant_id} "
              f"{row.month}) at {when(row.sent_at)} UTC by {row.marked_sent_by or 'unknown'}.")
        return 0
    if args.list or args.show is not None:
        with core.session() as session:
            if args.show is not None:
                row = report_store.get(session, report_id=args.show)
                meta = DocumentMeta(row.report_no, row.revision, row.ready_at)
                _write(args, export(review_of(row.document), fmt=args.format, audience=args.audience, meta=meta,
                                    internal_markdown=public_markdown(row.markdown)))
                return 0
            rows = report_store.listed(session, tenant_id=args.tenant)
        if args.json:
            print_json([{"id": r.pk, "tenant": r.tenant_id, "period": r.month, "report_no": r.report_no,
                         "revision": r.revision, "requested_at": r.requested_at, "ready_at": r.ready_at,
                         "sent_at": r.sent_at, "requested_by": r.requested_by,
                         "marked_sent_by": r.marked_sent_by} for r in rows])
        else:
            print(table([(r.pk, r.tenant_id, r.month, r.report_no, r.revision, when(r.requested_at),
                          when(r.ready_at), when(r.sent_at), r.marked_sent_by or "") for r in rows],
                        ["id", "client", "period", "report", "rev", "requested", "ready", "sent", "marked sent by"]))
        return 0
    period = args.month or args.quarter
    if not args.tenant or not period:
        raise BadInput("report needs --tenant and --month or --quarter (or --list, --show ID, --mark-sent ID)")
    if args.format == "pdf" and args.output is None:
        raise BadInput("--format pdf needs --output FILE (a PDF is not for the terminal)")
    draft = core.report(where=operator(), client=args.tenant, month=period)
    meta = DocumentMeta(draft.report_no, draft.revision, draft.ready_at)
    data = export(draft.review, fmt=args.format, audience=args.audience, meta=meta,
                  internal_markdown=public_markdown(draft.markdown))
    if args.json:
        if args.output:
            _write(args, data)
        print_json({"id": draft.report_id, "tenant": draft.tenant, "period": draft.month,
                    "report_no": draft.report_no, "revision": draft.revision,
                    "restarted_after": draft.restarted_after, "requested_at": draft.requested_at,
                    "ready_at": draft.ready_at, "markdown": public_markdown(draft.markdown),
                    "client_markdown": draft.client_markdown, "output": str(args.output) if args.output else None,
                    "sources": [s.to_json() for s in draft.sources()]})
        return 0
    _write(args, data)
    if args.output is not None:
        print(f"Wrote the {args.audience} version ({args.format}, {len(data):,} bytes) to {args.output}.")
    print(_status(draft), file=sys.stderr if args.output is None and args.format != "md" else sys.stdout)
    return 0


def _status(draft) -> str:  # type: ignore[no-untyped-def]
    said = f"Draft {draft.report_id}: report {draft.report_no}, revision {draft.revision}, for internal review."
    if draft.revision > 1:
        said += " (Asked again for the same period: a new revision of the same report; the earlier ones are kept.)"
    if draft.restarted_after is not None:
        said += (f" Report {draft.restarted_after} for this period was already marked sent, so this is "
                 "revision 1 of a new report.")
    return said + (f" After an engineer has checked and sent it: handoff report --mark-sent {draft.report_id}")
