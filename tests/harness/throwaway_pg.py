"""A PostgreSQL server of its own for a test that stops and starts it mid-run (the fault tests).

Uses the binaries on the machine (``/usr/lib/postgresql/<n>/bin``: initdb, pg_ctl) on a
free port in a temporary folder; ``available()`` says why not when they are absent.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

CANDIDATES = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14)]


def bin_dir() -> Path | None:
    return next((d for d in CANDIDATES if (d / "initdb").exists() and (d / "pg_ctl").exists()), None)


def available() -> str | None:
    """None when a throwaway server can run here, else the reason."""
    if bin_dir() is None:
        return "no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL refuses to run as root"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    """``root``: a folder the ``postgres`` user can reach (under /tmp, not pytest's 0700 folders)."""

    def __init__(self, root: Path):
        found = bin_dir()
        assert found is not None, available()
        self.bin, self.root = found, root
        self.data = root / "pgdata"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *argv], check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> ThrowawayPostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o755)
        result = self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                           "-E", "UTF8", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr or result.stdout}")
        return self

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "-l", str(self.root / "log"),
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        result = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop", check=False)
        if result.returncode != 0 and "Is server running?" not in result.stderr:
            raise RuntimeError(f"pg_ctl stop failed: {result.stderr or result.stdout}")

    def wait_down(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)
        raise TimeoutError(f"PostgreSQL on port {self.port} still accepts connections")


@contextlib.contextmanager
def running() -> Iterator[ThrowawayPostgres]:
    """A started server in a fresh folder under /tmp (the postgres user must reach it), removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="handoff-pg-"))
    root.chmod(0o755)
    try:
        server = ThrowawayPostgres(root / "pg").init()
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
