"""The one-screen packet and the web pages: sizes for every demo packet, server time per page.

    python bench/web_pages.py [--repeat 20] [--scale 20]

Prints, over every demo MSP packet (built by the real core, no index: the
sections that need retrieval stay empty here; the tests measure them with it):
the first Slack message's blocks and characters, the first Teams card's bytes
and actions. Then the server time of each page type (packet, signal, checklist,
report, metrics) through the real aiohttp app over loopback, median and p95 of
``--repeat`` requests after one warm-up, measured by the app's own
``Server-Timing`` header (the chart PNG is a separate, cached request). The
report page draws its charts on its first open ("report"), unless a front end
drew and stored them before ("report, charts stored": what opening the link of
a Slack post, which drew them for its PDFs, costs); each page starts with the
process's chart cache empty.
With ``--scale K`` the pages are measured on a database holding the demo K
times over (``bench/scale.py``; K=20 is the ingest benchmark's 121,978 rows).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402

from adapters.cli.commands.demo import demo_folder  # noqa: E402
from adapters.slack.blocks import packet_message  # noqa: E402
from adapters.teams import cards  # noqa: E402
from adapters.web import report_document  # noqa: E402
from adapters.web.app import make_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.db import store  # noqa: E402
from bot.ingest.loader import ingest_folder  # noqa: E402
from bot.tenancy.policy import Where  # noqa: E402


def spread(values: list[float]) -> str:
    values = sorted(values)
    return f"min {values[0]:.0f}, median {statistics.median(values):.0f}, max {values[-1]:.0f}"


async def page_times(core: Core, urls: dict[str, str], repeat: int) -> None:
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    try:
        print(f"{'page':>22} {'status':>6} {'first ms':>8} {'median ms':>9} {'p95 ms':>7} {'bytes':>7}")
        for name, url in urls.items():
            report_document._CHARTS.clear()  # as a fresh web process: only the database has them
            parts = urlsplit(url)
            path = f"{parts.path}?{parts.query}"
            times, size, status, first = [], 0, 0, 0.0
            for i in range(repeat + 1):
                response = await client.get(path)
                body = await response.read()
                status, size = response.status, len(body)
                took = float(response.headers["Server-Timing"].split("dur=")[1])
                if i:  # the first request warms the templates and the database (and the metrics cache)
                    times.append(took)
                else:
                    first = took
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{name:>22} {status:>6} {first:>8.1f} {statistics.median(times):>9.1f} {p95:>7.1f} {size:>7}")
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--scale", type=int, default=1, help="measure the pages on the demo copied K times")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp), public_url="https://handoff.example.com",
                             web_secret=["b" * 40], slack_noc_channels="C0NOC"))  # type: ignore[arg-type]
        folder = demo_folder()
        if args.scale > 1:
            from bench.scale import scale

            folder = scale(demo_folder(), Path(tmp) / "scaled", args.scale)
        ingest_folder(folder, engine=core.engine)
        with core.session() as session:
            tenants = store.list_tenants(session=session)
            rows = sum(len(store.list_tickets(session=session, tenant_id=te.id)) for te in tenants)
            # The size measures over the demo's own tickets (the first copy when scaled).
            first = [te for te in tenants if args.scale == 1 or te.id.endswith("-0")]
            tickets = [t.id for te in first for t in store.list_tickets(session=session, tenant_id=te.id)]
        print(f"database: {len(tenants)} clients, {rows} tickets (demo x{args.scale})")
        packets = [core.packet_for(t, where=Where("cli")) for t in tickets]
        slack = [packet_message(p) for p in packets]
        teams = [cards.packet_cards(p) for p in packets]
        print(f"demo MSP: {len(packets)} packets, {spread([len(p.claims) for p in packets])} claims")
        print(f"Slack first message blocks: {spread([len(m.blocks) for m in slack])} (limit 20)")
        print(f"Slack first message characters (JSON): {spread([m.size() for m in slack])} (Slack ~13,200)")
        print(f"Slack claims cut on the glance: {sum(len(p.section('summary')[:5]) - len(set(m.shown) & {c.id for c in p.section('summary')}) for p, m in zip(packets, slack, strict=True))}")
        print(f"Teams first card bytes: {spread([cards.card_bytes(t.first) for t in teams])} (limit 20,000); "
              f"needing Show full packet: {sum(t.truncated for t in teams)}")
        print(f"Teams first card actions: {spread([cards.count_actions(t.first) for t in teams])} (limit 8); "
              f"old layout: 4 per claim + 3")
        biggest = max(packets, key=lambda p: len(p.claims))
        signal = next(u for k, u in biggest.links.items() if k.startswith("handoff://signals/"))
        checklist = next(u for k, u in biggest.links.items() if k.startswith("handoff://checklists/"))
        tenant = store_tenant_name(core, biggest.ticket.tenant)
        report = core.report(where=Where("cli"), client=tenant, month="2026-11")
        metrics = core.metrics(where=Where("slack", "C0NOC"), client=tenant)
        urls = {"packet": biggest.web_url or "", "signal": signal, "checklist": checklist,
                "report": core.publish_report(report, Where("slack", "C0NOC")).web_url or "",
                "report, charts stored": stored_report_url(core, tenant),
                "metrics": metrics.web_url or ""}
        print(f"pages of the biggest packet (ticket #{biggest.ticket.id}, {len(biggest.claims)} claims):")
        asyncio.run(page_times(core, urls, args.repeat))
        core.close()


def stored_report_url(core: Core, tenant: str) -> str:
    """A new revision whose charts a front end drew and stored (as the Slack post does for its PDFs)."""
    report = core.report(where=Where("cli"), client=tenant, month="2026-11")
    assert report.report_id is not None
    core.report_charts(report.report_id, report.review)
    return core.publish_report(report, Where("slack", "C0NOC")).web_url or ""


def store_tenant_name(core: Core, tenant_id: str) -> str:
    with core.session() as session:
        return store.get_tenant(session=session, tenant_id=tenant_id).name


if __name__ == "__main__":
    main()
