"""Copies of the embedded index for ``handoff backup`` / ``handoff restore``.

The only place that knows what the embedded index's files are: the CLI calls
``snapshot_index`` and ``restore_index`` and nothing else, so a change of the
embedded engine (Qdrant Edge) replaces these two functions, not the commands.

The embedded layout is one Qdrant Edge shard in ``<data_dir>/index/``; its files
are copied as they are on disk (the shard flushes after every write, so a copy
taken between writes is whole; a write that lands during the copy is picked up
by the next ``handoff index``, which compares every source's hash). A v0.1 data
directory may still hold qdrant-client folders (``<data_dir>/qdrant/<owner>/``,
``<data_dir>/qdrant-shared``) whose points live in SQLite files: those are copied
with SQLite's online backup API. The ``.lock`` files are not copied. Qdrant Edge
preallocates its files (32 MB WAL segments and pages, mostly holes: the demo's
index is 2 MB on disk and 194 MB apparent), so files are copied sparsely: only
their written regions (``SEEK_DATA``/``SEEK_HOLE``), holes stay holes.
A Qdrant *server* is backed up with its own snapshots API, not with this.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from bot.config import Settings

INDEX_FOLDERS = ("index", "qdrant", "qdrant-shared")


def index_folders(settings: Settings) -> list[Path]:
    """The embedded index folders that exist under the data folder."""
    return [settings.data_dir / name for name in INDEX_FOLDERS if (settings.data_dir / name).is_dir()]


def snapshot_index(settings: Settings, dest: Path) -> int:
    """Copy the embedded index into ``dest`` (one sub-folder per index folder); the number of files copied."""
    copied = 0
    for folder in index_folders(settings):
        for source in sorted(folder.rglob("*")):
            if not source.is_file() or source.name == ".lock":
                continue
            target = dest / folder.name / source.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix == ".sqlite":
                sqlite_backup(source, target)
            else:
                copy_sparse(source, target)
            copied += 1
    return copied


def restore_index(settings: Settings, source: Path) -> int:
    """Replace the embedded index with the copy in ``source``; the number of files restored.

    The caller makes sure no process has the index open (a server holds its folders' locks)."""
    restored = 0
    for name in INDEX_FOLDERS:
        live = settings.data_dir / name
        if live.exists():
            shutil.rmtree(live)
        saved = source / name
        if saved.is_dir():
            shutil.copytree(saved, live, copy_function=copy_sparse)
            restored += sum(1 for p in live.rglob("*") if p.is_file())
    return restored


def sqlite_backup(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the backup API copies page by page under a read lock)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def copy_sparse(source: Path | str, target: Path | str) -> None:
    """``shutil.copy2`` that keeps holes: only the regions the file has data in are read and written."""
    source, target = Path(source), Path(target)
    if not hasattr(os, "SEEK_DATA"):
        shutil.copy2(source, target)
        return
    size = source.stat().st_size
    with source.open("rb") as src, target.open("wb") as dst:
        offset = 0
        while offset < size:
            try:
                start = os.lseek(src.fileno(), offset, os.SEEK_DATA)
            except OSError:  # ENXIO: nothing but a hole after offset
                break
            end = os.lseek(src.fileno(), start, os.SEEK_HOLE)
            src.seek(start)
            dst.seek(start)
            remaining = end - start
            while remaining > 0:
                chunk = src.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                dst.write(chunk)
                remaining -= len(chunk)
            offset = end
        dst.truncate(size)
    shutil.copystat(source, target)
