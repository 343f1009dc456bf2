"""The escalation webhook, the health check, and the private ask / triage answers (one client's data only)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.slack_harness import (
    ACME,
    HOOK_TOKEN,
    NOC,
    RIDGE,
    Harness,
    private_reply,
    start_harness,
)
from tests.harness.worlds import write_world

# --- the escalation webhook ---------------------------------------------------------------


async def hook(h: Harness, body: Any, *, token: str = HOOK_TOKEN, key: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = body if isinstance(body, str) else json.dumps(body)
    response = await h.http.post("/hooks/escalation", data=data, headers=headers)
    return response.status, await response.json()


async def test_webhook_posts_the_packet_to_the_clients_channel_once(slack: Harness) -> None:
    status, body = await hook(slack, {"ticket_id": "4412"})
    assert status == 200 and body["channels"][0]["status"] == "posted"
    [post] = slack.fake.posts
    assert post.args["channel"] == ACME and "thread_ts" not in post.args
    status, body = await hook(slack, {"ticket_id": 4412})
    assert status == 200 and body["channels"][0]["status"] == "duplicate"
    assert len(slack.fake.posts) == 1


async def test_webhook_rejects_bad_requests_clearly(slack: Harness) -> None:
    assert (await hook(slack, {"ticket_id": "4412"}, token="wrong"))[0] == 401
    status, body = await hook(slack, "{not json")
    assert status == 400 and "not JSON" in body["error"]["message"]
    status, body = await hook(slack, {"ticket_id": "abc"})
    assert status == 400 and "ticket_id" in body["error"]["message"]
    status, body = await hook(slack, {"ticket_id": "9999"})
    assert status == 404 and body["error"] == {"code": "not_found", "message": "no ticket #9999", "error_id": body["error"]["error_id"]}
    assert slack.fake.posts == []


async def test_webhook_never_posts_into_a_slack_connect_channel(slack: Harness) -> None:
    slack.fake.channels[ACME] = {"id": ACME, "is_channel": True, "is_ext_shared": True, "is_shared": True}
    status, body = await hook(slack, {"ticket_id": "4412"})
    assert status == 409 and body["channels"][0]["status"] == "refused"
    assert slack.fake.posts == []


async def test_health(slack: Harness) -> None:
    response = await slack.http.get("/healthz")
    assert response.status == 200 and (await response.json())["ok"] is True


# --- triage and ask: private answers, one client's data only ------------------------------


async def test_triage_in_a_client_channel_shows_only_that_clients_signals(slack: Harness) -> None:
    # Both clients have a DC01 with a replication alert in the same hour.
    acme = await private_reply(slack, "triage", ACME)
    assert "Alert signals · Acme Dental Group" in acme and "RPC server is unavailable" in acme
    assert "access denied" not in acme and "Ridgeline" not in acme
    noc = await private_reply(slack, "triage", NOC)
    assert "Alert signals · all clients" in noc and "*Acme Dental Group*" in noc and "*Ridgeline Manufacturing*" in noc
    refused = await private_reply(slack, "triage ridge", ACME)
    assert "That isn't available in this channel." in refused and "access denied" not in refused
    assert slack.fake.posts == []


NEAR_TWIN_DOCS = {
    "acme/denticore.md": "---\ntitle: Denticore imaging service\nkind: runbook\nurl: https://docs.example.com/acme/denticore\n"
    "---\n# Denticore imaging service\n## Restart the Denticore service\nOn the imaging server run "
    "`Restart-Service Denticore` after 19:00, then check that port 8443 answers.\n",
    "ridge/denticore.md": "---\ntitle: Denticore imaging service\nkind: runbook\nurl: https://docs.example.com/ridge/denticore\n"
    "---\n# Denticore imaging service\n## Restart the Denticore service\nOn the imaging server run "
    "`Restart-Service Denticore` after 22:00, then check that port 9443 answers.\n",
}


@pytest.fixture
async def twins(tmp_path: Path, db_url: str, embedder) -> AsyncIterator[Harness]:  # type: ignore[no-untyped-def]
    world = write_world(tmp_path / "world", docs=NEAR_TWIN_DOCS)
    harness, close = await start_harness(tmp_path, db_url, world, embedder=embedder)
    try:
        yield harness
    finally:
        await close()


@pytest.mark.parametrize("channel, question, mine, theirs", [
    (ACME, "ask how do we restart the Denticore service?", "acme", "ridge"),
    (RIDGE, "ask how do we restart the Denticore service?", "ridge", "acme"),
    (NOC, "ask acme how do we restart the Denticore service?", "acme", "ridge"),
    (NOC, "ask Ridgeline how do we restart the Denticore service?", "ridge", "acme"),
])
async def test_ask_never_cites_another_clients_near_identical_document(
        twins: Harness, channel: str, question: str, mine: str, theirs: str) -> None:
    reply = await private_reply(twins, question, channel)
    assert f"https://docs.example.com/{mine}/denticore" in reply
    assert f"docs.example.com/{theirs}/" not in reply
    assert ("9443" in reply) == (mine == "ridge") and ("8443" in reply) == (mine == "acme")


async def test_ask_with_nothing_good_enough_says_so(twins: Harness) -> None:
    reply = await private_reply(twins, "ask zebra migration schedule for the penguin enclosure", ACME)
    assert "Nothing found for this client" in reply
