"""A Teams personal chat sees what its user's scope allows (bot/tenancy/policy.py, ``direct_scope``),
the same rule as Slack DMs: membership of the clients' Teams channels, every client for a NOC member,
``HANDOFF_DM_ACCESS`` overriding; a member look-up that fails shows nothing and says why.

The fake Bot Connector answers ``GET /v3/conversations/{channel}/members/{user}`` with the member, or
404 for a non-member (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.config import Settings
from bot.core import Core
from bot.db.models import PacketRow
from bot.tenancy.policy import MEMBERSHIP_UNKNOWN, NO_DM_ACCESS
from tests.harness.teams_fakes import MSP_TENANT, FakeConnector, teams_activity
from tests.harness.teams_harness import ACME, NOC, RIDGE, TENANTS, rows, send
from tests.harness.worlds import core_with_index, write_world

USER = "29:1Xv-engineer"


@pytest.fixture
def core(tmp_path: Path, db_url: str, embedder) -> Iterator[Core]:  # type: ignore[no-untyped-def]
    c = core_with_index(Settings(data_dir=tmp_path / "d", database_url=db_url, teams_noc_channels=NOC,
                                 microsoft_app_tenant_id=MSP_TENANT, teams_call_timeout_s=0.3,
                                 dm_access={"aad-boss": ["*"]}),
                        embedder, write_world(tmp_path / "w", tenants_yaml=TENANTS))
    yield c
    c.close()


async def ask(teams: TestClient, connector: FakeConnector, text: str, user: str = USER) -> str:
    before = len(connector.cards())
    await send(teams, teams_activity(connector.url, text=text, kind="personal", user=user))
    assert len(connector.cards()) == before + 1
    return json.dumps(connector.cards()[-1])


async def test_a_member_of_acmes_channel_sees_acme_only_and_learns_nothing_of_ridgeline(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    connector.members = {ACME: {USER}, RIDGE: set(), NOC: set()}
    assert "Ticket #4412" in await ask(teams, connector, "packet 4412")
    other, unknown = await ask(teams, connector, "packet 5001"), await ask(teams, connector, "packet 9999")
    assert "Ticket #5001 isn't available" in other and "Ticket #9999 isn't available" in unknown
    assert other.replace("5001", "N") == unknown.replace("9999", "N")
    assert await ask(teams, connector, "triage ridge") == await ask(teams, connector, "triage nosuch")
    for card in connector.cards()[1:]:
        assert "Ridgeline" not in json.dumps(card) and "time source" not in json.dumps(card)
    assert {r.tenant_id for r in rows(core, PacketRow)} == {"acme"}


async def test_noc_members_see_every_client_and_others_nothing(core: Core, teams: TestClient,
                                                              connector: FakeConnector) -> None:
    connector.members = {ACME: set(), RIDGE: set(), NOC: {USER}}
    assert "Ticket #5001" in await ask(teams, connector, "packet 5001")
    connector.members = {ACME: set(), RIDGE: set(), NOC: set()}
    told = await ask(teams, connector, "packet 4412", user="29:1Xv-newcomer")
    assert json.dumps(NO_DM_ACCESS)[1:-1] in told and "Acme" not in told and "Ridgeline" not in told


async def test_the_mapping_overrides_and_needs_no_lookup(core: Core, teams: TestClient,
                                                        connector: FakeConnector) -> None:
    connector.members = {ACME: set(), RIDGE: set(), NOC: set()}
    assert "Ticket #5001" in await ask(teams, connector, "packet 5001", user="29:1Xv-boss")  # aad-boss=*
    assert not [c for c in connector.calls if c.method == "GET" and c.conversation in (ACME, RIDGE, NOC)]


@pytest.mark.parametrize("fault", ["500", "hang"])
async def test_a_failing_member_lookup_shows_nothing_and_says_why(core: Core, teams: TestClient,
                                                                 connector: FakeConnector, fault: str) -> None:
    connector.members = {ACME: {USER}, RIDGE: set(), NOC: set()}
    connector.hang_s = 1.0
    # The role look-up answers; the channel look-ups fail, however often the connector client (msrest, over
    # requests in worker threads) retries on its own.
    connector.member_faults = ["ok"] + [fault] * 50
    told = await ask(teams, connector, "packet 4412")
    assert json.dumps(MEMBERSHIP_UNKNOWN)[1:-1] in told and "Ticket #4412" not in told
    assert rows(core, PacketRow) == []
    connector.member_faults = []  # not cached: once the connector answers, the chat works
    assert "Ticket #4412" in await ask(teams, connector, "packet 4412")


async def test_a_channel_the_bot_was_removed_from_widens_nothing_but_blanks_nothing(
        core: Core, teams: TestClient, connector: FakeConnector) -> None:
    connector.members = {ACME: {USER}, RIDGE: {USER}, NOC: set()}
    connector.bot_missing = {ACME}  # its look-ups answer 403 BotNotInConversationRoster
    told = await ask(teams, connector, "packet 4412")
    assert "Ticket #4412 isn't available" in told
    assert "Ticket #5001" in await ask(teams, connector, "packet 5001")
