"""Slack app latency over loopback: ack time and time to the posted packet.

    python bench/slack_ack.py [--requests 50] [--database-url URL]

Loads the demo MSP into a fresh database, runs the real Slack app (aiohttp,
real Bolt, real AsyncWebClient) on a loopback port against the local fake
Slack Web API (bench/support/fake_slack.py), and fires ``--requests`` correctly signed
``/packet N`` slash commands at once from a NOC channel, one per ticket.
Ack = until the HTTP response; posted = until chat.postMessage for that ticket
reached the fake Slack. Round 1 builds every packet; round 2 asks again, so
the stored packets are reused. One run each; 2 shared cores: read it as an
order of magnitude.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from adapters.cli.commands.demo import demo_folder  # noqa: E402
from adapters.slack.main import FRONT, web_app  # noqa: E402
from bench.support.fake_slack import BOT_TOKEN, SECRET, FakeSlack, sign  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.db.engine import normalise_url  # noqa: E402
from bot.ingest.loader import ingest_folder  # noqa: E402

NOC = "C0BENCHNOC"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


async def fire(http: aiohttp.ClientSession, url: str, ticket: str, fake: FakeSlack, n: str) -> tuple[float, float]:
    body = urllib.parse.urlencode({
        "command": "/packet", "text": ticket, "channel_id": NOC, "user_id": "U0BENCH", "team_id": "T0MSP",
        "trigger_id": f"{n}.{ticket}.bench",  # distinct per request: a repeated trigger_id is a duplicate "response_url": fake.response_url(f"b{n}"),
    })
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    start = time.perf_counter()
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
        assert response.status == 200, response.status
    ack = time.perf_counter() - start
    header = f"Ticket #{ticket} "
    deadline = start + 60
    while time.perf_counter() < deadline:
        for call in fake.posts:
            if call.at >= start and call.blocks and call.blocks[0]["text"]["text"].startswith(header):
                return ack, call.at - start
        await asyncio.sleep(0.002)
    raise TimeoutError(f"no packet posted for ticket {ticket} within 60 s")


@contextmanager
def fresh_database(url: str | None) -> Iterator[str | None]:
    """SQLite (None) as is; on PostgreSQL a new schema, dropped afterwards, so the server is left as found."""
    if not url:
        yield None
        return
    from sqlalchemy import create_engine, text

    schema = f"bench_slack_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(url))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in url else "?"
        yield f"{normalise_url(url)}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


async def main(requests: int, database_url: str | None) -> None:
    with fresh_database(database_url) as url:
        await run(requests, url)


async def run(requests: int, database_url: str | None) -> None:
    logging.basicConfig(level=logging.ERROR)
    folder = demo_folder()
    tickets = [json.loads(line)["id"] for line in (folder / "tickets.jsonl").read_text().splitlines() if line.strip()]
    tickets = tickets[:requests]
    with tempfile.TemporaryDirectory() as tmp:
        fake = await FakeSlack().start()
        settings = Settings(data_dir=Path(tmp), database_url=database_url, slack_bot_token=BOT_TOKEN,
                            slack_signing_secret=SECRET, slack_api_url=fake.api_url, slack_noc_channels=[NOC])
        core = Core(settings)
        t0 = time.perf_counter()
        summary = ingest_folder(folder, engine=core.engine)
        assert summary.ok, summary.errors[:3]
        print(f"demo MSP loaded in {time.perf_counter() - t0:.1f}s; {len(tickets)} tickets; "
              f"database {core.engine.url.get_backend_name()}")
        app = web_app(core, client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}/slack/events"
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            await fire(http, url, tickets[-1], fake, "warm")  # warm-up: auth.test, the channel cache
            for round_, label in enumerate(("round 1: packets built", "round 2: stored packets reused"), 1):
                started = time.perf_counter()
                results = await asyncio.gather(*(fire(http, url, t, fake, f"{round_}-{i}")
                                                 for i, t in enumerate(tickets, 1)))
                wall = time.perf_counter() - started
                acks = [a * 1000 for a, _ in results]
                posted = [p * 1000 for _, p in results]
                print(f"{label}: {len(results)} concurrent /packet over loopback, {wall:.2f}s wall")
                print(f"  ack latency       p50 {statistics.median(acks):7.1f} ms   p99 {pct(acks, 99):7.1f} ms"
                      f"   max {max(acks):7.1f} ms")
                print(f"  time to posted    p50 {statistics.median(posted):7.1f} ms   p95 {pct(posted, 95):7.1f} ms"
                      f"   max {max(posted):7.1f} ms")
        await app[FRONT].work.settle(timeout=60)
        await runner.cleanup()
        await fake.stop()
        core.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database-url", help="e.g. postgresql://postgres@127.0.0.1:5432/test (default: SQLite)")
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.database_url))
