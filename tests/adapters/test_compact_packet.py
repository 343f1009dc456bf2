"""The one-screen promise, measured on every demo MSP packet (issue 15).

First Slack message: at most 20 blocks, within Slack's limits, nothing cut
(every claim it shows is shown whole, the rest is one click away in the
thread). First Teams card: under 20 KB with at most 8 actions, nearly every
claim on it behind "Show all" (the few that do not fit: "Show full packet"). No ``handoff://`` URI in either, with web
links configured (signed https links) and without (titles only).
"""

from __future__ import annotations

import json

from adapters.slack.blocks import packet_message, remaining_messages
from adapters.slack.validate import problems
from adapters.teams import cards
from bot.core import Core
from bot.db import store
from bot.tenancy.policy import Where
from tests.harness.teams_fakes import card_claims, card_picker

PUBLIC = "https://handoff.example.com"


def test_every_demo_packet_is_one_screen_in_slack_and_teams(demo_core: Core) -> None:
    with demo_core.session() as session:
        tickets = [t.id for te in store.list_tenants(session=session)
                   for t in store.list_tickets(session=session, tenant_id=te.id)]
    assert len(tickets) > 100
    demo_core.settings.public_url = PUBLIC
    demo_core.settings.web_secret = ["k" * 40]
    demo_core.__dict__.pop("web_links", None)
    try:
        for ticket in tickets:
            packet = demo_core.packet_for(ticket, where=Where("cli", user_id="test"))
            plain = demo_core.publish_packet(demo_core.packet_for(ticket, where=Where("cli")), None)
            for p in (packet, plain):
                main = packet_message(p)
                assert problems(main) == [] and len(main.blocks) <= 20, ticket
                rest = remaining_messages(p, main.rest)
                in_thread = [b["block_id"][6:] for m in rest for b in m.blocks
                             if b.get("block_id", "").startswith("claim:")]
                assert sorted(set(main.shown) | set(in_thread)) == sorted(c.id for c in p.claims)
                # Nothing the glance shows is cut: a demo packet's glance claims are all shown whole.
                glance = {c.id for c in p.section("summary")[:5]}
                assert glance <= set(main.shown), ticket
                layout = cards.packet_cards(p)
                assert cards.card_bytes(layout.first) < 20_000 and cards.count_actions(layout.first) <= 8
                on_cards = [c["id"] for card in (layout.first, *layout.rest) for c in card_claims(card)]
                assert sorted(on_cards) == sorted(c.id for c in p.claims)  # the rest: one "Show full packet"
                assert sorted(card_picker(layout.first)) == sorted(c["id"] for c in card_claims(layout.first))
                posted = json.dumps(main.blocks) + json.dumps([m.blocks for m in rest]) + json.dumps(layout.first)
                assert "handoff://" not in posted, ticket
            assert packet.web_url and packet.web_url in json.dumps(packet_message(packet).blocks)
    finally:
        demo_core.settings.public_url = None
        demo_core.settings.web_secret = []
        demo_core.__dict__.pop("web_links", None)
