"""Schema migrations that run once, however many processes start together.

``handoff db upgrade`` (and every start on SQLite) calls ``upgrade_once``: on
PostgreSQL it holds a session-level advisory lock while Alembic runs, on SQLite
an exclusive ``flock`` on ``<database file>.migrate.lock``. The first process to
get the lock migrates; the others wait for it, then find the schema at head and
do nothing. Servers on PostgreSQL do not migrate: they call ``check_schema`` and
refuse to serve on an older schema (exit 2), so a rolling upgrade never has new
code writing into an old schema, nor two replicas racing through ``ALTER TABLE``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.errors import HandoffError

log = logging.getLogger("handoff.db")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# pg_advisory_lock takes a bigint; any constant works as long as every Handoff uses the same one.
# (The reliability work's leader lock uses its own key.)
MIGRATION_LOCK_KEY = 0x48_414E_444F_4646  # "HANDOFF" in hex, fits a signed bigint


class SchemaOutdated(HandoffError):
    """The database's schema is older than this code's: run ``handoff db upgrade`` first."""


class MigrationLockTimeout(HandoffError):
    """Another process held the migration lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class UpgradeResult:
    before: tuple[str, ...]
    after: tuple[str, ...]
    waited_s: float

    @property
    def migrated(self) -> bool:
        return self.before != self.after


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (all heads by default), keeping data. No lock: see ``upgrade_once``."""
    command.upgrade(alembic_config(engine), revision)


def head_revisions(engine: Engine) -> tuple[str, ...]:
    return tuple(sorted(ScriptDirectory.from_config(alembic_config(engine)).get_heads()))


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions stamped in the database; empty for a fresh one."""
    with engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def check_schema(engine: Engine) -> None:
    """``SchemaOutdated`` unless the database is at this code's head revision(s)."""
    current, head = current_revisions(engine), head_revisions(engine)
    if current == head:
        return
    shown = ", ".join(current) or "none (an empty database)"
    if set(current) - _known_revisions(engine):
        raise SchemaOutdated(f"the database schema is at {shown}, which this version of Handoff does not know "
                             f"(expects {', '.join(head)}): it was migrated by a newer Handoff; run that version")
    raise SchemaOutdated(f"the database schema is at {shown}, this version of Handoff needs {', '.join(head)}: "
                         "run `handoff db upgrade` once (the Kubernetes migration Job, or the compose `migrate` "
                         "service) before starting the servers")


def _known_revisions(engine: Engine) -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()}


def upgrade_once(engine: Engine, *, wait_s: float = 600.0, poll_s: float = 0.25) -> UpgradeResult:
    """Upgrade to head under the database's migration lock; wait up to ``wait_s`` for another process's."""
    started = time.monotonic()
    with _migration_lock(engine, wait_s=wait_s, poll_s=poll_s):
        waited = time.monotonic() - started
        before = current_revisions(engine)
        if before != head_revisions(engine):
            log.info("migrating the database schema from %s to %s", ", ".join(before) or "empty",
                        ", ".join(head_revisions(engine)))
            upgrade(engine)
        after = current_revisions(engine)
    return UpgradeResult(before=before, after=after, waited_s=waited)


@contextlib.contextmanager
def _migration_lock(engine: Engine, *, wait_s: float, poll_s: float) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _pg_advisory_lock(engine, wait_s=wait_s, poll_s=poll_s):
            yield
    elif engine.dialect.name == "sqlite" and (path := sqlite_file(engine)) is not None:
        with _file_lock(Path(f"{path}.migrate.lock"), wait_s=wait_s, poll_s=poll_s):
            yield
    else:  # an in-memory SQLite database belongs to this process alone
        yield


def sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


@contextlib.contextmanager
def _pg_advisory_lock(engine: Engine, *, wait_s: float, poll_s: float) -> Iterator[None]:
    # A session-level lock on a connection of its own, held while Alembic works on another: polling
    # pg_try_advisory_lock rather than blocking in pg_advisory_lock, so statement_timeout does not cut
    # the wait short and the wait has our own deadline and message.
    deadline = time.monotonic() + wait_s
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while not conn.execute(text("select pg_try_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY}).scalar():
            if time.monotonic() > deadline:
                raise MigrationLockTimeout(f"another process has held the migration lock for over {wait_s:.0f} s "
                                           "(a migration still running, or stuck: see pg_locks, locktype advisory)")
            time.sleep(poll_s)
        try:
            yield
        finally:
            conn.execute(text("select pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})


@contextlib.contextmanager
def _file_lock(path: Path, *, wait_s: float, poll_s: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise MigrationLockTimeout(f"another process has held {path} for over {wait_s:.0f} s") from None
                time.sleep(poll_s)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
