"""``handoff triage`` (the current signals of a client) and ``handoff templates`` (how lines group)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta

from adapters.cli.commands.output import print_json, table, when
from bot.alerts import signals
from bot.alerts.templates import mask, mine_lines
from bot.core import Core
from bot.db import store
from bot.errors import BadInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("triage", help="the current alert signals of a client")
    p.add_argument("--tenant", required=True, help="client id")
    p.add_argument("--now", help="ISO 8601 time to view the signals at (default: the wall clock, or the "
                                 "newest alert's time when the client's alerts are older than --hours)")
    p.add_argument("--hours", type=float, default=24.0, help="how far back a resolved signal stays current (24)")
    p.add_argument("--actionable", action="store_true", help="leave out noise (flapping checks, blips)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_triage)

    p = sub.add_parser("templates", help="mine message templates from lines (a file or standard input)")
    p.add_argument("file", nargs="?", help="text file, one alert or log line per line (default: standard input)")
    p.add_argument("--strip", metavar="REGEX",
                   help="remove what this regular expression matches at the start of each line before mining "
                        "(a log header: timestamps and host names are shared by every line and blur the grouping)")
    p.set_defaults(run=run_templates)


def parse_when(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"--now: {value!r} is not an ISO 8601 time (e.g. 2026-11-24T02:00:00Z)") from None
    if parsed.tzinfo is None:
        raise BadInput(f"--now: {value!r} has no time zone (add Z or +hh:mm)")
    return parsed.astimezone(UTC)


def run_triage(args: argparse.Namespace, core: Core) -> int:
    lookback = timedelta(hours=args.hours)
    with core.session() as session:
        store.get_tenant(session=session, tenant_id=args.tenant)  # NotFound for an unknown client
        pending = signals.classify_pending(session=session, tenant_id=args.tenant)
    with core.session() as session:
        now = parse_when(args.now) if args.now else signals.default_now(
            session=session, tenant_id=args.tenant, lookback=lookback)
        views = signals.current_signals(session=session, tenant_id=args.tenant, now=now, lookback=lookback,
                                        include_noise=not args.actionable)
    if args.json:
        print_json({
            "tenant": args.tenant, "now": now, "newly_classified": pending,
            "signals": [
                {"id": v.signal_id, "title": v.title, "tenant": v.tenant_id, "devices": v.devices, "count": v.count,
                 "first_seen": v.first_seen, "last_seen": v.last_seen, "severity": v.severity, "firing": v.firing,
                 "noise": v.noise, "category": v.category, "grouping": v.grouping,
                 "representative": v.representative, "template": v.template, "members": v.members,
                 "root": v.root, "effects": v.effects, "reason": v.reason,
                 "alert_ids": [a.pk for a in v.alerts]}
                for v in views
            ],
        })
        return 0
    actionable = sum(1 for v in views if v.actionable)
    print(f"{args.tenant} at {when(now)} UTC: {actionable} actionable signal(s), {len(views) - actionable} noise")
    if views:
        print(table(
            [(v.signal_id, v.severity, "firing" if v.firing else "resolved", v.noise or "", v.count,
              len(v.devices), v.category, when(v.first_seen), when(v.last_seen), v.title) for v in views],
            ["id", "severity", "state", "noise", "alerts", "devices", "category", "first", "last", "title"],
        ))
    for v in views:
        if v.root:  # a site outage: its probable root, what followed, and on what grounds
            print(f"\nsignal {v.signal_id}: root {v.root}; effects: {', '.join(v.effects) or 'none'}")
            print(f"  why one signal: {v.reason}")
    return 0


def run_templates(args: argparse.Namespace, core: Core) -> int:
    if args.file:
        try:
            with open(args.file, encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            raise BadInput(f"{args.file}: {exc.strerror}") from None
    else:
        lines = sys.stdin.read().splitlines()
    if args.strip:
        try:
            header = re.compile(args.strip)
        except re.error as exc:
            raise BadInput(f"--strip: not a valid regular expression: {exc}") from None
        lines = [header.sub("", line, count=1) if header.match(line) else line for line in lines]
    # Two passes: every line gets its cluster's final template, not the one it had when the line arrived.
    for number, (line, (template_id, template)) in enumerate(zip(lines, mine_lines(lines), strict=True), start=1):
        sys.stdout.write(json.dumps({"line": number, "template_id": template_id, "template": template,
                                     "masked": mask(line, named=True)}, ensure_ascii=False) + "\n")
    return 0
