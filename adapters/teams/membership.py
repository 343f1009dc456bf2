"""Which of Handoff's channels a Teams user is a member of, for the direct-message rule
(bot/tenancy/policy.py, ``direct_scope``): asked of the Bot Connector, remembered briefly, never guessed.

Teams has no "channels of this user" call for a bot, so each channel that could widen a DM (the
clients' Teams channels in tenants.yaml, the NOC and review channels) is asked directly:
``GET /v3/conversations/{channel id}/members/{user id}`` (the Bot Connector's GetConversationMember,
what ``TeamsInfo.get_member`` calls; for a standard channel the members are the team's members)
answers the member, or 404 when the user is not one
(https://learn.microsoft.com/microsoftteams/platform/bots/how-to/get-teams-context); 403 when the bot
itself is not in that conversation, which counts as "not a member" too (the channel widens nothing).

Each call has a time limit and one retry (429, 5xx, timeouts, dropped connections); any other
failure, or a retry that fails too, makes the whole answer None: the DM sees nothing and the user
is told why (fail closed). Only complete answers are cached, ``ttl`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time

from botbuilder.core import BotAdapter, TurnContext

from adapters.common.retry import retry_after
from adapters.teams.posting import timed
from bot.chat.outbox import status_of

log = logging.getLogger("handoff.teams")

NOT_A_MEMBER = 404
BOT_NOT_THERE = 403
ATTEMPTS = 2


class NotAsked(Exception):
    """A channel's answer could not be had."""


class TeamsMemberships:
    def __init__(self, *, ttl: float = 300.0, timeout: float = 5.0):
        self.ttl, self.timeout = ttl, timeout
        self._entries: dict[str, tuple[float, frozenset[str]]] = {}

    async def channels_of(self, ctx: TurnContext, user_id: str, candidates: list[str]) -> frozenset[str] | None:
        """Which of ``candidates`` (channel ids) ``user_id`` is a member of; None when Teams couldn't tell."""
        key = f"{user_id}|{','.join(sorted(candidates))}"  # a changed channel list is asked afresh
        entry = self._entries.get(key)
        if entry and time.monotonic() - entry[0] < self.ttl:
            return entry[1]
        client = ctx.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
        if client is None:
            log.warning("no Bot Connector client in this turn: %s's DM scope can't be looked up", user_id)
            return None
        try:
            answers = await asyncio.gather(*(self._is_member(client, c, user_id) for c in candidates))
        except NotAsked:
            return None
        found = frozenset(c for c, yes in zip(candidates, answers, strict=True) if yes)
        self._entries[key] = (time.monotonic(), found)
        return found

    async def _is_member(self, client: object, channel_id: str, user_id: str) -> bool:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await timed(client.conversations.get_conversation_member(channel_id, user_id),  # type: ignore[attr-defined]
                            seconds=self.timeout)
                return True
            except Exception as exc:  # noqa: BLE001 - a 404 answers; anything else is retried or fails closed
                if status_of(exc) == NOT_A_MEMBER:
                    return False
                if status_of(exc) == BOT_NOT_THERE:
                    # The bot isn't in that channel's team (BotNotInConversationRoster): nobody gets that
                    # channel's client through it, but one stale channel must not blank every DM.
                    log.warning("Handoff isn't in Teams channel %s: it widens no direct chat until it is added",
                                channel_id)
                    return False
                wait = retry_after(exc)
                log.warning("member look-up of %s in %s failed (attempt %d of %d): %s", user_id, channel_id,
                            attempt, ATTEMPTS, type(exc).__name__)
                if wait is None or wait > 5 or attempt == ATTEMPTS:
                    raise NotAsked(channel_id) from exc
                await asyncio.sleep(wait)
        raise NotAsked(channel_id)
