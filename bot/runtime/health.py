"""Readiness of a serving process, and the one-server-per-data-folder lock.

``readiness`` answers ``GET /readyz`` on every server: the database answers a
``SELECT 1`` (within its connect and statement timeouts) and the index opens
(the embedded one is held by one process at a time). ``/healthz`` stays a cheap
liveness answer that touches neither.

``database_up`` is the same database check, remembered for a moment, which the
Slack events route asks before acking anything: while the database is down,
Slack gets a 503 and re-sends the event later instead of an ack for work that
could not be recorded.

``DataDirLock``: a server holds an exclusive lock on ``<data_dir>/serve.lock``
for its lifetime. A second server on the same folder refuses to start (exit 2)
naming the process that holds it, instead of both degrading each other's
embedded index. The lock is ``flock``-based, so it is released when the holder
dies, however it dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from bot.db.engine import what_failed
from bot.db.models import GLOBAL_TENANT
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.core import Core

LOCK_NAME = "serve.lock"


def check_database(core: Core) -> str | None:
    """None when the database answers, else what failed."""
    try:
        with core.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as exc:
        return f"database: {what_failed(exc)}"


def check_index(core: Core) -> str | None:
    try:
        core.retriever.store.count(tenant_id=GLOBAL_TENANT)
        return None
    except Exception as exc:
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return f"index: {message}"


def readiness(core: Core, *, index: bool = True) -> tuple[bool, dict[str, Any]]:
    """``index=False``: a server that never opens the index (the inbound one) checks it only when it is
    a Qdrant server; opening the embedded one would take it from the chat server that needs it."""
    check = index or bool(core.settings.qdrant_url)
    problems = [p for p in (check_database(core), check_index(core) if check else None) if p]
    return not problems, {"ready": not problems, "problems": problems}


class DatabaseProbe:
    """``check_database``, remembered for ``ttl_s`` (0 by default: a ``SELECT 1`` on a pooled connection
    costs about a millisecond, and a remembered "up" would ack events during the first moments of an outage)."""

    def __init__(self, core: Core, *, ttl_s: float = 0.0):
        self.core, self.ttl_s = core, ttl_s
        self._at, self._answer = 0.0, None  # type: float, str | None
        self._lock = threading.Lock()

    def problem(self) -> str | None:
        with self._lock:
            if time.monotonic() - self._at < self.ttl_s:
                return self._answer
        answer = check_database(self.core)
        with self._lock:
            self._at, self._answer = time.monotonic(), answer
        return answer


class DataDirLock:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / LOCK_NAME
        self._file: Any = None

    def acquire(self) -> DataDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115  (held open for the process's lifetime)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ConfigError(
                f"another Handoff server ({holder}) is already serving from {self.path.parent}; "
                "one server per data folder (the embedded index allows one process). Stop it, or give this "
                "one its own HANDOFF_DATA_DIR (or point both at a Qdrant server with HANDOFF_QDRANT_URL "
                "and PostgreSQL)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
