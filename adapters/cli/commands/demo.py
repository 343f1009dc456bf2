"""``handoff demo``: load the bundled demo MSP and show what is there."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from adapters.cli.commands.data import print_summary
from adapters.cli.commands.output import table
from adapters.cli.render import render
from bot.core import Core
from bot.db import store
from bot.ingest.loader import ingest_folder
from bot.tenancy.policy import Where


def demo_folder() -> Path:
    """The demo MSP shipped inside the package (see bot/ingest/demo/README.md)."""
    return Path(str(resources.files("bot.ingest.demo") / "msp"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="load the bundled demo MSP into the data directory and show a packet")
    p.add_argument("--no-packet", action="store_true", help="only load and list the demo, without the packet of 4412")
    p.set_defaults(run=run_demo)


def run_demo(args: argparse.Namespace, core: Core) -> int:
    print(f"Loading the demo MSP into {core.settings.data_dir} ...")
    summary = ingest_folder(demo_folder(), engine=core.engine)
    print_summary(summary)
    print(f"\n{core.retriever.sync(engine=core.engine)}")
    with core.session() as session:
        tenants = store.list_tenants(session=session)
        rows = []
        for tenant in tenants:
            tickets = store.list_tickets(session=session, tenant_id=tenant.id)
            open_ = [t for t in tickets if t.status in ("new", "in_progress", "escalated")]
            escalated = [t.id for t in tickets if t.status == "escalated"]
            alerts = len(store.list_alerts(session=session, tenant_id=tenant.id))
            docs = len(store.list_docs(session=session, tenant_id=tenant.id))
            rows.append((tenant.id, tenant.name, len(tickets), len(open_), alerts, docs, ", ".join(escalated[:4])))
        shared = len(store.list_docs(session=session, tenant_id="_global"))
    print()
    print(table(rows, ["client", "name", "tickets", "open", "alerts", "docs", "escalated tickets"]))
    print(f"\n{shared} shared runbooks in _global.")
    if args.no_packet:
        return 0 if summary.ok else 2
    print("\nThe escalation packet of ticket 4412 (handoff packet 4412):\n")
    packet = core.packet_for("4412", where=Where(platform="cli", user_id="demo"))
    print(render(packet))
    print("\nMore: handoff ticket 4412 · handoff triage --tenant acme · handoff search --tenant acme \"denticore restart\"")
    return 0 if summary.ok else 2
