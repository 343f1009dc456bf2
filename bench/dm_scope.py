"""What the direct-message rule costs a DM: the Slack membership look-up, cold and cached.

    python bench/dm_scope.py [--users 30] [--channels 40,600]

For each channel count, ``--users`` distinct users (each a member of that many channels) are looked up
with the real ``MembershipCache`` over a real ``AsyncWebClient`` against the local fake Slack Web API
(bench/support/fake_slack.py, answering 200 channels per page),
one after another: cold (``users.conversations``, every page) and then again from the cache. Loopback
only: Slack's own latency (tens of ms per page) comes on top of the cold numbers. Medians of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from adapters.slack.membership import MembershipCache  # noqa: E402
from bench.support.fake_slack import BOT_TOKEN, FakeSlack  # noqa: E402

PAGE = 200


async def measure(users: int, channels: int) -> tuple[float, float, int]:
    fake = await FakeSlack(page_size=PAGE).start()
    try:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
        cache = MembershipCache(client)
        for u in range(users):
            fake.memberships[f"U{u:06d}"] = [f"C{u:04d}{c:05d}" for c in range(channels)]
        cold, warm = [], []
        for u in range(users):
            started = time.perf_counter()
            found = await cache.channels_of(f"U{u:06d}")
            cold.append(time.perf_counter() - started)
            assert found is not None and len(found) == channels
        for u in range(users):
            started = time.perf_counter()
            await cache.channels_of(f"U{u:06d}")
            warm.append(time.perf_counter() - started)
        return statistics.median(cold) * 1000, statistics.median(warm) * 1e6, len(fake.to("users.conversations"))
    finally:
        await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--channels", default="40,600", help="comma-separated channel counts per user")
    args = parser.parse_args()
    print("| channels per user | pages | cold look-up, median | cached, median | users.conversations calls |")
    print("|---|---|---|---|---|")
    for channels in (int(c) for c in args.channels.split(",")):
        cold_ms, warm_us, calls = await measure(args.users, channels)
        pages = -(-channels // PAGE)
        print(f"| {channels} | {pages} | {cold_ms:.1f} ms | {warm_us:.1f} µs | {calls} ({args.users} users) |")


if __name__ == "__main__":
    asyncio.run(main())
