"""The outbox worker's Teams side (``bot/chat/outbox_worker.py``).

The Bot Framework cannot list a channel's messages (that is Microsoft Graph, with
permissions Handoff does not ask for), so a Teams post cannot be looked for by its
delivery key: ``finds_posts`` is False, and the worker retries only entries that
surely did not reach Teams (failed with a transient error, or never attempted),
never one left *sending* (its process may have posted it and died before
recording it). Those stay in ``handoff outbox`` and in the outbox age metric for an
operator to check the channel and ``handoff outbox --retry`` them. A packet that went
into a thread (a reply to a request) is not posted again as a new thread: only the
request's retry posts it. The asker cannot be told privately (a proactive 1:1 message
needs a personal conversation reference Handoff may not have): the log line says it.
"""

from __future__ import annotations

from adapters.teams.posting import TeamsPoster
from bot.db.models import OutboxEntry
from bot.errors import Refused
from bot.packets.model import Packet
from bot.tenancy.policy import Where


class TeamsRedeliverer:
    platform = "teams"
    finds_posts = False

    def __init__(self, poster: TeamsPoster):
        self.poster = poster

    async def reach(self, channel_id: str, *, user_id: str | None) -> Where | None:
        return await self.poster.reach(channel_id, user_id=user_id)

    def retry_after(self, exc: BaseException) -> float | None:
        return self.poster.retry_after(exc)

    async def find_posted(self, entry: OutboxEntry) -> str | None:
        return None

    async def repost(self, packet: Packet, to: Where) -> str:
        if to.thread_id:
            raise Refused("a packet for a Teams thread is posted again only by the request's own retry")
        return await self.poster.post_packet(packet, to)

    async def tell(self, entry: OutboxEntry, text: str) -> None:
        return None
