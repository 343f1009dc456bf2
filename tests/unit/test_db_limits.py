"""Database time limits and start-up errors: nothing hangs, nothing ends in a traceback.

A refused, missing or silent database at start gives exit 2 with the URL
(password masked) and what failed, from the CLI and from the servers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.db.engine import make_engine
from tests.conftest import postgres_url

ROOT = Path(__file__).resolve().parents[2]


def handoff(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "adapters.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung database)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def test_sqlite_waits_for_a_busy_writer_as_configured(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout_s=1.5)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 1500
    engine.dispose()


@pytest.mark.postgres
def test_postgres_statement_timeout_cancels_a_slow_statement(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's statement_timeout")
    engine = make_engine(db_url, statement_timeout_s=0.5)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "500ms"
            assert conn.execute(text("SHOW search_path")).scalar().startswith("t_")  # the URL's options survive
            started = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(10)"))
            assert time.monotonic() - started < 5
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["packet", "4412"], ["serve", "inbound", "--insecure-no-auth", "--port", "0"]])
def test_a_refused_database_is_exit_2_with_the_masked_url(command: list[str]) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://handoff:hunter2pw@127.0.0.1:{port}/handoff"
    result = handoff("--database-url", url, *command)
    assert result.returncode == 2, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "***" in result.stderr
    assert "hunter2pw" not in result.stderr + result.stdout
    assert "refused" in result.stderr.casefold()
    assert "Traceback" not in result.stderr


def test_a_missing_database_is_exit_2_naming_it() -> None:
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = base.rsplit("/", 1)[0] + "/handoff_no_such_database"
    result = handoff("--database-url", url, "packet", "4412")
    assert result.returncode == 2, result.stderr
    assert "handoff_no_such_database" in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_that_never_answers_is_exit_2_after_the_connect_timeout(silent_server: int) -> None:
    started = time.monotonic()
    result = handoff("--database-url", f"postgresql://handoff@127.0.0.1:{silent_server}/handoff", "packet", "4412",
                     env={"HANDOFF_DB_CONNECT_TIMEOUT_S": "2"}, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert "connect timeout" in result.stderr and "Traceback" not in result.stderr
    assert elapsed < 30  # the limit is 2 s; the rest is Python starting


def test_an_sqlite_folder_that_cannot_be_made_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    result = handoff("--data-dir", str(blocker / "data"), "packet", "4412")
    assert result.returncode == 2, result.stderr
    assert "cannot open the database sqlite:///" in result.stderr and "Traceback" not in result.stderr
