"""Demo ingest time (import + index) and how soon a changed document is searchable.

    python bench/bench_freshness.py [--rounds 5] [--code DIR]

1. ``handoff ingest`` of the demo MSP into a fresh data directory, as the CLI
   runs it (import, classify, incremental index), with the models loaded
   beforehand (model loading is the same for every version);
2. ``--rounds`` times: one client document gets a new section with a unique
   token, the folder is ingested again (only that document is re-embedded),
   and the time from that ingest returning to the first search that finds the
   token is measured (searching in a loop).

``--code DIR`` runs another checkout of Handoff (e.g. v0.1 exported with
``git archive 8bcde7c``) on the same steps, for a side-by-side.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--code", type=Path, default=ROOT, help="the Handoff checkout to run (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    from bot.config import Settings
    from bot.core import Core
    from retrieval import Retriever
    from retrieval.embed import Embedder

    try:
        from adapters.cli.commands.demo import demo_folder
        from bot.ingest.loader import ingest_folder
    except ImportError:  # v0.1's module layout
        from bot.commands.demo import demo_folder  # type: ignore[no-redef]

        from bot.ingest import ingest_folder  # type: ignore[no-redef]

    work = Path(tempfile.mkdtemp(prefix="handoff-fresh-"))
    try:
        data = work / "data"
        settings = Settings(data_dir=data)
        embedder = Embedder(data_dir=data).load()
        core = Core(settings, retriever=Retriever(settings, embedder=embedder))
        reports = []

        def index(_: object) -> None:
            reports.append(core.retriever.sync(engine=core.engine, progress=False))

        started = time.perf_counter()
        summary = ingest_folder(demo_folder(), engine=core.engine, on_changed=index)
        demo_s = time.perf_counter() - started
        assert summary.ok
        print(f"code {args.code}: demo ingest with indexing {demo_s:.1f} s ({reports[-1]})")

        folder = work / "msp"
        shutil.copytree(demo_folder(), folder)
        doc = sorted((folder / "docs" / "acme").glob("*.md"))[0]
        original = doc.read_text(encoding="utf-8")
        after_ms, ingest_s, tries, search_ms = [], [], [], []
        for number in range(args.rounds):
            token = f"FRESHPROBE{number:04d}X"
            doc.write_text(original + f"\n\n## Branch office VPN\n{token}: the new concentrator at the branch office.\n",
                           encoding="utf-8")
            started = time.perf_counter()
            ingest_folder(folder, engine=core.engine, on_changed=index)
            done = time.perf_counter()
            ingest_s.append(done - started)
            attempts = 0
            while True:
                began = time.perf_counter()
                attempts += 1
                hits = core.retriever.search(tenant_id="acme", query=token, limit=3)
                if any(token in hit.text for hit in hits):
                    break
                if began - done > 10:
                    raise SystemExit(f"{token} not searchable 10 s after the ingest finished")
            # When the search that found it began: 0 + overhead means the first search after the ingest did.
            after_ms.append((began - done) * 1000)
            tries.append(attempts)
            search_ms.append((time.perf_counter() - began) * 1000)
        print(f"changed document: ingest (1 document re-embedded) median {statistics.median(ingest_s):.2f} s; "
              f"the search that found it began {statistics.median(after_ms):.2f} ms after the ingest returned "
              f"(max {max(after_ms):.2f} ms; searches needed: {tries}; one search took median "
              f"{statistics.median(search_ms):.0f} ms incl. embedding the query; {args.rounds} rounds)")
        core.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
