"""Rollout switches: which switch wins, every change audited, and shadow mode routed once in the core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from adapters.cli.main import main
from bot.config import Settings
from bot.core import Core
from bot.db.models import AuditEvent, PacketRow, PostedMessage, RolloutSwitch
from bot.errors import BadInput, Refused, TenantMismatch
from bot.tenancy import rollout
from bot.tenancy.policy import Where
from tests.harness.worlds import core_with_index, write_world

REVIEW = "C0REVIEW"
ACME_CHANNEL = Where("slack", "C0ACME", "U0ENG1")


@pytest.fixture
def core(tmp_path: Path, db_url: str, embedder: Any) -> Iterator[Core]:
    c = core_with_index(Settings(data_dir=tmp_path / "d", database_url=db_url, review_channel=REVIEW), embedder,
                        write_world(tmp_path / "w"))
    yield c
    c.close()


def switch(core: Core, tenant: str, category: str, mode: str) -> None:
    with core.session() as session:
        rollout.set_mode(session=session, tenant_id=tenant, category=category, mode=mode, by="lead")


def mode_of(core: Core, tenant: str, category: str | None) -> tuple[str, str]:
    with core.session() as session:
        d = rollout.resolve(session=session, tenant_id=tenant, category=category)
        return d.mode, d.switch


def rows(core: Core, model):  # type: ignore[no-untyped-def]
    with core.session() as session:
        return list(session.exec(select(model)))


def test_no_switch_means_on(core: Core) -> None:
    assert mode_of(core, "acme", "backup") == ("on", "default")


def test_the_most_specific_switch_wins(core: Core) -> None:
    switch(core, "*", "*", "off")
    switch(core, "*", "backup", "shadow")
    switch(core, "acme", "*", "on")
    switch(core, "acme", "backup", "off")
    assert mode_of(core, "acme", "backup") == ("off", "acme/backup")  # (client, category)
    assert mode_of(core, "acme", "network") == ("on", "acme/*")  # (client, *)
    assert mode_of(core, "ridge", "backup") == ("shadow", "*/backup")  # (*, category)
    assert mode_of(core, "ridge", "network") == ("off", "*/*")  # (*, *)
    assert mode_of(core, "acme", None) == ("on", "acme/*")  # an uncategorised ticket: only '*' switches


def test_every_change_is_audited_and_a_repeat_changes_nothing(core: Core) -> None:
    switch(core, "acme", "*", "shadow")
    [first] = [s for s in rows(core, RolloutSwitch)]
    switch(core, "acme", "*", "shadow")  # the same again: not a change, changed_at stays
    switch(core, "acme", "*", "on")
    switch(core, "acme", "*", "default")  # removed
    changes = [e.detail for e in rows(core, AuditEvent) if e.action == "rollout_changed"]
    assert [(c["from"], c["to"]) for c in changes] == [("default", "shadow"), ("shadow", "on"), ("on", "default")]
    assert all(c["by"] == "lead" and c["tenant"] == "acme" for c in changes)
    assert rows(core, RolloutSwitch) == [] and first.changed_by == "lead"
    with pytest.raises(BadInput):
        switch(core, "acme", "*", "sometimes")


def test_off_refuses_builds_nothing_and_is_audited(core: Core) -> None:
    switch(core, "acme", "active-directory", "off")
    with pytest.raises(Refused, match="switched off"):
        core.packet_for("4412", where=ACME_CHANNEL)
    assert rows(core, PacketRow) == []
    assert [e.action for e in rows(core, AuditEvent)][-1] == "refused"
    core.packet_for("5001", where=Where("cli", user_id="op"))  # Ridgeline is not affected


def test_shadow_builds_and_stores_and_routes_only_to_the_review_channel(core: Core) -> None:
    switch(core, "acme", "*", "shadow")
    packet = core.packet_for("4412", where=ACME_CHANNEL)
    [row] = rows(core, PacketRow)
    assert row.mode == "shadow" and packet.mode == "shadow" and packet.to_json()["mode"] == "shadow"
    delivery = packet.delivery
    assert delivery.to.channel_id == REVIEW and delivery.asked.channel_id == "C0ACME" and delivery.redirected
    with pytest.raises(TenantMismatch):
        delivery.check("slack", "C0ACME")  # an adapter about to post it in the client's channel
    with pytest.raises(TenantMismatch):
        core.record_posted(packet, where=ACME_CHANNEL, message_id="1.1")  # or having done so
    delivery.check("slack", REVIEW)
    core.record_posted(packet, where=delivery.to, message_id="1.2")
    [posted] = rows(core, PostedMessage)
    assert posted.channel == REVIEW
    shown = [e for e in rows(core, AuditEvent) if e.action == "packet_posted"]
    assert shown[0].detail["mode"] == "shadow" and shown[0].channel == REVIEW


def test_shadow_without_a_review_channel_goes_nowhere(tmp_path: Path, db_url: str, embedder: Any) -> None:
    c = core_with_index(Settings(data_dir=tmp_path / "d", database_url=db_url), embedder, write_world(tmp_path / "w"))
    try:
        switch(c, "*", "*", "shadow")
        packet = c.packet_for("4412", where=ACME_CHANNEL)
        assert packet.delivery.to is None and rows(c, PacketRow)[0].mode == "shadow"
        with pytest.raises(TenantMismatch):
            packet.delivery.check("slack", "C0ACME")
    finally:
        c.close()


def test_a_mode_change_builds_a_new_packet_counted_under_its_mode(core: Core) -> None:
    switch(core, "acme", "*", "shadow")
    core.packet_for("4412", where=ACME_CHANNEL)
    core.packet_for("4412", where=ACME_CHANNEL)  # unchanged: reused
    switch(core, "acme", "*", "on")
    on = core.packet_for("4412", where=ACME_CHANNEL)
    assert [r.mode for r in rows(core, PacketRow)] == ["shadow", "on"]
    assert on.delivery.to == ACME_CHANNEL and not on.delivery.redirected


def test_cli_rollout_and_list(core: Core, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(tmp_path / "d"), "--database-url", db_url]
    assert main(base + ["rollout", "--tenant", "acme", "--category", "backup", "--mode", "shadow"]) == 0
    assert main(base + ["rollout", "--tenant", "acme", "--category", "backup"]) == 0
    assert "acme/backup: shadow (decided by acme/backup)" in capsys.readouterr().out
    assert main(base + ["rollout", "--list"]) == 0
    out = capsys.readouterr().out
    assert "acme" in out and "backup" in out and "shadow" in out
    assert main(base + ["rollout", "--tenant", "nobody", "--mode", "on"]) == 2
    assert main(base + ["audit", "--tenant", "acme"]) == 0
    assert "rollout_changed" in capsys.readouterr().out
