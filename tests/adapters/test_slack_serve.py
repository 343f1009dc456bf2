"""``handoff serve slack`` for real: over HTTP as a subprocess configured by Slack's usual
environment variables, and in Socket Mode over a websocket to the local fake Slack."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import urllib.parse
from pathlib import Path

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import build_app
from bench.support.fake_slack import BOT_TOKEN, SECRET, FakeSlack, sign
from bot.config import Settings
from bot.core import Core
from bot.ingest.loader import ingest_folder
from tests.harness.slack_harness import sample
from tests.harness.worlds import write_world

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_serve_slack_over_http_reads_slacks_usual_variables(tmp_path: Path) -> None:
    world = write_world(tmp_path / "world")
    data = tmp_path / "data"
    core = Core(Settings(data_dir=data))
    assert ingest_folder(world, engine=core.engine).ok
    core.close()
    fake = await FakeSlack().start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, HANDOFF_SLACK_API_URL=fake.api_url,
               HANDOFF_SLACK_NOC_CHANNELS="C0NOC,C0NOC2", HANDOFF_DATA_DIR=str(data))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli.main", "serve", "slack", "--host", "127.0.0.1", "--port", str(port),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert time.monotonic() < deadline and proc.returncode is None, await proc.stderr.read()  # type: ignore[union-attr]
                await asyncio.sleep(0.1)
            body = urllib.parse.urlencode({"command": "/packet", "text": "4412", "channel_id": "C0NOC",
                                           "user_id": "U0ENG1", "trigger_id": "1.2.3", "team_id": "T0MSP",
                                           "response_url": fake.response_url()})
            headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
            async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as r:
                assert r.status == 200
            [post] = await fake.wait_for("chat.postMessage", timeout=20)
            assert post.args["channel"] == "C0NOC" and post.blocks[0]["text"]["text"].startswith("Ticket #4412")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
        await fake.stop()
    assert code == 0


async def test_socket_mode_acks_the_envelope_and_posts_the_packet(tmp_path: Path, db_url: str) -> None:
    envelope = {"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                "payload": sample("socket_mode_envelopes/slash_commands__command.json")}
    fake = await FakeSlack().start()
    envelope["payload"].update(command="/packet", text="4412", channel_id="C0ACME", user_id="U0ENG1",
                               response_url=fake.response_url())
    fake.socket_envelopes.append(envelope)
    core = Core(Settings(data_dir=tmp_path / "data", database_url=db_url, slack_bot_token=BOT_TOKEN,
                         slack_api_url=fake.api_url))
    assert ingest_folder(write_world(tmp_path / "world"), engine=core.engine).ok
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    bolt, front = build_app(core, client=client, socket_mode=True)
    handler = AsyncSocketModeHandler(bolt, app_token="xapp-1-A0HANDOFF-test", web_client=client)
    try:
        await handler.connect_async()
        [post] = await fake.wait_for("chat.postMessage")
        await front.work.settle()
        assert post.args["channel"] == "C0ACME"
        assert [a["envelope_id"] for a in fake.socket_acks] == ["env-1"]
        opened = fake.to("apps.connections.open")
        assert opened and opened[0].args["_token"] == "Bearer xapp-1-A0HANDOFF-test"
    finally:
        await handler.close_async()
        await fake.stop()
        core.close()


def test_http_mode_refuses_to_start_without_a_signing_secret(tmp_path: Path) -> None:
    from bot.errors import ConfigError

    core = Core(Settings(data_dir=tmp_path, slack_bot_token=BOT_TOKEN))
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        build_app(core)
