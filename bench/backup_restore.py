"""Backup and restore on the demo's data folder: size on disk, apparent size, time (median of several runs).

    python bench/backup_restore.py [--data-dir DIR] [--runs 5]

Without ``--data-dir`` it loads the demo (``handoff demo``, with its index) into a temporary folder first
(several minutes on a loaded 2-core machine: the embedding). Each run is ``handoff backup`` into a new folder
and ``handoff restore`` of it into another, as the CLI runs them (in this process, timed around ``main``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.cli.main import main  # noqa: E402


def files(path: Path) -> list[Path]:
    return [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]


def on_disk(path: Path) -> int:
    """Bytes the files really occupy (sparse files count their written blocks only)."""
    return sum(p.stat().st_blocks * 512 for p in files(path))


def apparent(path: Path) -> int:
    return sum(p.stat().st_size for p in files(path))


def quiet(argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return main(argv)


def run(data_dir: Path, runs: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="handoff-backup-bench-"))
    try:
        backup_s, restore_s = [], []
        for n in range(runs):
            dest, target = work / f"backup{n}", work / f"restored{n}"
            started = time.perf_counter()
            assert quiet(["--data-dir", str(data_dir), "backup", str(dest)]) == 0
            backup_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert quiet(["--data-dir", str(target), "restore", str(dest)]) == 0
            restore_s.append(time.perf_counter() - started)
        dest = work / "backup0"
        database = sum(on_disk(p) for p in data_dir.glob("handoff.db*"))
        print(f"data folder {data_dir}: database {database / 1e6:.1f} MB (with its WAL), "
              f"index {on_disk(data_dir / 'index') / 1e6:.1f} MB on disk ({apparent(data_dir / 'index') / 1e6:.0f} MB "
              "apparent: preallocated sparse files)")
        print(f"backup: {on_disk(dest) / 1e6:.1f} MB on disk, {apparent(dest) / 1e6:.1f} MB apparent, "
              f"{len(files(dest))} files")
        print(f"backup time: median {statistics.median(backup_s):.2f} s of {runs} "
              f"(min {min(backup_s):.2f}, max {max(backup_s):.2f})")
        print(f"restore time: median {statistics.median(restore_s):.2f} s of {runs} "
              f"(min {min(restore_s):.2f}, max {max(restore_s):.2f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data folder to back up (default: load the demo first)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.data_dir is not None:
        run(args.data_dir, args.runs)
        return 0
    with tempfile.TemporaryDirectory(prefix="handoff-demo-") as tmp:
        print("loading the demo (with its index) ...", flush=True)
        assert quiet(["--data-dir", tmp, "demo", "--no-packet"]) == 0
        run(Path(tmp), args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
