"""``handoff triage``, ``handoff templates`` and ``handoff serve inbound`` as a user runs them."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from adapters.cli.main import main
from tests.harness.worlds import alerts, write_world


def test_triage_json_and_table(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    extra = [
        {"id": "a2", "tenant": "acme", "device": "DC01", "source": "rmm", "check": "DNS", "severity": "warning",
         "message": "DNS server encountered error 4015", "at": "2026-11-24T02:05:00Z"},
        {"id": "a3", "tenant": "acme", "device": "WS07", "source": "rmm", "check": "Disk space", "severity": "warning",
         "message": "Disk C: on WS07 is 95% full", "at": "2026-11-24T02:10:00Z",
         "resolved_at": "2026-11-24T02:13:00Z"},
    ]
    assert cli("ingest", str(write_world(tmp_path / "w", alerts_=alerts() + extra)), "--json") == 0
    # The import classifies what it stored (both clients' alerts), so triage finds nothing pending.
    assert json.loads(capsys.readouterr().out)["alerts_classified"] == 4
    assert cli("triage", "--tenant", "acme", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tenant"] == "acme" and out["now"] == "2026-11-24T02:10:00Z" and out["newly_classified"] == 0
    titles = [(s["title"], s["noise"], s["tenant"], s["devices"], s["count"]) for s in out["signals"]]
    assert titles == [("AD replication on DC01 with DNS", None, "acme", ["DC01"], 2),
                      ("Disk space on WS07 (blip)", "blip", "acme", ["WS07"], 1)]
    first = out["signals"][0]
    assert set(first) >= {"first_seen", "last_seen", "severity", "alert_ids", "category", "firing"}
    assert first["severity"] == "critical" and first["firing"] and len(first["alert_ids"]) == 2

    assert cli("triage", "--tenant", "acme", "--actionable", "--now", "2026-11-24T01:59:00Z") == 0
    out = capsys.readouterr().out
    assert "1 actionable signal(s), 0 noise" in out and "AD replication" in out

    assert cli("triage", "--tenant", "ridge", "--json") == 0
    ridge = json.loads(capsys.readouterr().out)
    assert [s["tenant"] for s in ridge["signals"]] == ["ridge"] and ridge["signals"][0]["count"] == 1

    assert cli("triage", "--tenant", "globex") == 2
    assert "no client with id 'globex'" in capsys.readouterr().err
    assert cli("triage", "--tenant", "acme", "--now", "2026-11-24 02:00") == 2
    assert "has no time zone" in capsys.readouterr().err


def test_templates_from_file_and_stdin(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["Disk C: on WS01 is 91% full", "Service Spooler stopped on WS01", "Disk C: on WS07 is 97% full"]
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(lines) + "\n")
    assert main(["templates", str(path)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert rows[0]["template_id"] == rows[2]["template_id"] != rows[1]["template_id"]
    assert rows[0]["template"] == "Disk C: on <*> is <*>% full"
    assert rows[0]["masked"] == "Disk C: on <ID> is <NUM>% full"

    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines)))
    assert main(["templates"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == rows
    assert main(["templates", str(tmp_path / "missing.txt")]) == 2

    path.write_text("\n".join(f"2026-11-24 02:0{i} host{i} rmm: {line}" for i, line in enumerate(lines)))
    assert main(["templates", str(path), "--strip", r"^\S+ \S+ \S+ rmm: "]) == 0
    stripped = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["template"] for r in stripped] == [r["template"] for r in rows]
    assert main(["templates", str(path), "--strip", "("]) == 2


def test_serve_inbound_refuses_without_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HANDOFF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HANDOFF_INBOUND_TOKEN", raising=False)
    assert main(["serve", "inbound", "--port", "1"]) == 2
    assert "HANDOFF_INBOUND_TOKEN is not set" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_inbound_end_to_end(tmp_path: Path) -> None:
    """The real command in its own process: a delivery stored, then the same one as a duplicate."""
    env = {**os.environ, "HANDOFF_DATA_DIR": str(tmp_path / "data"), "HANDOFF_INBOUND_TOKEN": "t0ken-for-e2e"}
    env.pop("HANDOFF_DATABASE_URL", None)
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "adapters.cli.main", "ingest", str(write_world(tmp_path / "w", alerts_=[]))],
                   cwd=root, env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "adapters.cli.main", "serve", "inbound", "--port", str(port)], cwd=root,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        body = json.dumps({"version": "4", "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "DiskFull", "instance": "fs01:9100", "tenant": "acme"},
             "annotations": {"summary": "Disk / on fs01 is 97% full"}, "startsAt": "2026-11-24T01:00:00Z"}]}).encode()

        def post() -> dict:  # type: ignore[type-arg]
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/alerts/alertmanager", data=body, method="POST",
                headers={"Authorization": "Bearer t0ken-for-e2e", "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())

        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert post()["accepted"] == 1
        assert post()["duplicate"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
