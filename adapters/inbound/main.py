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
    print(f"Handoff inbound webhooks on http://{host}:{port}/alerts/ (Ctrl-C to stop)", flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None, handle_signals=True)
