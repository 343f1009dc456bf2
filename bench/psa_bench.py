"""PSA connector speed against the stand-in ConnectWise API.

    python bench/psa_bench.py [--tickets 2000] [--notes 8] [--repeat 3] [--callbacks 50]

Sync throughput: ``run_sync`` of ``--tickets`` tickets with ``--notes`` notes
each into a fresh SQLite database, the stand-in in its own process (as a real
PSA is); tickets/s, median of ``--repeat`` runs. Callback latency: ``--callbacks``
signed ``updated`` callbacks, each for a ticket just moved to a Tier 2 board,
through the real Slack server (``adapters/slack``) with a fake Slack Web API;
from the callback sent to the packet's ``chat.postMessage`` arriving at the fake
Slack (ticket refetched, notes stored, escalation detected, packet built and
posted through ``bot.chat.escalation``), p50/p95, after one warm-up escalation
(the first packet loads the embedding model).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import connectwise_standin as cw  # noqa: E402
from bench.support.psa_world import T0, callback_body, escalation_ticket, load_tenants, service, signed  # noqa: E402
from bot.db.engine import make_engine, upgrade  # noqa: E402
from bot.psa.sync import run_sync  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class _Remote:
    """Just enough of StandIn for ``service()``: the URL of a stand-in in another process."""

    def __init__(self, url: str) -> None:
        self.url = url


def sync_throughput(tickets: int, notes: int, repeat: int) -> list[float]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.support.connectwise_standin", "--tickets", str(tickets),
                             "--notes", str(notes)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        rates = []
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                engine = make_engine(f"sqlite:///{tmp}/handoff.db")
                upgrade(engine)
                load_tenants(Path(tmp) / "w", engine)
                svc = service(engine, _Remote(url))  # type: ignore[arg-type]
                report = run_sync(svc)
                assert report.added == tickets, report.as_dict()
                rates.append(report.tickets / report.seconds)
                svc.connector.close()
                engine.dispose()
        return rates
    finally:
        proc.terminate()
        proc.wait(10)


async def callback_latency(count: int) -> list[float]:
    from aiohttp.test_utils import TestClient, TestServer
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.main import web_app
    from bench.support.fake_slack import BOT_TOKEN, SECRET, FakeSlack
    from bench.support.psa_world import write_tenants
    from bot.config import Settings
    from bot.core import Core
    from bot.ingest.loader import ingest_folder

    standin = cw.StandIn().start()
    fake = await FakeSlack().start()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), inbound_token="bench-token-123456", slack_bot_token=BOT_TOKEN,
                            slack_signing_secret=SECRET, slack_api_url=fake.api_url, connectwise_site=standin.url,
                            connectwise_company=cw.COMPANY, connectwise_public_key=cw.PUBLIC,
                            connectwise_private_key=cw.PRIVATE, connectwise_client_id=cw.CLIENT_ID)
        core = Core(settings)
        assert ingest_folder(write_tenants(Path(tmp) / "w"), engine=core.engine).ok
        http = TestClient(TestServer(web_app(core, client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url))))
        await http.start_server()
        try:
            for n in range(count + 1):  # the first one warms up (loads the embedding model)
                tid = 5000 + n
                escalation_ticket(standin, tid)
                standin.move(tid, board="Service Desk Tier 2", updated=T0 + timedelta(minutes=n))
                body = callback_body(standin, ticket_id=tid, message_id=f"bench-{n}")
                before = len(fake.posts)
                started = time.perf_counter()
                resp = await http.post("/hooks/connectwise", data=body, headers=signed(body))
                answer = await resp.json()
                assert [c["status"] for c in answer.get("channels", [])] == ["posted"], answer
                posted = fake.posts[before]
                if n:
                    times.append(posted.at - started)
        finally:
            await http.close()
            await fake.stop()
            core.close()
            standin.stop()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--callbacks", type=int, default=50)
    args = parser.parse_args()
    rates = sync_throughput(args.tickets, args.notes, args.repeat)
    print(f"sync: {args.tickets} tickets x {args.notes} notes, {args.repeat} runs: "
          f"median {statistics.median(rates):.0f} tickets/s (runs: {', '.join(f'{r:.0f}' for r in rates)})")
    times = sorted(asyncio.run(callback_latency(args.callbacks)))
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(f"callback received to packet posted (fake Slack), {len(times)} escalations: "
          f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
