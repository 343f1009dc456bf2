"""Drive the real Slack app the way Slack does: signed HTTP requests into its aiohttp app.

The app runs on the real core over a real database, talks to ``FakeSlack``
through a real ``AsyncWebClient``, and tests look at what reached FakeSlack.
Payload shapes start from Slack's own samples in ../shared/data/slack when
they are there (see ``sample``), so a field Slack sends and we forgot is
exercised; tests that need a sample skip with the reason when it is absent.
"""

from __future__ import annotations

import copy
import json
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from adapters.slack.app import SlackFrontEnd
from adapters.slack.blocks import Message
from adapters.slack.main import FRONT, web_app
from adapters.slack.validate import problems
from bench.support.fake_slack import BOT_TOKEN, SECRET, FakeSlack, sign
from bench.support.shared_data import shared_path
from bot.config import Settings
from bot.core import Core
from tests.harness.worlds import core_with_index

HOOK_TOKEN = "hook-token-4e1c2b"
NOC = "C0NOC"
ACME, RIDGE = "C0ACME", "C0RIDGE"


def sample(relative: str) -> dict[str, Any]:
    """A payload sample from Slack's SDKs (the Socket Mode envelope's payload, when it is one)."""
    path = shared_path("slack", relative)
    if path is None:
        pytest.skip(f"Slack payload sample slack/{relative} is absent from ../shared/data")
    data = json.loads(path.read_text())
    return copy.deepcopy(data.get("payload", data))



@dataclass
class Harness:
    core: Core
    fake: FakeSlack
    http: TestClient
    front: SlackFrontEnd
    _n: int = 0

    def next_id(self) -> int:
        self._n += 1
        return self._n

    async def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
                   timestamp: int | None = None, secret: str = SECRET):  # type: ignore[no-untyped-def]
        all_headers = {"Content-Type": content_type, **sign(body, timestamp=timestamp, secret=secret), **(headers or {})}
        return await self.http.post("/slack/events", data=body.encode(), headers=all_headers)

    async def command(self, text: str, *, channel: str = "C0ACME", user: str = "U0ENG1", trigger: str | None = None,
                      channel_name: str = "acme-support", **kw: Any):  # type: ignore[no-untyped-def]
        n = self.next_id()
        payload = {
            "token": "verification-token", "team_id": "T0MSP", "team_domain": "msp", "channel_id": channel,
            "channel_name": channel_name, "user_id": user, "user_name": "eng", "command": "/packet", "text": text,
            "api_app_id": "A0HANDOFF", "is_enterprise_install": "false",
            "response_url": self.fake.response_url(f"cmd{n}"), "trigger_id": trigger or f"{n}.{n}.trigger",
        }
        body = urllib.parse.urlencode(payload)
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None,
                    ext_shared: bool = False, **kw: Any):  # type: ignore[no-untyped-def]
        body = {
            "token": "verification-token", "team_id": "T0MSP", "api_app_id": "A0HANDOFF", "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{self.next_id():08d}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": "T0MSP", "user_id": "U0HANDOFF", "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": ext_shared,
        }
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return await self.post(json.dumps(body), "application/json", headers=headers, **kw)

    async def action(self, payload: dict[str, Any]):  # type: ignore[no-untyped-def]
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded")

    def block_action(self, *, channel: str, ts: str, action: dict[str, Any], user: str = "U0ENG1",
                     thread_ts: str | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "message", "ts": ts, "bot_id": "B0HANDOFF", "text": "packet"}
        if thread_ts:
            message["thread_ts"] = thread_ts
        return {
            "type": "block_actions", "user": {"id": user, "username": "eng", "team_id": "T0MSP"},
            "api_app_id": "A0HANDOFF", "token": "verification-token", "trigger_id": f"{self.next_id()}.trig",
            "team": {"id": "T0MSP", "domain": "msp"}, "enterprise": None, "is_enterprise_install": False,
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "support"}, "message": message,
            "response_url": self.fake.response_url(f"act{self._n}"), "actions": [action],
        }

    async def settle(self, **at_least: int) -> None:
        await self.front.work.settle(**at_least)


async def start_harness(tmp_path: Path, db_url: str, world: Path, *, embedder: Any,
                        **settings: Any) -> tuple[Harness, Any]:
    fake = await FakeSlack().start()
    config = Settings(
        data_dir=tmp_path / "data", database_url=db_url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SECRET,
        slack_api_url=fake.api_url, slack_noc_channels=[NOC], inbound_token=HOOK_TOKEN, **settings,
    )
    core = core_with_index(config, embedder, world)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    app = web_app(core, client=client)
    http = TestClient(TestServer(app))
    await http.start_server()
    harness = Harness(core=core, fake=fake, http=http, front=app[FRONT])

    async def close() -> None:
        await harness.front.work.settle(timeout=10)
        await http.close()
        await fake.stop()
        core.close()

    return harness, close


# --- the fixture and helpers the Slack app tests share ---------------------------------------
# (test modules import ``slack`` by name so pytest finds the fixture)

def big_ticket() -> dict[str, Any]:
    """A ticket whose packet cannot fit one Slack message (60 steps tried)."""
    verbs = ["Restarted", "Rebooted", "Checked", "Cleared", "Reinstalled", "Updated", "Ran", "Reset"]
    things = ["the DFSR service", "DC01", "the event log", "the DNS cache", "the NIC driver", "group policy"]
    notes = [{"id": f"4500-{i}", "at": f"2026-11-24T0{1 + i // 30}:{i % 30 * 2:02d}:00Z", "author": "Sam (L1)",
              "visibility": "internal", "text": f"{verbs[i % 8]} {things[(i // 8) % 6]} on host-{i}, no change."}
             for i in range(60)]
    return {"id": "4500", "tenant": "acme", "title": "Replication and everything else", "status": "escalated",
            "category": "active-directory", "device": "DC01", "created_at": "2026-11-24T00:00:00Z",
            "escalated_at": "2026-11-24T03:00:00Z", "notes": notes}


def assert_messages_valid(h: Harness) -> None:
    """Every message the app posted or answered with passes Slack's Block Kit limits."""
    for call in h.fake.posts + h.fake.responses:
        if call.blocks:
            found = problems(Message(text=call.args.get("text") or "", blocks=call.blocks))
            assert not found, f"{call.method} posted an invalid message: {found}"


def texts(call: Any) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def rows(h: Harness, model: Any) -> list[Any]:
    with h.core.session() as session:
        return list(session.exec(select(model)))


async def post_packet(h: Harness, ticket: str = "4412", channel: str = ACME) -> Any:
    before = len(h.fake.posts)
    response = await h.command(ticket, channel=channel)
    assert response.status == 200
    await h.fake.wait_for("chat.postMessage", before + 1)
    await h.settle()
    return h.fake.posts[-1]



async def refusal(h: Harness, text: str, channel: str = ACME) -> str:
    before = len(h.fake.responses)
    await h.command(text, channel=channel)
    await h.fake.wait_for("response_url", before + 1)
    await h.settle()
    reply = h.fake.responses[-1]
    assert reply.args["response_type"] == "ephemeral" and reply.args["replace_original"] is False
    return str(reply.args["blocks"][0]["text"]["text"])



async def private_reply(h: Harness, text: str, channel: str) -> str:
    before = len(h.fake.responses)
    await h.command(text, channel=channel)
    await h.fake.wait_for("response_url", before + 1)
    await h.settle()
    reply = h.fake.responses[-1]
    assert reply.args["response_type"] == "ephemeral"
    return texts(reply)


