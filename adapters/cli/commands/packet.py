"""``handoff packet ID``: the escalation packet of one ticket, in the terminal or as JSON."""

from __future__ import annotations

import argparse
import sys

from adapters.cli.commands.output import print_json
from adapters.cli.render import render
from bot.core import Core
from bot.tenancy.policy import Where


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("packet", help="build (or show the current) escalation packet of a ticket")
    p.add_argument("ticket_id")
    p.add_argument("--json", action="store_true", help="the stable machine form")
    p.add_argument("--rebuild", action="store_true", help="build anew even if nothing changed since the last packet")
    p.set_defaults(run=run_packet)


def run_packet(args: argparse.Namespace, core: Core) -> int:
    packet = core.packet_for(args.ticket_id, where=Where(platform="cli", user_id="operator"), rebuild=args.rebuild)
    if args.json:
        print_json(packet.to_json())
    else:
        print(render(packet))
    if packet.mode == "shadow":  # the terminal shows it; chat would send it to the review channel only
        print("note: this client/category is in shadow mode (handoff rollout --list): the packet is stored and "
              "counted as shadow; in chat it goes to the review channel only.", file=sys.stderr)
    return 0
