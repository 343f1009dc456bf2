"""``handoff ingest``, ``tenants``, ``tickets`` and ``ticket``: the store as it is."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.cli.commands.output import print_json, table, when
from bot.core import Core
from bot.db import store
from bot.ingest.loader import IngestSummary, ingest_folder
from bot.ingest.records import TICKET_STATUSES

if TYPE_CHECKING:
    from retrieval.index import IndexReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="import a dataset folder (see DATASET in the README)")
    p.add_argument("folder", type=Path)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-index", action="store_true", help="do not update the retrieval index (`handoff index` later)")
    p.set_defaults(run=run_ingest)

    p = sub.add_parser("tenants", help="list the clients")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_tenants)

    p = sub.add_parser("tickets", help="list tickets of one or all clients")
    p.add_argument("--tenant", help="client id (default: all clients, one after another)")
    p.add_argument("--status", choices=TICKET_STATUSES, action="append", help="repeat for several")
    p.add_argument("--category")
    p.add_argument("--limit", type=int, default=0, help="at most this many per client")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_tickets)

    p = sub.add_parser("ticket", help="show one ticket with its notes")
    p.add_argument("ticket_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_ticket)


def run_ingest(args: argparse.Namespace, core: Core) -> int:
    reports: list[IndexReport] = []

    def index(_: IngestSummary) -> None:
        # Incremental: compares content hashes, so only new and changed
        # documents and tickets are embedded, and deleted ones are removed.
        reports.append(core.retriever.sync(engine=core.engine))

    summary = ingest_folder(args.folder, engine=core.engine, on_changed=None if args.no_index else index)
    if args.json:
        print_json({**summary.as_dict(), **({"index": reports[0].as_dict()} if reports else {})})
    else:
        print_summary(summary)
        for report in reports:
            print(f"\n{report}")
    return 0 if summary.ok else 2


def print_summary(summary: IngestSummary) -> None:
    rows = [
        (kind, c.added, c.updated, c.unchanged, c.deleted, c.rejected)
        for kind, c in sorted(summary.counts.items())
    ]
    print(table(rows, ["records", "added", "updated", "unchanged", "deleted", "rejected"]))
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if summary.errors:
        print(f"\n{len(summary.rejected_files)} file(s) rejected, nothing from them was applied:", file=sys.stderr)
        for error in summary.errors[:50]:
            print(f"  {error}", file=sys.stderr)
        if len(summary.errors) > 50:
            print(f"  ... and {len(summary.errors) - 50} more", file=sys.stderr)


def run_tenants(args: argparse.Namespace, core: Core) -> int:
    with core.session() as session:
        tenants = store.list_tenants(session=session)
        counts = {t.id: len(store.list_tickets(session=session, tenant_id=t.id)) for t in tenants}
    if args.json:
        print_json([
            {"id": t.id, "name": t.name, "aliases": t.aliases, "tickets": counts[t.id],
             "channels": {"slack": t.slack_channels, "teams": t.teams_channels}}
            for t in tenants
        ])
        return 0
    if not tenants:
        print("no clients yet: run `handoff ingest DIR` or `handoff demo`")
        return 0
    print(table([(t.id, t.name, counts[t.id], ", ".join(t.aliases)) for t in tenants],
                ["id", "name", "tickets", "aliases"]))
    return 0


def run_tickets(args: argparse.Namespace, core: Core) -> int:
    with core.session() as session:
        tenant_ids = [store.get_tenant(session=session, tenant_id=args.tenant).id] if args.tenant else [
            t.id for t in store.list_tenants(session=session)
        ]
        tickets = [
            ticket
            for tenant_id in tenant_ids
            for ticket in store.list_tickets(
                session=session, tenant_id=tenant_id, status=args.status, category=args.category, limit=args.limit or None
            )
        ]
    if args.json:
        print_json([t.model_dump(exclude={"content_hash"}) for t in tickets])
        return 0
    print(table(
        [(t.id, t.tenant_id, t.status, t.priority or "", t.category or "", t.device or "", when(t.created_at), t.title)
         for t in tickets],
        ["id", "client", "status", "prio", "category", "device", "created", "title"],
    ))
    return 0


def run_ticket(args: argparse.Namespace, core: Core) -> int:
    with core.session() as session:
        ticket = store.find_ticket(session=session, ticket_id=args.ticket_id)
        notes = store.list_notes(session=session, tenant_id=ticket.tenant_id, ticket_id=ticket.id)
        tenant = store.get_tenant(session=session, tenant_id=ticket.tenant_id)
    if args.json:
        print_json({**ticket.model_dump(exclude={"content_hash"}), "notes": [n.model_dump(exclude={"pk"}) for n in notes]})
        return 0
    print(f"#{ticket.id}  {ticket.title}")
    print(f"client {tenant.name} ({tenant.id})   status {ticket.status}   priority {ticket.priority or '-'}   "
          f"category {ticket.category or '-'}   device {ticket.device or '-'}")
    print(f"created {when(ticket.created_at)}   escalated {when(ticket.escalated_at)}   resolved {when(ticket.resolved_at)}"
          f"   reopened {ticket.reopened_count}x")
    if ticket.url:
        print(ticket.url)
    if ticket.description:
        print(f"\n{ticket.description}")
    for note in notes:
        print(f"\n[{when(note.at)}] {note.author or '?'} ({note.visibility})  {note.note_id}")
        print(f"  {note.text}")
    return 0
