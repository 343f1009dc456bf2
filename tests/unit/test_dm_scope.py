"""The direct-message rule (bot/tenancy/policy.py, ``direct_scope``) on the core, platform aside, and the
``HANDOFF_DM_ACCESS`` setting's format. The adapters' look-ups and their faults: tests/adapters/test_*_dm_scope.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.core import Core
from bot.errors import Refused
from bot.tenancy import policy
from bot.tenancy.policy import MEMBERSHIP_UNKNOWN, NO_DM_ACCESS, Scope, Where
from tests.harness.worlds import core_with_index, write_world

NOC = "C0NOC"


@pytest.fixture
def core(tmp_path: Path, embedder):  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'h.db'}",
                        slack_noc_channels=[NOC], dm_access={"U0BOSS": ["*"], "U0RIDGE": ["ridge", "nosuch"],
                                                            "U0NONE": ["nosuch"]})
    c = core_with_index(settings, embedder, write_world(tmp_path / "w"))
    yield c
    c.close()


def dm(user: str, *channels: str, looked_up: bool = True) -> Where:
    return Where("slack", "D0DM", user, is_direct=True, member_of=frozenset(channels) if looked_up else None)


def scope(core: Core, where: Where) -> Scope | Refused:
    return core.scope_of(where)


def test_membership_decides_and_the_mapping_overrides(core: Core) -> None:
    assert scope(core, dm("U1", "C0ACME", "C0OTHER")) == Scope("direct", tenants=frozenset({"acme"}))
    assert scope(core, dm("U1", "C0ACME", "C0RIDGE")) == Scope("direct", tenants=frozenset({"acme", "ridge"}))
    assert scope(core, dm("U1", "C0ACME", NOC)).all_clients  # type: ignore[union-attr]
    assert scope(core, dm("U0BOSS", looked_up=False)).all_clients  # type: ignore[union-attr]
    # Listed: exactly the listed clients that exist, membership aside.
    assert scope(core, dm("U0RIDGE", "C0ACME", NOC)) == Scope("direct", tenants=frozenset({"ridge"}))


@pytest.mark.parametrize("where, words", [
    (dm("U1"), NO_DM_ACCESS),  # in no Handoff channel
    (dm("U1", "C0OTHER"), NO_DM_ACCESS),
    (dm("U0NONE", NOC), NO_DM_ACCESS),  # listed, but with no client that exists
    (dm("U1", looked_up=False), MEMBERSHIP_UNKNOWN),  # the platform could not be asked: nothing
    (Where("slack", "D0DM", "U0BOSS", is_direct=False), None),  # a guest (no DM scope), even if listed
])
def test_no_scope_is_refused_without_naming_a_client(core: Core, where: Where, words: str | None) -> None:
    refused = scope(core, where)
    assert isinstance(refused, Refused)
    if words:
        assert str(refused) == words
    assert not any(n in str(refused).casefold() for n in ("acme", "ridge"))


def test_a_limited_dm_refuses_other_and_unknown_clients_alike(core: Core) -> None:
    where = dm("U1", "C0ACME")
    seen = scope(core, where)
    assert isinstance(seen, Scope)
    with core.session() as session:
        for name in ("ridge", "Ridgeline Manufacturing", "globex"):
            with pytest.raises(Refused) as refused:
                policy.client_for_request(name, scope=seen, session=session)
            assert str(refused.value) == policy.NOT_HERE
        assert policy.client_for_request(None, scope=seen, session=session) == "acme"
        assert policy.clients_in_scope(None, scope=seen, session=session) == ["acme"]
        for ticket in ("5001", "9999"):
            with pytest.raises(Refused) as refused:
                policy.visible_ticket(ticket, scope=seen, session=session)
            assert str(refused.value) == f"Ticket #{ticket} isn't available in this channel."
    # One client: the whole text is that client's question; another client's name only words in it.
    answer = core.handle_chat("ask ridgeline time source", where=where)
    assert answer.tenant == "acme" and all("ridge" not in h.url for h in answer.hits)  # type: ignore[union-attr]
    # Two clients: the first words name one; an unknown name gets what an unseen client gets.
    both = dm("U1", "C0ACME", "C0RIDGE")
    assert core.handle_chat("ask ridgeline time source", where=both).tenant == "ridge"  # type: ignore[union-attr]
    with pytest.raises(Refused) as unknown:
        core.handle_chat("ask globex time source", where=both)
    assert str(unknown.value) == policy.NOT_HERE  # what an unseen client gets (client_for_request above)


def test_links_are_minted_only_for_what_the_dm_sees(core: Core) -> None:
    with core.session() as session:
        assert policy.may_link(dm("U1", "C0ACME"), "acme", session=session, settings=core.settings)
        assert not policy.may_link(dm("U1", "C0ACME"), "ridge", session=session, settings=core.settings)
        assert not policy.may_link(dm("U1", "C0ACME"), None, session=session, settings=core.settings)


@pytest.mark.parametrize("raw, parsed", [
    ("U01=acme,ridge; U02=*", {"U01": ["acme", "ridge"], "U02": ["*"]}),
    ("", {}),
    ({"U01": "acme"}, {"U01": ["acme"]}),
])
def test_dm_access_format(raw: object, parsed: dict[str, list[str]]) -> None:
    assert Settings(dm_access=raw).dm_access == parsed


@pytest.mark.parametrize("raw", ["U01", "U01=", "=acme", "U01=acme;U02"])
def test_a_malformed_dm_access_names_the_bad_entry(raw: str) -> None:
    with pytest.raises(ValidationError) as error:
        Settings(dm_access=raw)
    assert "USER=CLIENT" in str(error.value)
