"""Configuration checked at start: client/NOC channel overlap, loopback by default, ``--port 0``."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters.cli.main import build_parser, main
from bench.support.fake_slack import FakeSlack
from bot.config import Settings
from bot.core import Core
from bot.errors import ConfigError
from bot.ingest.loader import ingest_folder
from bot.tenancy import policy
from bot.tenancy.policy import Where
from tests.harness.slack_harness import BOT_TOKEN, SECRET
from tests.harness.worlds import write_world

ROOT = Path(__file__).resolve().parents[2]


def world_core(tmp_path: Path, **settings: object) -> Core:
    core = Core(Settings(data_dir=tmp_path / "data", **settings))  # type: ignore[arg-type]
    assert ingest_folder(write_world(tmp_path / "world"), engine=core.engine).ok
    return core


@pytest.mark.parametrize(("settings", "channel", "platform"), [
    ({"slack_noc_channels": ["C0NOC", "C0ACME"]}, "C0ACME", "slack"),
    ({"teams_noc_channels": ["19:acme@thread.tacv2"]}, "19:acme@thread.tacv2", "teams"),
    ({"review_channel": "C0ACME"}, "C0ACME", "slack"),
])
def test_a_channel_both_client_and_msp_wide_is_an_error_naming_it(tmp_path: Path, settings: dict[str, object],
                                                                  channel: str, platform: str) -> None:
    core = world_core(tmp_path, **settings)
    try:
        with pytest.raises(ConfigError, match=re.escape(channel)) as error:
            core.check_configuration()
        assert "acme" in error.value.message
        # And at request time (tenants.yaml may be re-imported while a server runs): nothing is shown.
        with core.session() as session, pytest.raises(ConfigError, match=re.escape(channel)):
            policy.scope_for(Where(platform, channel, "U1"), session=session, settings=core.settings)
    finally:
        core.close()


def test_distinct_channels_pass_the_check(tmp_path: Path) -> None:
    core = world_core(tmp_path, slack_noc_channels=["C0NOC"], review_channel="C0REVIEW")
    try:
        core.check_configuration()
    finally:
        core.close()


@pytest.mark.parametrize("server", ["slack", "teams"])
def test_serve_refuses_to_start_with_the_overlap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str], server: str) -> None:
    world_core(tmp_path).close()
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("HANDOFF_SLACK_NOC_CHANNELS", "C0ACME")
    monkeypatch.setenv("HANDOFF_TEAMS_NOC_CHANNELS", "19:acme@thread.tacv2")
    assert main(["--data-dir", str(tmp_path / "data"), "serve", server, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "client acme's channel" in err and ("C0ACME" in err or "19:acme@thread.tacv2" in err)


@pytest.mark.parametrize("server", ["slack", "teams", "inbound"])
def test_every_server_listens_on_loopback_by_default(server: str) -> None:
    assert build_parser().parse_args(["serve", server]).host == "127.0.0.1"


async def test_serve_slack_port_0_listens_on_a_free_port(tmp_path: Path) -> None:
    world_core(tmp_path).close()
    fake = await FakeSlack().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, HANDOFF_SLACK_API_URL=fake.api_url,
               HANDOFF_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.cli.main", "serve", "slack", "--port", "0",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = ""
        while "listens for Slack" not in line:
            raw = await asyncio.wait_for(proc.stderr.readline(), 60)  # type: ignore[union-attr]
            assert raw, "serve slack ended without saying where it listens"
            line = raw.decode()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/slack/events", line).group(1))  # type: ignore[union-attr]
        assert port not in (0, 3000)
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
        await fake.stop()
