"""A ConnectWise escalation posts its packet: callback into the real Slack app, the stand-in ConnectWise API
(sources: tests/unit/test_psa_connectwise.py), the one escalation flow, a fake Slack Web API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bench.support import connectwise_standin as cw
from bench.support.psa_world import T0, callback_body, escalation_ticket, signed
from bot.db.models import Ticket
from tests.harness.slack_harness import ACME, HOOK_TOKEN, Harness, rows, start_harness, texts
from tests.harness.worlds import write_world

TENANTS = """\
tenants:
  - id: acme
    name: Acme Dental Group
    channels:
      slack: [C0ACME]
    psa: {connectwise: AcmeDental}
  - id: ridge
    name: Ridgeline Manufacturing
    channels:
      slack: [C0RIDGE]
    psa: {connectwise: RidgelineMfg}
"""


@pytest.fixture
async def psa_slack(tmp_path: Path, db_url: str, embedder: Any) -> AsyncIterator[tuple[Harness, cw.StandIn]]:
    standin = cw.StandIn().start()
    world = write_world(tmp_path / "world", tenants_yaml=TENANTS)
    harness, close = await start_harness(
        tmp_path, db_url, world, embedder=embedder, connectwise_site=standin.url,
        connectwise_company=cw.COMPANY, connectwise_public_key=cw.PUBLIC, connectwise_private_key=cw.PRIVATE,
        connectwise_client_id=cw.CLIENT_ID, psa_max_retries=1)
    try:
        yield harness, standin
    finally:
        await close()
        standin.stop()


async def _callback(h: Harness, standin: cw.StandIn, ticket: int, message_id: str) -> dict[str, Any]:
    body = callback_body(standin, ticket_id=ticket, message_id=message_id)
    resp = await h.http.post("/hooks/connectwise", data=body, headers=signed(body))
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_move_to_tier2_posts_one_packet_with_the_newest_l1_note(psa_slack: tuple[Harness, cw.StandIn]) -> None:
    h, standin = psa_slack
    escalation_ticket(standin, 7701)  # never imported: Handoff learns it from the callback
    first = await _callback(h, standin, 7701, "m-1")
    assert first["status"] == "stored" and "channels" not in first
    assert h.fake.posts == []

    standin.add_note(7701, 5, "Ran dcdiag /test:replications on DC01: fails with error 1722.",
                     at=T0 + timedelta(minutes=4))
    standin.move(7701, board="Service Desk Tier 2", updated=T0 + timedelta(minutes=5))
    moved = await _callback(h, standin, 7701, "m-2")
    assert [c["status"] for c in moved["channels"]] == ["posted"], moved
    posts = [p for p in h.fake.posts if p.args.get("channel") == ACME]
    assert len(posts) == 1
    text = texts(posts[0])
    assert "Already tried" in text and "Ran dcdiag /test:replications on DC01" in text

    # The same delivery again, and a new update while still on Tier 2: nothing new is posted.
    assert (await _callback(h, standin, 7701, "m-2"))["status"] == "duplicate"
    standin.add_note(7701, 6, "Waiting on the vendor.", at=T0 + timedelta(minutes=8))
    standin.move(7701, status="Waiting", updated=T0 + timedelta(minutes=8))
    later = await _callback(h, standin, 7701, "m-3")
    assert [c["status"] for c in later["channels"]] == ["duplicate"]
    await h.settle()
    assert len([p for p in h.fake.posts if p.method == "chat.postMessage"]) == 1
    assert standin.methods() == {"GET"}


async def test_an_unmapped_company_stores_and_posts_nothing(psa_slack: tuple[Harness, cw.StandIn]) -> None:
    h, standin = psa_slack
    escalation_ticket(standin, 7801, company="Acme Dental Group")  # the client's name, not its mapping
    standin.move(7801, board="Service Desk Tier 2", updated=T0 + timedelta(minutes=5))
    answer = await _callback(h, standin, 7801, "u-1")
    assert answer["status"] == "unmapped"
    assert [t for t in rows(h, Ticket) if t.id == "7801"] == [] and h.fake.posts == []


async def test_escalation_webhook_fetches_an_unknown_ticket_from_the_psa(
        psa_slack: tuple[Harness, cw.StandIn]) -> None:
    h, standin = psa_slack
    escalation_ticket(standin, 7702)
    resp = await h.http.post("/hooks/escalation", data=json.dumps({"ticket_id": "7702"}),
                             headers={"Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json"})
    assert resp.status == 200, await resp.text()
    assert [c["status"] for c in (await resp.json())["channels"]] == ["posted"]
    assert any(t.id == "7702" and t.tenant_id == "acme" for t in rows(h, Ticket))
    resp = await h.http.post("/hooks/escalation", data=json.dumps({"ticket_id": "99999"}),
                             headers={"Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json"})
    assert resp.status == 404  # not in Handoff, not in the PSA

