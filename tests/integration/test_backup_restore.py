"""`handoff backup DIR` while the data is open (in this process, or held by a real `handoff serve slack`),
`handoff restore DIR` elsewhere: every row and the index come back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from adapters.cli.commands.ops import table_counts
from adapters.cli.main import main
from bench.support.fake_slack import FakeSlack
from bot.config import Settings
from bot.core import Core
from bot.db.models import Alert, Feedback, PacketRow, Ticket
from bot.tenancy.policy import Where
from retrieval import Retriever
from tests.harness.servers import start_slack_server, wait_status
from tests.harness.slack_harness import HOOK_TOKEN
from tests.harness.worlds import core_with_index, write_world

CLI = Where(platform="cli", user_id="ops-test")


def _hits(core: Core) -> list[tuple[str, str, str]]:
    return [(h.tenant, h.doc_path, h.anchor) for h in core.retriever.search_knowledge(
        tenant_id="acme", query="domain controller replication failed", limit=5)]


def _live_core(live: Settings, tmp_path: Path, embedder: Any) -> tuple[Core, list[tuple[str, str, str]]]:
    """A data directory with the world indexed, one packet posted and flagged: rows in every kind of table."""
    core = core_with_index(live, embedder, write_world(tmp_path / "w"))
    packet = core.packet_for("4412", where=CLI)
    core.record_posted(packet, where=CLI, message_id="m1")
    assert core.accept(platform="cli", channel="direct", message_id="m1", user_id="u1") is not None
    return core, _hits(core)


def test_backup_while_open_then_restore_brings_everything_back(tmp_path: Path, embedder: Any,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    live = Settings(data_dir=tmp_path / "live")
    core, hits = _live_core(live, tmp_path, embedder)
    assert hits
    # The "server" keeps its database and index open while the backup runs.
    backup = tmp_path / "backup"
    assert main(["--data-dir", str(live.data_dir), "backup", str(backup)]) == 0
    assert "backed up" in capsys.readouterr().out
    manifest = json.loads((backup / "backup.json").read_text())
    assert manifest["index_files"] > 0 and manifest["tables"]["ticket"] > 0
    assert not list(backup.rglob(".lock"))
    before = table_counts(live.data_dir / "handoff.db")
    core.close()

    # A second backup into the same folder is refused: backups never overwrite each other.
    assert main(["--data-dir", str(live.data_dir), "backup", str(backup)]) == 2

    restored = Settings(data_dir=tmp_path / "restored")
    assert main(["--data-dir", str(restored.data_dir), "restore", str(backup)]) == 0
    assert table_counts(restored.data_dir / "handoff.db") == before
    again = Core(restored, retriever=Retriever(restored, embedder=embedder))
    with Session(again.engine) as session:
        for model in (Ticket, Alert, PacketRow, Feedback):
            assert session.exec(select(func.count()).select_from(model)).one() > 0, model.__name__
    assert _hits(again) == hits  # the index came back: same chunks, same order, no re-indexing
    assert again.retriever.sync(engine=again.engine, progress=False).added == 0
    again.close()

    # Restoring over a data folder that holds a database needs --force.
    assert main(["--data-dir", str(restored.data_dir), "restore", str(backup)]) == 2
    assert main(["--data-dir", str(restored.data_dir), "restore", str(backup), "--force"]) == 0


def test_backup_and_restore_refuse_what_they_do_not_cover(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test"
    assert main(["--database-url", url, "--data-dir", str(tmp_path), "backup", str(tmp_path / "b")]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "empty"), "backup", str(tmp_path / "b")]) == 2
    (tmp_path / "notabackup").mkdir()
    assert main(["--data-dir", str(tmp_path / "x"), "restore", str(tmp_path / "notabackup")]) == 2
    assert "not a Handoff backup" in capsys.readouterr().err


async def test_backup_while_a_real_server_serves_then_restore(tmp_path: Path, embedder: Any,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`handoff serve slack` holds the database and the embedded index (and posts a packet) while
    `handoff backup` copies them; the restore has every row of every table and the same index."""
    live = Settings(data_dir=tmp_path / "live")
    core, hits = _live_core(live, tmp_path, embedder)
    core.close()  # the server takes the index over
    fake = await FakeSlack().start()
    server = await start_slack_server(tmp_path / "server.log", fake, HANDOFF_DATA_DIR=str(live.data_dir),
                                      HANDOFF_INBOUND_TOKEN=HOOK_TOKEN)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_status(http, server, "/readyz", 200, timeout=90)
            async with http.post(server.url + "/hooks/escalation", json={"ticket_id": "4412"}, headers={
                    "Authorization": f"Bearer {HOOK_TOKEN}", "Idempotency-Key": "psa-1"}) as r:
                assert r.status == 200, await r.text()
            backup = tmp_path / "backup"
            assert await asyncio.to_thread(main, ["--data-dir", str(live.data_dir), "backup", str(backup)]) == 0
            assert (await http.get(server.url + "/readyz")).status == 200  # the server did not notice
        print(capsys.readouterr().out.strip())
    finally:
        assert await server.stop() == 0
        await fake.stop()
    before = table_counts(live.data_dir / "handoff.db")
    restored = Settings(data_dir=tmp_path / "restored")
    assert main(["--data-dir", str(restored.data_dir), "restore", str(backup)]) == 0
    after = table_counts(restored.data_dir / "handoff.db")
    # Every row of every table (the lease row's expiry moves on, its count does not).
    assert after == before and after["outbox"] == 1 and after["postedmessage"] == 2, after
    again = Core(restored, retriever=Retriever(restored, embedder=embedder))
    with Session(again.engine) as session:
        for model in (Ticket, Alert, PacketRow, Feedback):
            assert session.exec(select(func.count()).select_from(model)).one() > 0, model.__name__
    assert _hits(again) == hits
    again.close()
