"""Ingest warns when a shared (_global) document names one client's device, domain or name."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli.main import main
from bot.config import Settings
from bot.core import Core
from bot.ingest.loader import ingest_folder
from tests.harness.worlds import DOCS, tickets, write_world

DEMO = Path(__file__).resolve().parents[2] / "bot" / "ingest" / "demo" / "msp"

LEAKY = ("---\ntitle: File shares\nkind: runbook\nurl: https://docs.example.com/shares\n---\n# File shares\n"
         "Check the share on ACME-FS01 first, then DC01 and DC02. Users sign in as user@acmedental.com.\n"
         "Ridgeline has a different layout.\n")


def world(root: Path) -> Path:
    rows = tickets()
    rows[0]["notes"][0]["text"] += " Checked \\\\ACME-FS01\\Shared too."
    rows.append({**rows[0], "id": "4413", "device": "ACME-FS01", "notes": []})
    docs = {**DOCS, "_global/shares.md": LEAKY,
            "acme/mail.md": "---\ntitle: Acme mail\nkind: client-note\n---\n# Mail\nDomain acmedental.com on M365.\n"}
    return write_world(root, tickets_=rows, docs=docs)


def test_a_global_doc_naming_one_clients_things_is_warned_about(tmp_path: Path) -> None:
    core = Core(Settings(data_dir=tmp_path / "d"))
    try:
        summary = ingest_folder(world(tmp_path / "w"), engine=core.engine)
        assert summary.ok  # a warning, not a rejection: the document is imported
        shares = [w for w in summary.warnings if w.startswith("docs/_global/shares.md")]
        assert any("'acme-fs01', a device of client acme" in w for w in shares)
        assert any("'acmedental.com', a domain of client acme" in w for w in shares)
        assert any("'ridgeline', a name of client ridge" in w for w in shares)
        # DC01 belongs to both clients, DC02 is a conventional role-and-number name: neither is anyone's.
        assert not any("'dc01'" in w or "'dc02'" in w for w in summary.warnings)
        assert summary.as_dict()["warnings"] == summary.warnings
    finally:
        core.close()


def test_the_demo_has_no_shared_runbook_naming_a_client(tmp_path: Path) -> None:
    if not DEMO.is_dir():
        pytest.skip("the demo data set is absent")
    assert "ACME-FS01" not in (DEMO / "docs" / "_global" / "printing.md").read_text()
    core = Core(Settings(data_dir=tmp_path / "d"))
    try:
        assert ingest_folder(DEMO, engine=core.engine).warnings == []
    finally:
        core.close()


def test_handoff_ingest_prints_the_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-dir", str(tmp_path / "d"), "ingest", str(world(tmp_path / "w")), "--no-index"])
    assert code == 0
    assert "warning: docs/_global/shares.md: names 'acme-fs01'" in capsys.readouterr().err
