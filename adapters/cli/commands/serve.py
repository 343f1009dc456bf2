"""``handoff serve ...``: long-running front ends, one sub-command each.

To add one: write ``_register_<name>(group)`` that adds a
parser to ``group`` with ``set_defaults(run=...)`` and append it to
``SERVERS``. Import the front end inside its ``run`` function, so that the
core and the other commands never import a web framework.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator

from bot.core import Core
from bot.runtime.health import DataDirLock


@contextlib.contextmanager
def one_server_per_data_dir(core: Core) -> Iterator[None]:
    """Slack and Teams servers open the embedded index, which one process can hold: a second server on
    the same data folder refuses to start (exit 2, naming the holder) instead of degrading both. With
    a Qdrant server (HANDOFF_QDRANT_URL) there is nothing to share and no lock is taken."""
    if core.settings.qdrant_url:
        yield
        return
    lock = DataDirLock(core.settings.data_dir).acquire()
    try:
        yield
    finally:
        lock.release()


def _register_inbound(group: argparse._SubParsersAction) -> None:
    p = group.add_parser("inbound", help="alert webhooks: Alertmanager and generic JSON (POST /alerts/...)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080; 0 = any free port)")
    p.add_argument("--insecure-no-auth", action="store_true",
                   help="development only: accept requests without HANDOFF_INBOUND_TOKEN")
    p.set_defaults(run=run_inbound)


def run_inbound(args: argparse.Namespace, core: Core) -> int:
    core.retriever.acquire()  # the serving process owns the embedded index (README: one process per data directory)
    from adapters.inbound.main import serve

    serve(core, host=args.host, port=args.port, insecure_no_auth=args.insecure_no_auth)
    return 0


def _register_slack(group: argparse._SubParsersAction) -> None:
    p = group.add_parser("slack", help="the Slack app: /packet, NOC thread replies, reactions (HTTP or Socket Mode)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put a TLS proxy "
                                                       "or tunnel in front, Slack only calls https)")
    p.add_argument("--port", type=int, default=None,
                   help="HTTP port: Slack's Request URL is http(s)://HOST:PORT/slack/events (default 3000; 0 = any "
                        "free port); with --socket-mode, serves only /hooks/escalation and /healthz, and only if given")
    p.add_argument("--socket-mode", action="store_true",
                   help="connect out to Slack over a websocket (SLACK_APP_TOKEN); no public ingress needed")
    p.set_defaults(run=run_slack)


def run_slack(args: argparse.Namespace, core: Core) -> int:
    core.retriever.acquire()  # the serving process owns the embedded index (README: one process per data directory)
    import asyncio
    import logging

    from adapters.slack.main import serve

    logging.getLogger("handoff").setLevel(logging.INFO)
    port = args.port if args.port is not None else (None if args.socket_mode else 3000)  # 0 stays 0: any free port
    with one_server_per_data_dir(core), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(core, host=args.host, port=port, socket_mode=args.socket_mode))
    return 0


def _register_teams(group: argparse._SubParsersAction) -> None:
    p = group.add_parser("teams", help="the Microsoft Teams bot (POST /api/messages, POST /hooks/escalation)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put a TLS proxy "
                                                       "or tunnel in front, Teams only calls https)")
    p.add_argument("--port", type=int, default=3978,
                   help="port to listen on (default 3978, the Bot Framework's; 0 = any free port)")
    p.set_defaults(run=run_teams)


def run_teams(args: argparse.Namespace, core: Core) -> int:
    core.retriever.acquire()  # the serving process owns the embedded index (README: one process per data directory)
    from adapters.teams.main import serve

    with one_server_per_data_dir(core):
        serve(core, host=args.host, port=args.port)
    return 0


def _register_web(group: argparse._SubParsersAction) -> None:
    p = group.add_parser("web", help="read-only pages behind signed links (packets, signals, checklists, reports, "
                                     "metrics); set HANDOFF_PUBLIC_URL and HANDOFF_WEB_SECRET")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put a TLS proxy "
                                                       "in front and set HANDOFF_PUBLIC_URL to its https address)")
    p.add_argument("--port", type=int, default=8090, help="port to listen on (default 8090)")
    p.set_defaults(run=run_web)


def run_web(args: argparse.Namespace, core: Core) -> int:
    from adapters.web.main import serve

    serve(core, host=args.host, port=args.port)
    return 0


SERVERS: list[Callable[[argparse._SubParsersAction], None]] = [_register_inbound, _register_slack, _register_teams,
                                                               _register_web]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run a front end: inbound webhooks, slack, teams, web")
    group = p.add_subparsers(dest="server", metavar="SERVER")
    for add in SERVERS:
        add(group)
