"""Slack and Teams give the same words for the same failure; every webhook refuses in the same shape.

One core, two front ends, driven as the platforms drive them: signed
``/packet`` requests into the real Bolt app (answers land in the fake Slack's
``response_url``), activities into the real CloudAdapter (answers land in the
fake Bot Connector). Each failure is caused once per platform and the words
shown are compared after removing each platform's markup (Slack's
``:warning:`` and mrkdwn escapes, the Adaptive Card's runs).

Then the three HTTP surfaces (Slack's and Teams' ``/hooks/escalation``, the
inbound alert server) get the same oversized bodies and bad tokens and must
answer alike: 413 / 401 with ``{"error": {"code", "message", "error_id"}}``.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from adapters.inbound.app import make_app as inbound_app
from adapters.teams.main import make_app as teams_app
from bot.db.models import PacketRow
from bot.db.models import PostedMessage
from bot.errors import UNEXPECTED
from bot.tenancy import rollout
from tests.harness.slack_harness import ACME, HOOK_TOKEN, Harness, refusal, start_harness
from tests.harness.teams_fakes import MSP_TENANT, FakeConnector, card_text, teams_activity
from tests.harness.worlds import write_world

TEAMS_ACME = "19:acme@thread.tacv2"
LIMIT = 4096  # HANDOFF_INBOUND_MAX_BODY_BYTES for these tests


@dataclass
class Both:
    slack: Harness
    teams: TestClient
    connector: FakeConnector
    inbound: TestClient

    async def slack_says(self, text: str, *, channel: str = ACME) -> str:
        return words(await refusal(self.slack, text, channel=channel))

    async def teams_says(self, text: str, *, channel: str = TEAMS_ACME, **activity: Any) -> str:
        before = len(self.connector.cards())
        response = await self.teams.post("/api/messages", json=teams_activity(self.connector.url, text=text,
                                                                              channel=channel, **activity))
        assert response.status in (200, 201), await response.text()
        cards = self.connector.cards()
        assert len(cards) == before + 1, "Teams answered with more or less than one card"
        return words(card_text(cards[-1]))


def words(text: str) -> str:
    """What a person reads: without the platform's markup."""
    text = html.unescape(text).removeprefix(":warning:")
    return " ".join(re.sub(r"[*`_]", "", text).split())


@pytest.fixture
async def both(tmp_path: Path, db_url: str, embedder: Any) -> AsyncIterator[Both]:
    slack, close = await start_harness(tmp_path, db_url, write_world(tmp_path / "world"), embedder=embedder,
                                       microsoft_app_tenant_id=MSP_TENANT, inbound_max_body_bytes=LIMIT)
    connector = FakeConnector()
    connector_server = TestServer(connector.app())
    await connector_server.start_server()
    connector.url = str(connector_server.make_url("/"))
    teams = TestClient(TestServer(teams_app(slack.core)))
    inbound = TestClient(TestServer(inbound_app(slack.core)))
    await teams.start_server()
    await inbound.start_server()
    try:
        yield Both(slack, teams, connector, inbound)
    finally:
        await inbound.close()
        await teams.close()
        await connector_server.close()
        await close()


def rows(h: Harness, model: Any) -> list[Any]:
    with h.core.session() as session:
        return list(session.exec(select(model)))


# --- the same failure, the same words ------------------------------------------------------

async def test_unknown_and_foreign_tickets_read_the_same(both: Both) -> None:
    for ticket in ("999999", "5001"):  # no such ticket; Ridgeline's ticket asked in Acme's channel
        in_slack = await both.slack_says(f"packet {ticket}")
        in_teams = await both.teams_says(f"packet {ticket}")
        assert in_slack == in_teams == f"Ticket #{ticket} isn't available in this channel."
    assert "Ridgeline" not in json.dumps([c.body for c in both.connector.posts])
    assert rows(both.slack, PacketRow) == []


async def test_a_channel_shared_with_another_organisation_reads_the_same(both: Both) -> None:
    both.slack.fake.channels[ACME] = {"id": ACME, "is_channel": True, "is_ext_shared": True, "is_shared": True}
    in_slack = await both.slack_says("packet 4412")
    in_teams = await both.teams_says("packet 4412", shared_channel=True)
    assert in_slack == in_teams and "shared with other organisations" in in_slack
    assert both.slack.fake.posts == [] and rows(both.slack, PostedMessage) == []


async def test_rollout_off_reads_the_same(both: Both) -> None:
    with both.slack.core.session() as session:
        rollout.set_mode(session=session, tenant_id="acme", category="*", mode="off", by="test")
    in_slack = await both.slack_says("4412")
    in_teams = await both.teams_says("4412")
    assert in_slack == in_teams and "switched off" in in_slack
    assert rows(both.slack, PacketRow) == []


async def test_bad_input_reads_the_same(both: Both) -> None:
    in_slack = await both.slack_says("frobnicate 12")
    in_teams = await both.teams_says("frobnicate 12")
    assert in_slack == in_teams and "I don't know frobnicate" in in_slack


async def test_an_unexpected_error_in_the_core_reads_the_same_with_a_logged_id(
        both: Both, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("connection reset while reading acme's notes")

    monkeypatch.setattr(both.slack.core, "packet_for", broken)
    with caplog.at_level("ERROR", logger="handoff"):
        in_slack = await both.slack_says("4412")
        in_teams = await both.teams_says("4412")
    ids = [re.search(r"error id (\w+)", said).group(1) for said in (in_slack, in_teams)]  # type: ignore[union-attr]
    assert ids[0] != ids[1]
    assert in_slack == words(UNEXPECTED.format(error_id=ids[0])) and in_teams == words(UNEXPECTED.format(error_id=ids[1]))
    for error_id in ids:  # each id is in the log, with the traceback
        [record] = [r for r in caplog.records if error_id in r.getMessage()]
        assert record.exc_info is not None and "connection reset" in str(record.exc_info[1])
    assert "connection reset" not in in_slack + in_teams  # the exception itself is never shown


# --- the three webhooks refuse alike ----------------------------------------------------------

SURFACES = {"slack hook": ("slack", "/hooks/escalation"), "teams hook": ("teams", "/hooks/escalation"),
            "inbound": ("inbound", "/alerts/generic/acme")}


def client_of(both: Both, name: str) -> TestClient:
    return {"slack": both.slack.http, "teams": both.teams, "inbound": both.inbound}[name]


async def refusal_of(both: Both, surface: str, data: Any, *, token: str | None = HOOK_TOKEN) -> tuple[int, dict[str, Any]]:
    name, path = SURFACES[surface]
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    response = await client_of(both, name).post(path, data=data, headers=headers)
    body = await response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "error_id"}, body
    assert re.fullmatch(r"[0-9a-f]{10}", body["error"]["error_id"])
    return response.status, {k: v for k, v in body["error"].items() if k != "error_id"}


def oversized() -> bytes:
    # A valid body for each surface, padded past the limit: only its size is wrong.
    body = json.dumps({"ticket_id": "4412", "id": "rmm-1", "tenant": "acme", "padding": "x" * LIMIT}).encode()
    assert len(body) > LIMIT
    return body


async def chunked(raw: bytes, *, pause: float = 0.0) -> AsyncIterator[bytes]:
    """No Content-Length: the body arrives in pieces (``pause`` apart), and the limit must still hold."""
    for start in range(0, len(raw), 1000):
        if pause:
            await asyncio.sleep(pause)  # so the server sees the pieces one by one, not one buffer
        yield raw[start:start + 1000]


async def test_every_webhook_answers_an_oversized_body_with_413_in_one_shape(both: Both) -> None:
    announced = {s: await refusal_of(both, s, oversized()) for s in SURFACES}
    assert {status for status, _ in announced.values()} == {413}
    assert len({json.dumps(e, sort_keys=True) for _, e in announced.values()}) == 1, announced
    assert announced["inbound"][1] == {"code": "too_large",
                                       "message": f"body of {len(oversized())} bytes exceeds the limit of {LIMIT}"}
    streamed = {s: await refusal_of(both, s, chunked(oversized())) for s in SURFACES}
    assert {status for status, _ in streamed.values()} == {413}
    assert len({json.dumps(e, sort_keys=True) for _, e in streamed.values()}) == 1, streamed
    assert both.slack.fake.posts == [] and both.connector.posts == [] and rows(both.slack, PacketRow) == []


async def test_a_body_just_under_the_limit_sent_in_pieces_is_read_whole(both: Both) -> None:
    """``content.read(n)`` returns one piece at a time: a hook that read once would see a cut-off body."""
    body = json.dumps({"ticket_id": "4412", "padding": "x" * (LIMIT - 100)}).encode()
    assert 1000 < len(body) <= LIMIT
    for surface in ("slack hook", "teams hook"):
        name, path = SURFACES[surface]
        response = await client_of(both, name).post(path, data=chunked(body, pause=0.05), headers={
            "Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json"})
        assert response.status != 400, await response.text()  # read as one JSON object, not a prefix
    await both.slack.settle()
    [post] = both.slack.fake.posts
    assert post.args["channel"] == ACME


async def test_every_webhook_answers_a_bad_token_with_401_in_one_shape(both: Both) -> None:
    for token, why in ((None, "missing"), ("not-the-token", "wrong")):
        answers = {s: await refusal_of(both, s, json.dumps({"ticket_id": "4412"}), token=token) for s in SURFACES}
        expected = (401, {"code": "unauthorized", "message": f"{why} bearer token (Authorization: Bearer <token>)"})
        assert set(map(json.dumps, answers.values())) == {json.dumps(expected)}, answers
    assert both.slack.fake.posts == [] and both.connector.posts == []


async def test_both_escalation_hooks_answer_bad_bodies_and_unknown_tickets_alike(both: Both) -> None:
    for data, status in (("{not json", 400), (json.dumps({"ticket_id": "abc"}), 400),
                         (json.dumps({"ticket_id": "999999"}), 404)):
        slack = await refusal_of(both, "slack hook", data)
        teams = await refusal_of(both, "teams hook", data)
        assert slack == teams and slack[0] == status, (slack, teams)
