"""Direct messages in Slack see what their user's scope allows (bot/tenancy/policy.py, ``direct_scope``):
the clients whose channels the user is a member of (``users.conversations``, cached briefly), every
client for members of a NOC channel, or exactly what ``HANDOFF_DM_ACCESS`` lists; nothing otherwise,
and nothing when Slack can't be asked (fail closed, the user told why).

Slack's documented behaviour the fake follows: ``users.conversations`` lists a user's channels in pages
(``response_metadata.next_cursor``, https://api.slack.com/methods/users.conversations) and a
rate-limited call answers 429 with ``Retry-After`` (https://api.slack.com/apis/rate-limits).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.db.models import PacketRow
from bot.tenancy.policy import MEMBERSHIP_UNKNOWN, NO_DM_ACCESS
from tests.harness.slack_harness import (
    ACME,
    NOC,
    RIDGE,
    Harness,
    private_reply,
    refusal,
    rows,
    start_harness,
    texts,
)
from tests.harness.worlds import write_world

DM = "D0DMENG1"
CLIENT_WORDS = ("acme", "ridge", "dc01", "w32tm", "replication")  # names and ticket words of the two clients


@pytest.fixture
async def slack(tmp_path: Path, db_url: str, embedder: Any) -> AsyncIterator[Harness]:
    world = write_world(tmp_path / "world")
    harness, close = await start_harness(tmp_path, db_url, world, embedder=embedder,
                                         dm_access={"U0BOSS": ["*"], "U0ENG2": ["ridge", "gone-client"]})
    harness.front.memberships.timeout = 0.5  # a hanging Slack costs half a second per attempt here
    harness.front.memberships.base_delay_s = 0.01
    harness.fake.hang_s, harness.fake.retry_after = 1.5, 1
    try:
        yield harness
    finally:
        await close()


def plain(message: str) -> str:
    return message.removeprefix(":warning: ")


async def posted_packet_title(h: Harness, ticket: str, *, user: str = "U0ENG1") -> str:
    before = len(h.fake.posts)
    await h.command(ticket, channel=DM, channel_name="directmessage", user=user)
    await h.fake.wait_for("chat.postMessage", before + 1)
    await h.settle()
    return str(h.fake.posts[-1].blocks[0]["text"]["text"])


async def refused_to(h: Harness, text: str, *, user: str) -> str:
    before = len(h.fake.responses)
    await h.command(text, channel=DM, channel_name="directmessage", user=user)
    await h.fake.wait_for("response_url", before + 1)
    await h.settle()
    return str(h.fake.responses[-1].args["blocks"][0]["text"]["text"])


# --- the rule ------------------------------------------------------------------------------


async def test_a_member_of_one_clients_channel_sees_that_client_only_and_learns_nothing_of_others(
        slack: Harness) -> None:
    slack.fake.memberships["U0ENG1"] = ["C0RANDOM", ACME]
    assert (await posted_packet_title(slack, "4412")).startswith("Ticket #4412")
    # Another client's ticket, and one that doesn't exist, get the same words.
    other = await refusal(slack, "5001", channel=DM)
    unknown = await refusal(slack, "9999", channel=DM)
    assert other == ":warning: Ticket #5001 isn't available in this channel."
    assert unknown == ":warning: Ticket #9999 isn't available in this channel."
    # Triage of another client and of a made-up one: the same refusal; a report draft never comes to a DM.
    assert await refusal(slack, "triage ridge", channel=DM) == await refusal(slack, "triage nosuch", channel=DM)
    assert await refusal(slack, "metrics ridge", channel=DM) == await refusal(slack, "metrics nosuch", channel=DM)
    report = await refusal(slack, "report ridge 2026-10", channel=DM)
    assert report == await refusal(slack, "report nosuch 2026-10", channel=DM) and "review channel" in report
    # Triage without a client is this user's one client; an answer cites acme's knowledge only.
    assert "Acme Dental Group" in await private_reply(slack, "triage", DM)
    answer = await private_reply(slack, "ask how is AD replication fixed", DM)
    assert "ridge" not in answer.casefold() and "w32tm" not in answer
    everything = " ".join(texts(c) for c in slack.fake.calls)
    for secret in ("Ridgeline", "DC01 replication errors", "Fixed the time source"):  # ridge's ticket 5001
        assert secret not in everything
    assert {r.tenant_id for r in rows(slack, PacketRow)} == {"acme"}


async def test_a_user_of_two_clients_names_one_and_unknown_names_are_refused_like_others(slack: Harness) -> None:
    slack.fake.memberships["U0ENG1"] = [ACME, RIDGE]
    assert (await posted_packet_title(slack, "5001")).startswith("Ticket #5001")
    assert "Ridgeline" in await private_reply(slack, "ask ridgeline time source", DM)
    nosuch = await refusal(slack, "ask globex time source", channel=DM)
    assert nosuch == ":warning: That isn't available in this channel."
    assert await refusal(slack, "ask what broke", channel=DM) == nosuch  # no client named: the same words


async def test_members_of_a_noc_channel_see_every_client_and_paging_is_followed(slack: Harness) -> None:
    slack.fake.memberships["U0ENG1"] = ["C0A", "C0B", "C0C", "C0D", NOC]  # NOC on the third page
    assert (await posted_packet_title(slack, "5001")).startswith("Ticket #5001")
    assert (await posted_packet_title(slack, "4412")).startswith("Ticket #4412")
    pages = slack.fake.to("users.conversations")
    assert len(pages) == 3 and [p.args.get("cursor") for p in pages][1:] == ["page:2", "page:4"]
    assert all(p.args["types"] == "public_channel,private_channel" for p in pages)


async def test_a_user_in_no_client_channel_sees_nothing_and_is_told_how_to_get_access(slack: Harness) -> None:
    slack.fake.memberships["U0ENG1"] = ["C0RANDOM"]
    for text in ("4412", "ask acme printer", "triage"):
        message = await refusal(slack, text, channel=DM)
        assert plain(message) == NO_DM_ACCESS, message
        assert not any(w in message.casefold() for w in CLIENT_WORDS)
    assert slack.fake.posts == [] and rows(slack, PacketRow) == []


async def test_the_configured_mapping_overrides_membership(slack: Harness) -> None:
    # U0BOSS=*: every client, without asking Slack; U0ENG2=ridge: only ridge though a member of Acme's channel.
    slack.fake.memberships["U0ENG2"] = [ACME]
    assert (await posted_packet_title(slack, "4412", user="U0BOSS")).startswith("Ticket #4412")
    assert (await posted_packet_title(slack, "5001", user="U0ENG2")).startswith("Ticket #5001")
    refused = await refused_to(slack, "4412", user="U0ENG2")
    assert refused == ":warning: Ticket #4412 isn't available in this channel."
    assert slack.fake.to("users.conversations") == []


async def test_memberships_are_cached_and_a_left_channel_is_looked_up_again(slack: Harness) -> None:
    slack.fake.memberships["U0ENG1"] = [ACME]
    await posted_packet_title(slack, "4412")
    await posted_packet_title(slack, "4412")
    assert len(slack.fake.to("users.conversations")) == 1
    slack.fake.memberships["U0ENG1"] = []
    response = await slack.event({"type": "member_left_channel", "user": "U0ENG1", "channel": ACME,
                                  "channel_type": "C", "team": "T0MSP"})
    assert response.status == 200
    await slack.settle()
    message = await refusal(slack, "4412", channel=DM)
    assert plain(message).startswith("You have no clients in direct messages")
    assert not any(w in message.casefold() for w in CLIENT_WORDS)
    assert len(slack.fake.to("users.conversations")) == 2


async def test_a_guest_gets_no_dm_scope_whatever_the_channels(slack: Harness) -> None:
    slack.fake.users["U0ENG1"] = {"is_restricted": True}
    slack.fake.memberships["U0ENG1"] = [NOC]
    assert "isn't mapped" in await refusal(slack, "4412", channel=DM)
    assert slack.fake.to("users.conversations") == [] and slack.fake.posts == []


# --- faults of the lookup: retried, then fail closed -----------------------------------------


@pytest.mark.parametrize("fault", ["500", "429", "hang", "drop"])
async def test_one_fault_of_the_lookup_is_retried(slack: Harness, fault: str) -> None:
    slack.fake.memberships["U0ENG1"] = [ACME]
    slack.fake.faults["users.conversations"] = [fault]
    assert (await posted_packet_title(slack, "4412")).startswith("Ticket #4412")
    assert len(slack.fake.to("users.conversations")) == 2


@pytest.mark.parametrize("fault", ["500", "hang", "drop"])
async def test_a_lookup_that_keeps_failing_shows_nothing_and_says_why(slack: Harness, fault: str) -> None:
    slack.fake.memberships["U0ENG1"] = [NOC]
    slack.fake.faults["users.conversations"] = [fault] * 6
    message = await refusal(slack, "4412", channel=DM)
    assert plain(message) == MEMBERSHIP_UNKNOWN
    assert slack.fake.posts == [] and rows(slack, PacketRow) == []
    # Not cached: once Slack answers again, the DM works.
    slack.fake.faults["users.conversations"] = []
    assert (await posted_packet_title(slack, "4412")).startswith("Ticket #4412")


async def test_a_long_retry_after_is_not_waited_for(slack: Harness) -> None:
    slack.fake.memberships["U0ENG1"] = [NOC]
    slack.fake.retry_after = 120
    slack.fake.faults["users.conversations"] = ["429"] * 6
    assert plain(await refusal(slack, "4412", channel=DM)) == MEMBERSHIP_UNKNOWN
    assert slack.fake.posts == []
