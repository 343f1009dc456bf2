"""``handoff serve teams`` as an operator runs it: a real process, a real port, the fake connector."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters.cli.main import main
from tests.harness.teams_fakes import MSP_TENANT, FakeConnector, card_text, teams_activity
from tests.harness.worlds import write_world

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_teams_answers_on_its_port_and_says_it_is_unauthenticated(
        tmp_path: Path, connector: FakeConnector) -> None:
    data = tmp_path / "d"
    assert main(["--data-dir", str(data), "ingest", str(write_world(tmp_path / "w"))]) == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Microsoft", "MICROSOFT", "HANDOFF_"))}
    env.update({"HANDOFF_DATA_DIR": str(data), "MicrosoftAppTenantId": MSP_TENANT, "PYTHONPATH": str(ROOT)})
    process = subprocess.Popen([sys.executable, "-m", "adapters.cli.main", "serve", "teams", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("handoff serve teams did not come up")
            activity = teams_activity(connector.url, text="packet 4412", kind="personal")
            async with http.post(f"http://127.0.0.1:{port}/api/messages", json=activity) as response:
                assert response.status == 201
        [card] = connector.cards()
        assert "Ticket #4412" in card_text(card)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    assert "UNAUTHENTICATED" in stderr.decode()


def test_serve_teams_refuses_a_half_configured_production_setup(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "0b7a2c3d-1111-4222-8333-944455566677")
    monkeypatch.setenv("MicrosoftAppPassword", "a-real-looking-client-secret-9f8e7d")
    monkeypatch.delenv("MicrosoftAppTenantId", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["--data-dir", str(tmp_path / "d"), "serve", "teams", "--port", str(free_port())]) == 2
    assert "MicrosoftAppTenantId" in capsys.readouterr().err
