"""Log format: plain text for a terminal, one JSON object a line for a log pipeline (``HANDOFF_LOG_FORMAT=json``).

Every JSON line carries the time, level, logger and message, and, where
there is one, the request id (``X-Request-Id``, or one made up at the door)
and the tenant the request turned out to be about. Those two travel in
context variables, set by the HTTP middleware and by the core once it has
resolved a ticket's client, so no call in between passes them along.

What a line never carries: a secret, or the text of a ticket or note. The
code logs ids and counts, not content; as a second line of defence each
message and traceback goes through ``bot.tenancy.secrets.redact`` before it
is written, and the logging call's arguments are never written on their own.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Literal

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("handoff_request_id", default=None)
tenant_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("handoff_tenant", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def bind_tenant(tenant_id: str | None) -> None:
    """The tenant the current request is about, for the log lines that follow (in this context)."""
    tenant_var.set(tenant_id)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from bot.tenancy.secrets import redact

        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if (request_id := request_id_var.get()) is not None:
            line["request_id"] = request_id
        if (tenant := tenant_var.get()) is not None:
            line["tenant"] = tenant
        if record.exc_info:
            line["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def apply_format(fmt: Literal["text", "json"], *, logger: logging.Logger | None = None) -> None:
    """Give every handler of ``logger`` (the root logger by default) the chosen format."""
    target = logger or logging.getLogger()
    formatter: logging.Formatter = JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    for handler in target.handlers:
        handler.setFormatter(formatter)
