"""Operating a Handoff: ``handoff db upgrade|status``, ``handoff leases``, ``handoff backup|restore DIR``.

``db upgrade`` is the one place a PostgreSQL schema is migrated (the servers
there only check it); it holds a lock, so several replicas or Jobs starting
together migrate once. Backup and restore cover the embedded defaults (SQLite
and the embedded index); PostgreSQL and a Qdrant server have their own tools
(pg_dump, Qdrant snapshots), named in the refusal.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.core import Core
from bot.db.engine import make_engine, masked_url
from bot.db.migrate import current_revisions, head_revisions, upgrade_once
from bot.errors import BadInput, Conflict, DatabaseUnavailable

MANIFEST = "backup.json"
DB_FILE = "handoff.db"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="the database schema: upgrade (migrate once, under a lock), status")
    group = p.add_subparsers(dest="db_command", metavar="ACTION")
    up = group.add_parser("upgrade", help="migrate the schema to this version's head; waits for another "
                                          "process's migration instead of racing it")
    up.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                    help="how long to wait for another process's migration (default 600)")
    up.set_defaults(run=run_db_upgrade)
    st = group.add_parser("status", help="the schema revision in the database and this version's (exit 2 if older)")
    st.set_defaults(run=run_db_status)

    p = sub.add_parser("leases", help="which process runs each periodic job (outbox worker, PSA sync) until when")
    p.set_defaults(run=run_leases)

    p = sub.add_parser("backup", help="copy the SQLite database and the embedded index into DIR (online)")
    p.add_argument("dir", type=Path, help="a new or empty folder")
    p.set_defaults(run=run_backup)
    p = sub.add_parser("restore", help="replace the SQLite database and the embedded index with a backup "
                                       "(stop the servers first)")
    p.add_argument("dir", type=Path, help="a folder written by `handoff backup`")
    p.add_argument("--force", action="store_true", help="replace a data folder that already holds a database")
    p.set_defaults(run=run_restore)


def _engine(core: Core):  # type: ignore[no-untyped-def]
    s = core.settings
    return make_engine(s.resolved_database_url, connect_timeout_s=s.db_connect_timeout_s,
                       statement_timeout_s=s.db_statement_timeout_s, busy_timeout_s=s.sqlite_busy_timeout_s)


def run_db_upgrade(args: argparse.Namespace, core: Core) -> int:
    from sqlalchemy.exc import DBAPIError

    from bot.db.engine import what_failed

    engine = _engine(core)
    try:
        result = upgrade_once(engine, wait_s=args.wait)
    except DBAPIError as exc:
        raise DatabaseUnavailable(f"cannot migrate {masked_url(core.settings.resolved_database_url)}: "
                                  f"{what_failed(exc)}") from None
    finally:
        engine.dispose()
    after = ", ".join(result.after)
    if result.migrated:
        print(f"migrated {', '.join(result.before) or 'an empty database'} -> {after}")
    elif result.waited_s >= 0.5:
        print(f"already at {after} (waited {result.waited_s:.1f} s for another process's migration)")
    else:
        print(f"already at {after}")
    return 0


def run_db_status(args: argparse.Namespace, core: Core) -> int:
    engine = _engine(core)
    try:
        current, head = current_revisions(engine), head_revisions(engine)
    finally:
        engine.dispose()
    print(f"database: {', '.join(current) or 'empty'}; this version: {', '.join(head)}")
    return 0 if current == head else 2


def run_leases(args: argparse.Namespace, core: Core) -> int:
    from adapters.cli.commands.output import table, when
    from bot.db.models import utcnow
    from bot.runtime.leader import holders

    now = utcnow()
    rows = [(lease.name, lease.holder, when(lease.expires_at),
             "held" if lease.expires_at > now else "free (expired or released)") for lease in holders(core.engine)]
    print(table(rows, ["job", "holder (host:pid:id)", "expires (UTC)", "state"]) if rows else
          "(no lease yet: no server has run periodic work on this database)")
    return 0


def _sqlite_path(core: Core, verb: str) -> Path:
    url = core.settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        raise BadInput(f"`handoff {verb}` covers the embedded defaults (SQLite); {masked_url(url)} is backed up "
                       "with pg_dump / pg_restore and a Qdrant server with its snapshots API (see the README's "
                       "'Running it in production')")
    return Path(url.split("///", 1)[1])


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table' "
                                             "and name not like 'sqlite_%' order by name")]
        return {t: conn.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}


def run_backup(args: argparse.Namespace, core: Core) -> int:
    from retrieval.backup import snapshot_index, sqlite_backup

    live = _sqlite_path(core, "backup")
    if not live.exists():
        raise BadInput(f"no database at {live}: nothing to back up (HANDOFF_DATA_DIR / --data-dir)")
    dest: Path = args.dir
    if dest.exists() and any(dest.iterdir()):
        raise Conflict(f"{dest} is not empty: back up into a new folder")
    started = time.monotonic()
    dest.mkdir(parents=True, exist_ok=True)
    sqlite_backup(live, dest / DB_FILE)
    files = snapshot_index(core.settings, dest / "index")
    written = [p.stat() for p in dest.rglob("*") if p.is_file()]
    size, disk = sum(st.st_size for st in written), sum(st.st_blocks * 512 for st in written)  # index files are sparse
    tables = table_counts(dest / DB_FILE)
    manifest = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "schema": list(_revisions(dest / DB_FILE)), "tables": tables,
                "index_files": files, "bytes": size, "bytes_on_disk": disk}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"backed up {sum(tables.values())} rows and {files} index files to {dest} "
          f"({disk / 1e6:.1f} MB on disk, {size / 1e6:.1f} MB apparent, {time.monotonic() - started:.1f} s)")
    return 0


def run_restore(args: argparse.Namespace, core: Core) -> int:
    from retrieval.backup import restore_index, sqlite_backup

    live = _sqlite_path(core, "restore")
    source: Path = args.dir
    if not (source / MANIFEST).is_file() or not (source / DB_FILE).is_file():
        raise BadInput(f"{source} is not a Handoff backup (no {MANIFEST} and {DB_FILE} in it)")
    if live.exists() and not args.force:
        raise Conflict(f"{live} already exists: stop the servers, then `handoff restore {source} --force` "
                       "replaces it")
    started = time.monotonic()
    live.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes into the live file (WAL included) instead of swapping files under an open handle.
    sqlite_backup(source / DB_FILE, live)
    files = restore_index(core.settings, source / "index")
    print(f"restored {sum(table_counts(live).values())} rows and {files} index files from {source} "
          f"({time.monotonic() - started:.1f} s); the next start upgrades the schema if the backup is older")
    return 0


def _revisions(path: Path) -> tuple[str, ...]:
    engine = make_engine(f"sqlite:///{path}")
    try:
        return current_revisions(engine)
    finally:
        engine.dispose()
