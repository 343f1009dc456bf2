"""``handoff serve web``: run the read-only pages on a port."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.web.app import make_app
from bot.core import Core


def serve(core: Core, *, host: str, port: int) -> None:
    app = make_app(core)
    core.engine  # noqa: B018  (open and migrate the database before the first request, not during it)
    logging.getLogger("handoff").setLevel(core.settings.log_level.upper())
    log = logging.getLogger("handoff.web")
    if not core.web_links.enabled:
        log.warning("HANDOFF_PUBLIC_URL and HANDOFF_WEB_SECRET are not both set: no link will open")
    if core.settings.web_trusted_user_header:
        log.warning("/dashboard trusts the %s header: only run this behind a proxy that sets it",
                    core.settings.web_trusted_user_header)
    print(f"Handoff web pages on http://{host}:{port}/ (links under {core.settings.public_url or 'not set'}; "
          "Ctrl-C to stop)", flush=True)
    web.run_app(app, host=host, port=port, print=None, access_log=None, handle_signals=True)
