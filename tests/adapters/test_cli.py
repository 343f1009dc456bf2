"""The ``handoff`` command: output and exit codes (0 ok, 2 bad input, 1 unexpected)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli.main import main
from tests.harness.worlds import write_world

# ``cli`` (the handoff command in-process, on this test's data dir and database): tests/adapters/conftest.py.


def test_ingest_then_read(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    world = write_world(tmp_path / "w")
    assert cli("ingest", str(world)) == 0
    out = capsys.readouterr().out
    assert "tickets" in out and "added" in out

    assert cli("tenants", "--json") == 0
    tenants = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in tenants] == ["acme", "ridge"]

    assert cli("tickets", "--tenant", "acme", "--json") == 0
    assert [t["id"] for t in json.loads(capsys.readouterr().out)] == ["4412"]

    assert cli("tickets", "--status", "resolved") == 0
    out = capsys.readouterr().out
    assert "5001" in out and "4412" not in out

    assert cli("ticket", "4412") == 0
    out = capsys.readouterr().out
    assert "Restarted the DFSR service" in out and "Acme Dental Group" in out

    assert cli("ingest", str(world), "--json") == 0
    counts = json.loads(capsys.readouterr().out)["counts"]
    assert counts["tickets"] == {"added": 0, "updated": 0, "unchanged": 2, "rejected": 0, "deleted": 0}


def test_bad_input_exits_2_with_file_line_field(cli, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    world = write_world(tmp_path / "w")
    (world / "alerts.jsonl").write_text('{"id": "x", "tenant": "acme", "at": "2026-11-24T01:00:00Z"}\n')
    assert cli("ingest", str(world)) == 2
    assert "alerts.jsonl:1: message: required field is missing" in capsys.readouterr().err


def test_unknown_ticket_and_tenant_exit_2(cli, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli("ticket", "999999") == 2
    assert "no ticket #999999" in capsys.readouterr().err
    assert cli("tickets", "--tenant", "nobody") == 2
    assert "no client with id 'nobody'" in capsys.readouterr().err


def test_unexpected_error_exits_1_with_an_id(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # A bug (not a database that cannot be opened: that is exit 2, tests/unit/test_db_limits.py).
    from bot.core import Core

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Core, "packet_for", broken)
    code = main(["--data-dir", str(tmp_path / "d"), "packet", "4412"])
    err = capsys.readouterr().err
    assert code == 1
    assert "unexpected error (id " in err


def test_placeholder_secret_is_a_config_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "changeme")
    assert main(["tenants"]) == 2
    assert "slack_signing_secret looks like a placeholder" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: handoff" in capsys.readouterr().out
