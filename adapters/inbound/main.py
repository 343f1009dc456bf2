"""``handoff serve inbound``: run the alert webhooks on a port."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.inbound.app import make_app
from bot.core import Core


def serve(core: Core, *, host: str, port: int, insecure_no_auth: bool = False) -> None:
    app = make_app(core, insecure_no_auth=insecure_no_auth)
    core.engine  # noqa: B018  (open and migrate the database before the first request, not during it)
    logging.getLogger("handoff").setLevel(core.settings.log_level.upper())
    if insecure_no_auth and not core.settings.inbound_token:
        logging.getLogger("handoff.inbound").warning("running WITHOUT authentication (--insecure-no-auth)")
    web.run_app(app, host=host, port=port, print=announce("inbound webhooks", "/alerts/"), access_log=None,
                handle_signals=True)


def announce(what: str, route: str):  # type: ignore[no-untyped-def]
    """aiohttp's start-up line, made ours: the address actually bound (``--port 0`` picks a free one)."""
    import re

    def say(message: str) -> None:
        match = re.search(r"Running on (\S+)", message)
        where = match.group(1).rstrip("/") if match else "?"
        print(f"Handoff {what} on {where}{route} (Ctrl-C to stop)", flush=True)

    return say
