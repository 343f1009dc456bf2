"""The schema is owned by Alembic: models and migrations agree, upgrades keep data."""

from __future__ import annotations

import inspect
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot.config import Settings
from bot.db import store
from bot.db.engine import MIGRATIONS_DIR, alembic_config, make_engine, open_database, upgrade
from bot.ingest.loader import ingest_folder
from tests.harness.worlds import write_world


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ; add a revision: {diff}"


def test_upgrade_from_first_revision_keeps_data(db_url: str) -> None:
    engine = make_engine(db_url)
    script = ScriptDirectory.from_config(alembic_config(engine))
    base = [rev.revision for rev in script.walk_revisions() if rev.down_revision is None]
    assert base == ["0001"]
    upgrade(engine, "0001")
    # Rows written by a Handoff that only knew revision 0001 (plain SQL: today's
    # models have columns that revision does not).
    now = "2026-11-24 02:00:00"
    with engine.begin() as conn:
        conn.execute(text(
            "insert into tenant (id, name, aliases, slack_channels, teams_channels, content_hash, created_at, updated_at)"
            " values ('acme', 'Acme', '[]', '[]', '[]', 'h', :now, :now)"), {"now": now})
        conn.execute(text(
            "insert into ticket (id, tenant_id, title, status, created_at, reopened_count, content_hash, updated_at)"
            " values ('4412', 'acme', 'DC01', 'escalated', :now, 0, 'h', :now)"), {"now": now})
        conn.execute(text(
            "insert into doc (tenant_id, path, title, kind, url, tags, devices, body, content_hash, updated_at)"
            " values ('acme', 'env.md', 'Env', 'client-note', 'u', '[]', '[]', 'body', 'h', :now)"), {"now": now})
    upgrade(engine)  # every later revision, on a database that already holds data
    with Session(engine) as session:
        assert store.find_ticket(session=session, ticket_id="4412").tenant_id == "acme"
        doc = store.get_doc(session=session, tenant_id="acme", path="env.md")
        assert doc.body == "body" and doc.meta == {}
    with engine.connect() as conn:
        heads = {r[0] for r in conn.execute(text("select version_num from alembic_version"))}
    assert heads == set(script.get_heads())
    engine.dispose()


def test_open_database_twice_is_harmless(db_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", database_url=db_url)
    first = open_database(settings)
    ingest_folder(write_world(tmp_path / "w"), engine=first)
    first.dispose()
    second = open_database(settings)
    with second.connect() as conn:
        assert conn.execute(text("select count(*) from alert")).scalar() == 2
    second.dispose()


def test_sqlite_file_lands_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "nested" / "data")
    engine = open_database(settings)
    engine.dispose()
    assert (tmp_path / "nested" / "data" / "handoff.db").exists()


def test_migrations_folder_ships_with_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").exists()
    assert list((MIGRATIONS_DIR / "versions").glob("0001_*.py"))


def test_reads_are_tenant_scoped_by_signature() -> None:
    """Every store read of tickets, notes, alerts or docs demands a keyword-only tenant_id.

    ``find_ticket`` is the one exception (MSP-wide ticket numbers); it returns
    the ticket with its tenant for the caller's policy check.
    """
    exceptions = {"find_ticket", "list_tenants", "get_tenant", "tenant_for_channel", "resolve_tenant_name", "split_client_name", "require_tenant_id",
                  "knowledge_owners"}
    checked = []
    for name, func in inspect.getmembers(store, inspect.isfunction):
        if name.startswith("_") or func.__module__ != store.__name__ or name in exceptions:
            continue
        params = inspect.signature(func).parameters
        assert "tenant_id" in params, f"store.{name} has no tenant_id"
        assert params["tenant_id"].kind is inspect.Parameter.KEYWORD_ONLY, f"store.{name}: tenant_id not keyword-only"
        assert params["tenant_id"].default is inspect.Parameter.empty, f"store.{name}: tenant_id has a default"
        checked.append(name)
    assert {"get_ticket", "list_tickets", "list_notes", "list_alerts", "list_docs", "get_doc"} <= set(checked)


def test_0007_numbers_old_drafts_of_one_period_so_the_revision_key_holds(db_url: str) -> None:
    """Before 0007 every request was its own draft: two of one period become reports 1 and 2, revision 1."""
    engine = make_engine(db_url)
    upgrade(engine, "0006_outbox")
    now = "2026-11-24 02:00:00"
    with engine.begin() as conn:
        conn.execute(text(
            "insert into tenant (id, name, aliases, slack_channels, teams_channels, content_hash, created_at, updated_at)"
            " values ('acme', 'Acme', '[]', '[]', '[]', 'h', :now, :now)"), {"now": now})
        for _ in range(2):
            conn.execute(text("insert into report (tenant_id, month, requested_at, markdown, sources)"
                              " values ('acme', '2026-10', :now, 'x', '[]')"), {"now": now})
    upgrade(engine)
    with engine.connect() as conn:
        got = [tuple(r) for r in conn.execute(text(
            "select pk, report_no, revision, period_report from report order by pk"))]
    assert [(no == pk, rev, n) for pk, no, rev, n in got] == [(True, 1, 1), (True, 1, 2)]
    engine.dispose()
