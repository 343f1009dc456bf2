"""Engine, sessions and schema migrations.

SQLite (a file in the data directory) is the default; PostgreSQL is chosen by
URL. The schema is owned by Alembic: ``open_database`` upgrades an existing
database to the newest revision instead of dropping and re-creating it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from bot.config import Settings
from bot.errors import DatabaseUnavailable

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, connect_timeout_s: float = 10.0, statement_timeout_s: float = 60.0,
                busy_timeout_s: float = 30.0) -> Engine:
    """An engine with time limits: nothing waits forever on a database that does not answer."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # libpq's options travel in one string; the URL may carry some already (a search_path).
    options = make_url(url).query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    options = f"{options} -c statement_timeout={int(statement_timeout_s * 1000)}".strip()
    connect_args = {"connect_timeout": max(2, math.ceil(connect_timeout_s)), "options": options}
    return create_engine(url, pool_pre_ping=True, pool_timeout=connect_timeout_s + statement_timeout_s,
                         connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:  # a DB-API connection (sqlite3's)
    cursor = dbapi_connection.cursor()
    # WAL lets the chat front ends read while an ingest writes; foreign keys
    # are off by default in SQLite and we rely on them.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` (all heads by default), keeping data."""
    command.upgrade(alembic_config(engine), revision)


def open_database(settings: Settings) -> Engine:
    """The engine for the configured database, migrated to the newest schema.

    A database that refuses, does not exist or does not answer in time is a
    ``DatabaseUnavailable`` naming the URL (password masked) and what failed,
    so every command and server stops with exit 2 and one line, not a traceback.
    """
    url = settings.resolved_database_url
    engine: Engine | None = None
    try:
        engine = make_engine(url, connect_timeout_s=settings.db_connect_timeout_s,
                             statement_timeout_s=settings.db_statement_timeout_s,
                             busy_timeout_s=settings.sqlite_busy_timeout_s)
        upgrade(engine)
    except (DBAPIError, OSError) as exc:  # OSError: the SQLite file's folder cannot be made
        if engine is not None:
            engine.dispose()
        raise DatabaseUnavailable(f"cannot open the database {masked_url(url)}: {what_failed(exc)}") from None
    return engine


def masked_url(url: str) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not parseable as a URL: show nothing of it but the scheme
        return url.split(":", 1)[0] + "://..."


def what_failed(exc: BaseException) -> str:
    """The driver's own first line ("connection refused", "database \"x\" does not exist"), without the SQL."""
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    # psycopg puts the reason last ("connection failed: ... failed: Connection refused").
    text = lines[0] if lines else type(orig).__name__
    if "timeout expired" in text.casefold() or "timed out" in text.casefold():
        return f"no answer within the connect timeout (HANDOFF_DB_CONNECT_TIMEOUT_S): {text}"
    return text


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
