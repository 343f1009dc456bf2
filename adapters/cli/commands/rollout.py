"""``handoff rollout`` (switch a client or category off / shadow / on) and ``handoff audit`` (who saw what)."""

from __future__ import annotations

import argparse
from typing import Any

from adapters.cli.commands.metrics import parse_day
from adapters.cli.commands.output import print_json, table, when
from adapters.cli.commands.report import operator
from bot.core import Core
from bot.db import store
from bot.errors import BadInput
from bot.tenancy import audit, rollout


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rollout", help="switch Handoff off, to shadow mode or on, per client and ticket category")
    p.add_argument("--tenant", help="client id, or '*' for every client")
    p.add_argument("--category", default=rollout.ANY, help="ticket category, or '*' (default) for every category")
    p.add_argument("--mode", help="off | shadow | on, or default to remove the switch; without it, show the "
                                  "mode that applies")
    p.add_argument("--list", action="store_true", help="every switch (no switch at all means: on)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_rollout)

    p = sub.add_parser("audit", help="what was shown to whom, rollout changes and refusals")
    p.add_argument("--tenant", help="one client's trail")
    p.add_argument("--refusals", action="store_true", help="refused requests (they often name no client)")
    p.add_argument("--since", help="from this date or ISO time")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_audit)


def run_rollout(args: argparse.Namespace, core: Core) -> int:
    if args.list or not args.tenant:
        if not args.list:
            raise BadInput("rollout needs --tenant (a client id or '*') or --list")
        with core.session() as session:
            rows = rollout.switches(session=session)
            data: list[dict[str, Any]] = [{"tenant": r.tenant_id, "category": r.category, "mode": r.mode, "changed_at": r.changed_at,
                     "changed_by": r.changed_by} for r in rows]
        if args.json:
            print_json(data)
            return 0
        print("Most specific switch wins: client+category, client, category, everything. No switch: on.")
        print(table([(d["tenant"], d["category"], d["mode"], when(d["changed_at"]), d["changed_by"] or "")
                     for d in data], ["client", "category", "mode", "changed (UTC)", "by"]) if data
              else "(no switches: Handoff is on for every client and category)")
        return 0
    with core.session() as session:
        if args.tenant != rollout.ANY:
            store.get_tenant(session=session, tenant_id=args.tenant)  # NotFound for a typo
        if args.mode:
            where = operator()
            rollout.set_mode(session=session, tenant_id=args.tenant, category=args.category, mode=args.mode,
                             by=where.user_id, where=where)
        if args.tenant == rollout.ANY:
            print(f"*/{args.category}: {args.mode or 'see --list'}")
            return 0
        decision = rollout.resolve(session=session, tenant_id=args.tenant,
                                   category=None if args.category == rollout.ANY else args.category)
    print(f"{args.tenant}/{args.category}: {decision.mode} (decided by {decision.switch})")
    return 0


def run_audit(args: argparse.Namespace, core: Core) -> int:
    if not args.tenant and not args.refusals:
        raise BadInput("audit needs --tenant or --refusals")
    since = parse_day(args.since, "--since")
    with core.session() as session:
        if args.tenant:
            store.get_tenant(session=session, tenant_id=args.tenant)
            events = audit.events(session=session, tenant_id=args.tenant, since=since, limit=args.limit)
        else:
            events = audit.refusals(session=session, since=since, limit=args.limit)
        data: list[dict[str, Any]] = [{"at": e.at, "action": e.action, "tenant": e.tenant_id, "platform": e.platform,
                 "channel": e.channel, "actor": e.actor, "detail": e.detail} for e in events]
    if args.json:
        print_json(data)
        return 0
    print(table([(when(d["at"]), d["action"], d["platform"] or "", d["channel"] or "", d["actor"] or "",
                  _summary(d["detail"])) for d in data], ["at (UTC)", "action", "platform", "channel", "who", "what"]))
    return 0


def _summary(detail: dict[str, Any]) -> str:
    """One line per event: the ids and counts, the sources by number (``--json`` has every URL)."""
    parts = []
    for key in ("ticket", "packet_id", "report_id", "month", "mode", "tenant", "category", "from", "to",
                "request", "reason"):
        if detail.get(key) is not None:
            parts.append(f"{key}={detail[key]}")
    if detail.get("sources"):
        parts.append(f"{len(detail['sources'])} sources shown")
    return " ".join(parts)
