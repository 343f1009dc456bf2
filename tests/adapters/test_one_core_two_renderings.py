"""One core, two renderings: Slack and Teams show the same claims, sources and confidence for one ticket.

Both front ends run against the same Core: `/packet 4412` goes through the real
Bolt app to a fake Slack Web API, `@Handoff packet 4412` through the real
CloudAdapter to a fake Bot Connector. What each posted is read back and compared.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.main import make_app
from bot.tenancy.policy import Where
from tests.harness.slack_harness import ACME, post_packet, start_harness
from tests.harness.teams_fakes import MSP_TENANT, FakeConnector, card_claims, teams_activity
from tests.harness.worlds import write_world


def slack_claims(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """claim id -> text, label, score and web links, from the packet's section and context blocks."""
    out: dict[str, dict[str, Any]] = {}
    for block in blocks:
        kind, _, claim_id = block.get("block_id", "").partition(":")
        if kind == "claim":  # a section's top claim under its "*Title* · N claims" line
            out.setdefault(claim_id, {})["text"] = html.unescape(block["text"]["text"].split("\n", 1)[1])
        elif kind == "cite":
            line = block["elements"][0]["text"]
            label, score = re.search(r"\*(HIGH|MEDIUM|LOW) (\d\.\d\d)\*", line).groups()  # type: ignore[union-attr]
            out.setdefault(claim_id, {}).update(
                label=label.lower(), score=score, links=re.findall(r"<(https?://[^|>]+)\|", line))
    return out


def teams_claims(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for claim in card_claims(card):
        label, score = re.match(r"(High|Medium|Low) confidence (\d\.\d\d)", claim["confidence"]).groups()  # type: ignore[union-attr]
        out[claim["id"]] = {"text": claim["text"], "label": label.lower(), "score": score, "links": claim["links"],
                            "visible": claim["visible"]}
    return out


async def test_slack_and_teams_show_the_same_packet(tmp_path: Path, db_url: str, embedder: Any) -> None:
    harness, close = await start_harness(tmp_path, db_url, write_world(tmp_path / "world"), embedder=embedder,
                                         microsoft_app_tenant_id=MSP_TENANT)
    connector = FakeConnector()
    connector_server = TestServer(connector.app())
    await connector_server.start_server()
    connector.url = str(connector_server.make_url("/"))
    teams = TestClient(TestServer(make_app(harness.core)))
    await teams.start_server()
    try:
        slack_post = await post_packet(harness, "4412", channel=ACME)
        response = await teams.post("/api/messages", json=teams_activity(connector.url, text="packet 4412"))
        assert response.status in (200, 201), await response.text()
        [card] = connector.cards()

        in_slack, in_teams = slack_claims(slack_post.blocks), teams_claims(card)
        # The glance: each section's top claim, the same in both, with the same confidence and links.
        glance = [i for i, c in in_teams.items() if c.pop("visible") and i in in_slack]
        assert in_slack and glance == list(in_slack)
        for claim_id, shown in in_slack.items():
            assert shown == in_teams[claim_id], claim_id
        # ...and both are the core's packet (built once, reused for the second request); the card holds it all.
        packet = harness.core.packet_for("4412", where=Where(platform="cli"))
        assert sorted(in_teams) == sorted(c.id for c in packet.claims)
        for claim in packet.claims:
            assert in_teams[claim.id]["score"] == f"{claim.confidence.score:.2f}"
            assert in_teams[claim.id]["links"] == [s.url for s in claim.sources if s.url.startswith("https://")]
            if claim.id in in_slack:
                assert in_slack[claim.id]["links"] == in_teams[claim.id]["links"]
    finally:
        await teams.close()
        await connector_server.close()
        await close()
