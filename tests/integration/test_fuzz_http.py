"""Every malformed request gets a 4xx, never a 500: hypothesis-generated bodies and headers against each
HTTP endpoint of the real servers (Slack events and commands with valid signatures over malformed
bodies, Teams activities, inbound alerts, the escalation webhooks), plus the cases that once gave 500.

The servers run in the test's event loop on real ports; hypothesis drives them from a worker thread
with plain HTTP (``urllib``), so each example is a real request through aiohttp.
"""

from __future__ import annotations

import asyncio
import json
import string
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.inbound.app import make_app as inbound_app
from adapters.teams.main import make_app as teams_app
from bench.support.fake_slack import sign
from tests.harness.slack_harness import HOOK_TOKEN, Harness, start_harness
from tests.harness.worlds import write_world

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Objects shaped like the real payloads, with wrong types in the places code reads.
slack_event_keys = st.sampled_from(["type", "event", "event_id", "team_id", "channel", "user", "ts", "item",
                                    "reaction", "thread_ts", "text", "subtype", "challenge", "token", "authorizations"])
slack_like = st.dictionaries(slack_event_keys, json_values, max_size=6).map(
    lambda d: {**d, "type": d.get("type", "event_callback")})
slack_nested = st.builds(lambda event, d: {"type": "event_callback", "event": event, **d},
                         st.dictionaries(slack_event_keys, json_values, max_size=6), st.dictionaries(
                             slack_event_keys, json_values, max_size=3))
teams_keys = st.sampled_from(["type", "conversation", "from", "recipient", "channelData", "text", "value", "name",
                              "serviceUrl", "id", "channelId", "entities", "replyToId"])
teams_like = st.dictionaries(teams_keys, json_values, max_size=7).map(lambda d: {"type": "message", **d})
raw_bytes = st.binary(max_size=300)
header_text = st.text(alphabet=string.printable.replace("\r", "").replace("\n", ""), max_size=30)


@dataclass
class Servers:
    slack: Harness
    slack_url: str
    teams_url: str
    inbound_url: str


@pytest.fixture
async def servers(tmp_path: Path, embedder: Any) -> AsyncIterator[Servers]:
    world = write_world(tmp_path / "world")
    harness, close = await start_harness(tmp_path, f"sqlite:///{tmp_path / 'handoff.db'}", world, embedder=embedder)
    teams = TestServer(teams_app(harness.core))
    inbound = TestServer(inbound_app(harness.core))
    await teams.start_server()
    await inbound.start_server()
    try:
        yield Servers(harness, str(harness.http.make_url("")).rstrip("/"), str(teams.make_url("")).rstrip("/"),
                      str(inbound.make_url("")).rstrip("/"))
    finally:
        await teams.close()
        await inbound.close()
        await close()


def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def assert_not_5xx(status: int, body: bytes, what: str) -> None:
    assert status < 500, f"{what} answered {status}: {body[:300]!r}"
    if status >= 400 and body:
        error = json.loads(body).get("error") if body.startswith(b"{") else None
        # Ours: {"error": {"code", "message", "error_id"}}; Bolt's 404 for an event nobody listens to: a string.
        assert error is None or isinstance(error, str) or {"code", "message"} <= set(error), body


def slack_signed(url: str, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": content_type, **sign(body.decode("utf-8", "replace")), **(extra or {})}
    return send(url + "/slack/events", body, headers)


def hook_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json"}


async def in_thread(fn: Any) -> None:
    await asyncio.to_thread(fn)


async def test_slack_events_and_commands_never_answer_5xx(servers: Servers) -> None:
    url = servers.slack_url

    @FUZZ
    @given(st.one_of(slack_like, slack_nested, json_values))
    def events(body: Any) -> None:
        raw = json.dumps(body).encode()
        assert_not_5xx(*slack_signed(url, raw, "application/json"), "signed event")

    @FUZZ
    @given(st.dictionaries(st.sampled_from(["command", "text", "channel_id", "user_id", "trigger_id", "payload",
                                            "response_url", "channel_name", "team_id"]), st.text(max_size=40)))
    def forms(fields: dict[str, str]) -> None:
        raw = urllib.parse.urlencode(fields).encode()
        assert_not_5xx(*slack_signed(url, raw, "application/x-www-form-urlencoded"), "signed form")

    @FUZZ
    @given(raw_bytes, st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]))
    def garbage(raw: bytes, content_type: str) -> None:
        assert_not_5xx(*slack_signed(url, raw, content_type), "signed garbage")

    @FUZZ
    @given(header_text, header_text)
    def headers(timestamp: str, signature: str) -> None:
        status, body = send(url + "/slack/events", b'{"type":"event_callback"}', {
            "Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature})
        assert_not_5xx(status, body, "unsigned headers")
        assert status in (400, 401)

    await in_thread(events)
    await in_thread(forms)
    await in_thread(garbage)
    await in_thread(headers)
    await servers.slack.settle()


async def test_slack_timestamp_abc_is_a_4xx(servers: Servers) -> None:
    def run() -> None:
        status, body = send(servers.slack_url + "/slack/events", b"{}", {
            "Content-Type": "application/json", "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"})
        assert status in (400, 401), (status, body)

    await in_thread(run)


async def test_teams_activities_never_answer_5xx(servers: Servers) -> None:
    url = servers.teams_url + "/api/messages"

    @FUZZ
    @given(st.one_of(teams_like, json_values))
    def activities(body: Any) -> None:
        assert_not_5xx(*send(url, json.dumps(body).encode(), {"Content-Type": "application/json"}), "activity")

    await in_thread(activities)

    def conversation_not_an_object() -> None:
        for conversation in ("19:acme@thread.tacv2", 7, ["x"], None):
            body = {"type": "message", "text": "help", "conversation": conversation, "serviceUrl": "http://127.0.0.1:9",
                    "from": {"id": "u1"}, "recipient": {"id": "b1"}, "channelId": "msteams"}
            status, raw = send(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
            assert 400 <= status < 500, (conversation, status, raw)

    await in_thread(conversation_not_an_object)


async def test_inbound_alerts_and_escalation_hooks_never_answer_5xx(servers: Servers) -> None:
    @FUZZ
    @given(json_values, st.sampled_from(["/alerts/generic", "/alerts/alertmanager", "/alerts/generic/acme"]))
    def alerts(body: Any, path: str) -> None:
        assert_not_5xx(*send(servers.inbound_url + path, json.dumps(body).encode(), hook_headers()), path)

    @FUZZ
    @given(st.one_of(json_values, st.dictionaries(st.sampled_from(["ticket_id", "ticket", "delivery_id"]),
                                                  json_values, max_size=3)),
           st.sampled_from(["slack", "teams"]))
    def hooks(body: Any, server: str) -> None:
        base = servers.slack_url if server == "slack" else servers.teams_url
        status, raw = send(base + "/hooks/escalation", json.dumps(body).encode(), hook_headers())
        # 409/502: a well-formed body for a ticket with no channel or no reachable one, never a 5xx crash
        assert status < 500 or status == 502, (status, raw)

    await in_thread(alerts)
    await in_thread(hooks)

    def deep() -> None:
        nested = b"[" * 100_000 + b"]" * 100_000
        for url in (servers.inbound_url + "/alerts/generic", servers.slack_url + "/hooks/escalation",
                    servers.teams_url + "/hooks/escalation"):
            status, raw = send(url, nested, hook_headers())
            assert 400 <= status < 500, (url, status, raw[:200])
        status, raw = slack_signed(servers.slack_url, nested, "application/json")
        assert 400 <= status < 500, (status, raw[:200])
        status, raw = send(servers.teams_url + "/api/messages", nested, {"Content-Type": "application/json"})
        assert 400 <= status < 500, (status, raw[:200])

    await in_thread(deep)
