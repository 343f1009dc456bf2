"""Shared fixtures: a database per test on SQLite and, when reachable, PostgreSQL.

PostgreSQL tests use the server named by HANDOFF_TEST_POSTGRES_URL (default:
the local trust-auth server, database ``test``). Each test gets its own schema,
dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.db.engine import make_engine, normalise_url, upgrade

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
_pg_state: dict[str, str | None] = {}


def postgres_url() -> str | None:
    """The PostgreSQL URL if a server answers there, else None (and why, for the skip)."""
    if "url" not in _pg_state:
        url = os.environ.get("HANDOFF_TEST_POSTGRES_URL", DEFAULT_PG)
        try:
            engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            engine.dispose()
            _pg_state["url"], _pg_state["why"] = url, None
        except Exception as exc:  # any failure means: skip, and say why
            _pg_state["url"], _pg_state["why"] = None, f"PostgreSQL not reachable at {url}: {exc.__class__.__name__}"
    return _pg_state["url"]


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{normalise_url(base)}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'handoff.db'}"
        return
    base = postgres_url()
    if base is None:
        if os.environ.get("HANDOFF_REQUIRE_POSTGRES") == "1":  # CI: a missing server is a failure
            pytest.fail(_pg_state["why"] or "PostgreSQL not reachable")
        pytest.skip(_pg_state["why"] or "PostgreSQL not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(base, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=db_url)


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real bundled model and BM25, loaded once per test session (offline)."""
    from retrieval.embed import Embedder

    return Embedder(data_dir=tmp_path_factory.mktemp("models"), batch_size=64).load()



@pytest.fixture(scope="session")
def demo_core(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    """The demo MSP imported and indexed once per session (SQLite), for tests over all its packets."""
    from adapters.cli.commands.demo import demo_folder
    from tests.harness.worlds import core_with_index

    folder = demo_folder()
    if not (folder / "tickets.jsonl").exists():
        pytest.skip(f"the demo MSP is not in {folder}")
    core = core_with_index(Settings(data_dir=tmp_path_factory.mktemp("demo")), embedder, folder)
    yield core
    core.close()
