"""Migrations run once: N `handoff db upgrade` at once migrate once; servers on PostgreSQL refuse an old schema."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config import Settings
from bot.core import Core
from bot.db.engine import make_engine, normalise_url
from bot.db.migrate import SchemaOutdated, current_revisions, head_revisions, upgrade
from tests.conftest import postgres_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_postgres_database() -> Iterator[str]:
    """A database of its own on the local server (not a schema: a fresh database is what a new install has)."""
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable (HANDOFF_TEST_POSTGRES_URL or 127.0.0.1:5432)")
    name = f"handoff_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _three_upgrades(url: str, data_dir: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDOFF_DATABASE_URL": url, "HANDOFF_DATA_DIR": str(data_dir)}
    procs = [subprocess.Popen([sys.executable, "-m", "adapters.cli.main", "db", "upgrade"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=180)
        out.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return out


def _check_one_migrated(results: list[subprocess.CompletedProcess[str]], url: str) -> None:
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    migrated = [r for r in results if r.stdout.startswith("migrated an empty database")]
    waited = [r for r in results if r.stdout.startswith("already at")]
    assert len(migrated) == 1 and len(waited) == 2, [r.stdout for r in results]
    engine = make_engine(url)
    try:
        assert current_revisions(engine) == head_revisions(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_three_upgrades_at_once_on_postgres_migrate_once(fresh_postgres_database: str, tmp_path: Path) -> None:
    _check_one_migrated(_three_upgrades(fresh_postgres_database, tmp_path), fresh_postgres_database)


def test_three_upgrades_at_once_on_sqlite_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    _check_one_migrated(_three_upgrades(url, tmp_path), url)


@pytest.mark.postgres
def test_server_on_postgres_refuses_an_old_schema(fresh_postgres_database: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_postgres_database)
    upgrade(engine, "0001")
    engine.dispose()
    core = Core(Settings(data_dir=tmp_path, database_url=fresh_postgres_database))
    with pytest.raises(SchemaOutdated, match=r"0001.*handoff db upgrade"):
        core.open_for_serving()
    core.close()
    # As a process: `handoff serve inbound` says so in one line and exits 2, without serving.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDOFF_DATABASE_URL": fresh_postgres_database,
           "HANDOFF_DATA_DIR": str(tmp_path), "HANDOFF_INBOUND_TOKEN": "t" * 24}
    run = subprocess.run([sys.executable, "-m", "adapters.cli.main", "serve", "inbound", "--port", "0"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "handoff db upgrade" in run.stderr and "Traceback" not in run.stderr
    # The CLI's own commands still upgrade in place (under the lock); then the server check passes.
    core = Core(Settings(data_dir=tmp_path, database_url=fresh_postgres_database))
    assert current_revisions(core.engine) == head_revisions(core.engine)
    core.close()
    core = Core(Settings(data_dir=tmp_path, database_url=fresh_postgres_database))
    core.open_for_serving()
    core.close()


def test_server_on_sqlite_upgrades_in_place(tmp_path: Path) -> None:
    core = Core(Settings(data_dir=tmp_path))
    engine = core.open_for_serving()
    assert current_revisions(engine) == head_revisions(engine)
    core.close()


def test_db_status_says_whether_the_schema_is_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli.main import main

    engine = make_engine(f"sqlite:///{tmp_path / 'handoff.db'}")
    upgrade(engine, "0001")
    engine.dispose()
    assert main(["--data-dir", str(tmp_path), "db", "status"]) == 2
    assert "database: 0001" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("migrated 0001 ->")
    assert main(["--data-dir", str(tmp_path), "db", "status"]) == 0
