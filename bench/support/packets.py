"""Generated packets of any size, for the limits of the card and message layouts (tests/adapters/test_teams_cards.py,
bench/teams_cards.py). Seeded, so a size always gives the same packet; the words include Markdown, HTML and
non-ASCII on purpose, since renderers must escape or keep them."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.packets.model import SECTIONS, Claim, Confidence, Packet, Source, TicketRef

WORDS = [
    "DC01", "replication", "failing", "RPC", "1722", "restarted", "DFSR", "service", "repadmin", "firewall", "TCP",
    "8443", "patch", "window", "user", "impact", "Elm", "St", "office", "VPN", "flaps", "backup", "job", "Veeam",
    "printer", "spooler", "queue", "stuck", "[brackets]", "*stars*", "_underscores_", "`ticks`", "<at>x</at>", "&",
    '"quotes"', "über", "café", "東京",
]


def generated_packet(n: int, *, seed: int = 7, text_words: tuple[int, int] = (8, 60)) -> Packet:
    rng = random.Random(seed)
    claims = []
    for i in range(n):
        section = SECTIONS[i * len(SECTIONS) // n] if rng.random() < 0.8 else rng.choice(SECTIONS)
        sources = tuple(
            Source(kind=k, id=f"{k}-{i}-{j}", title=f"{k.title()} {i}-{j} [{rng.choice(WORDS)}]",
                   url=(f"https://psa.example.com/tickets/9001#note-{i}-{j}" if k != "checklist"
                        else f"handoff://checklists/endpoint#item-{i}"), tenant="acme")
            for j, k in enumerate(rng.sample(["note", "ticket", "doc", "alert", "checklist"], rng.randint(1, 3))))
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(*text_words)))
        claims.append(Claim(id=f"c{i + 1}", section=section, text=text, sources=sources,
                            confidence=Confidence.of(rng.random(), f"reason {i}: " + " ".join(rng.sample(WORDS, 5)))))
    order = {s: k for k, s in enumerate(SECTIONS)}
    claims.sort(key=lambda c: order[c.section])  # packets list claims in section order
    ticket = TicketRef(id="9001", tenant="acme", title="FS01: everything at once", url="https://psa.example.com/tickets/9001",
                       client_name="Acme Dental Group", status="escalated", priority="P1", category="endpoint",
                       device="FS01")
    return Packet(ticket=ticket, generated_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC), claims=claims, packet_id=42,
                  notes=["The model timed out; the summary is extractive."])
