"""Teams card sizes: every demo MSP packet, and generated packets of 50 to 400 claims.

    python bench/teams_cards.py

Prints, per packet size, the bytes of the first card (Teams' limit is about
28 KB per message; Handoff keeps each card under ``cards.MAX_CARD_BYTES``),
how many claims it shows, how many continuation cards "Show full packet"
posts, and the time to render them all (median of 5).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session  # noqa: E402

from adapters.cli.commands.demo import demo_folder  # noqa: E402
from adapters.teams import cards  # noqa: E402
from bench.support.packets import generated_packet  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.db import store  # noqa: E402
from bot.ingest.loader import ingest_folder  # noqa: E402
from bot.tenancy.policy import Where  # noqa: E402


def timed(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(Settings(data_dir=Path(tmp)))
        ingest_folder(demo_folder(), engine=core.engine)
        with Session(core.engine) as session:
            tickets = [t.id for te in store.list_tenants(session=session)
                       for t in store.list_tickets(session=session, tenant_id=te.id)]
        layouts = [cards.packet_cards(core.packet_for(t, where=Where(platform="cli"))) for t in tickets]
        core.close()
    sizes = sorted(cards.card_bytes(layout.first) for layout in layouts)
    print(f"demo MSP: {len(layouts)} packets; first card bytes min {sizes[0]}, median {sizes[len(sizes) // 2]}, "
          f"max {sizes[-1]}; truncated {sum(layout.truncated for layout in layouts)} (limit {cards.MAX_CARD_BYTES})")
    print(f"{'claims':>7} {'first card B':>12} {'shown':>6} {'more cards':>10} {'max card B':>10} {'render ms':>9}")
    for n in (50, 100, 200, 400):
        packet = generated_packet(n)
        layout = cards.packet_cards(packet)
        largest = max(cards.card_bytes(c) for c in (layout.first, *layout.rest))
        ms = timed(lambda p=packet: cards.packet_cards(p)) * 1000
        print(f"{n:>7} {cards.card_bytes(layout.first):>12} {len(layout.shown):>6} {len(layout.rest):>10} "
              f"{largest:>10} {ms:>9.0f}")


if __name__ == "__main__":
    main()
