"""Real ``handoff serve ...`` processes for tests: started with a clean environment, logs to a file (a full
pipe would stall a chatty server), waited for on an HTTP path, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from bench.support.fake_slack import BOT_TOKEN, SECRET, FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, proc: asyncio.subprocess.Process, port: int, log: Path):
        self.proc, self.port, self.log = proc, port, log
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 30)


async def start_slack_server(log: Path, fake: FakeSlack, **env_vars: str) -> Server:
    """``handoff serve slack`` over HTTP on a free port, talking to ``fake``; ``env_vars`` are HANDOFF_* settings."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HANDOFF_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, HANDOFF_SLACK_API_URL=fake.api_url,
               PYTHONPATH=str(ROOT), **env_vars)
    with log.open("wb") as sink:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "adapters.cli.main", "serve", "slack", "--host", "127.0.0.1", "--port", str(port),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=sink)
    return Server(proc, port, log)


async def wait_status(http: aiohttp.ClientSession, server: Server, path: str, status: int, *,
                      timeout: float) -> float:
    """Seconds until ``path`` answers ``status``; fails with the server's log if it exits or never does."""
    started = time.monotonic()
    while True:
        try:
            async with http.get(server.url + path) as r:
                if r.status == status:
                    return time.monotonic() - started
        except aiohttp.ClientConnectionError:
            pass
        if server.proc.returncode is not None:
            raise AssertionError(f"server exited {server.proc.returncode}: {server.log.read_text()[-3000:]}")
        assert time.monotonic() - started < timeout, f"{path} never answered {status}: {server.log.read_text()[-3000:]}"
        await asyncio.sleep(0.1)
