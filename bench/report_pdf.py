"""Client report PDFs: the time to draft a report and to render each version's PDF, their sizes, and PNG
screenshots of the client version's pages.

    python bench/report_pdf.py [--tenant acme] [--month 2026-10] [--repeat 5] [--shots DIR (default: report-shots)]

Loads the demo MSP into a throwaway SQLite database, then ``--repeat`` times
(after one warm-up that pays the imports of matplotlib, xhtml2pdf and reportlab):
the draft (``Core.report``: queries, service review, plain summary, stored as a
new revision), the three charts, and the client and internal PDFs (each from
the HTML, charts included). Prints medians (and the warm-up, which is what a
first request after start pays), the PDF sizes and page counts, and writes
pages 1-2 of the client PDF as PNGs (pypdfium2, 110 dpi) into ``--shots``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.cli.commands.demo import demo_folder  # noqa: E402
from adapters.cli.commands.report import operator  # noqa: E402
from adapters.web.report_document import DocumentMeta, render_pdf  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.ingest.loader import ingest_folder  # noqa: E402
from bot.reporting import report_charts  # noqa: E402


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", default="acme")
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shots", type=Path, default=Path("report-shots"), help="where the PDFs and PNG pages go")
    args = parser.parse_args()
    if args.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp), msp_name="Northwind IT"))
        summary = ingest_folder(demo_folder(), engine=core.engine)
        assert summary.ok, summary.errors
        runs: dict[str, list[float]] = {"draft": [], "charts": [], "charts 100 dpi": [], "client pdf": [],
                                        "internal pdf": []}
        first: dict[str, float] = {}
        pdfs: dict[str, bytes] = {}
        for i in range(args.repeat + 1):
            draft, t_draft = timed(core.report, where=operator(), client=args.tenant, month=args.month)
            _, t_charts = timed(report_charts.all_charts, draft.review)
            # Would a screen resolution make the web page's first open cheaper? Same load, back to back.
            dpi, report_charts.DPI = report_charts.DPI, 100
            _, t_low = timed(report_charts.all_charts, draft.review)
            report_charts.DPI = dpi
            meta = DocumentMeta(draft.report_no, draft.revision, draft.ready_at)
            took = {"draft": t_draft, "charts": t_charts, "charts 100 dpi": t_low}
            for audience in ("client", "internal"):
                pdfs[audience], took[f"{audience} pdf"] = timed(render_pdf, draft.review, audience=audience,
                                                               meta=meta)
            for name, seconds in took.items():
                if i == 0:
                    first[name] = seconds
                else:
                    runs[name].append(seconds)
        core.close()
    import pypdfium2 as pdfium

    print(f"{args.tenant} {args.month}, {args.repeat} runs after one warm-up (seconds):")
    for name, values in runs.items():
        print(f"  {name:14s} median {statistics.median(values):.2f}  min {min(values):.2f}  "
              f"max {max(values):.2f}  (warm-up {first[name]:.2f})")
    both = [c + i for c, i in zip(runs["client pdf"], runs["internal pdf"], strict=True)]
    print(f"  draft + both PDFs, median {statistics.median(runs['draft']) + statistics.median(both):.2f} s "
          "(the PDFs include drawing the charts, once per PDF)")
    args.shots.mkdir(parents=True, exist_ok=True)
    for audience, data in pdfs.items():
        document = pdfium.PdfDocument(data)
        path = args.shots / f"{args.tenant}-{args.month}-{audience}.pdf"
        path.write_bytes(data)
        print(f"  {audience} PDF: {len(data):,} bytes, {len(document)} pages -> {path}")
        if audience == "client":
            for page in range(min(2, len(document))):
                png = args.shots / f"{args.tenant}-{args.month}-client-page{page + 1}.png"
                document[page].render(scale=110 / 72).to_pil().save(png)
                print(f"  screenshot -> {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
