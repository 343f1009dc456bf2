"""Ingest time and rows/s for the demo MSP and a 20x copy, on SQLite and PostgreSQL.

    python bench/bench_ingest.py [--factor 20] [--postgres URL] [--repeat 3]

Each run ingests into a fresh database (a new SQLite file, a new PostgreSQL
schema), then ingests the same folder again (the idempotent no-op path).
Prints the median of ``--repeat`` runs. Rows = tenants + tickets + notes +
alerts + documents written.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.cli.commands.demo import demo_folder  # noqa: E402
from bench.scale import scale  # noqa: E402
from bot.db.engine import make_engine, normalise_url, upgrade  # noqa: E402
from bot.ingest.loader import ingest_folder  # noqa: E402


def count_rows(folder: Path) -> int:
    rows = 0
    for name in ("tickets.jsonl", "alerts.jsonl"):
        path = folder / name
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    rows += 1 + len(json.loads(line).get("notes", []))
    rows += sum(len(json.loads(p.read_text()).get("alerts", [])) for p in (folder / "alertmanager").glob("*.json"))
    rows += len(list((folder / "docs").rglob("*.md")))
    rows += (folder / "tenants.yaml").read_text().count("- id:")
    return rows


def fresh_url(backend: str, pg: str | None, workdir: Path) -> tuple[str, object]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / (uuid.uuid4().hex + '.db')}", None
    assert pg
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(pg))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{normalise_url(pg)}?options=-csearch_path%3D{schema}", drop


def run(folder: Path, backend: str, pg: str | None, workdir: Path) -> tuple[float, float]:
    url, cleanup = fresh_url(backend, pg, workdir)
    engine = make_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    summary = ingest_folder(folder, engine=engine)
    first = time.perf_counter() - start
    assert summary.ok, summary.errors[:3]
    start = time.perf_counter()
    again = ingest_folder(folder, engine=engine)
    second = time.perf_counter() - start
    assert all(c.added == c.updated == 0 for c in again.counts.values())
    engine.dispose()
    if cleanup:
        cleanup()  # type: ignore[operator]
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    demo = demo_folder()
    big = scale(demo, workdir / f"demo-x{args.factor}", args.factor)
    backends = ["sqlite"]
    try:
        create_engine(normalise_url(args.postgres)).connect().close()
        backends.append("postgresql")
    except Exception as exc:
        print(f"# PostgreSQL skipped: {exc.__class__.__name__} at {args.postgres}")
    print(f"{'data':<12}{'backend':<12}{'rows':>8}{'first s':>10}{'rows/s':>10}{'re-ingest s':>13}")
    for label, folder in (("demo", demo), (f"demo x{args.factor}", big)):
        rows = count_rows(folder)
        for backend in backends:
            results = [run(folder, backend, args.postgres, workdir) for _ in range(args.repeat)]
            first = statistics.median(r[0] for r in results)
            second = statistics.median(r[1] for r in results)
            print(f"{label:<12}{backend:<12}{rows:>8}{first:>10.2f}{rows / first:>10.0f}{second:>13.2f}")


if __name__ == "__main__":
    main()
