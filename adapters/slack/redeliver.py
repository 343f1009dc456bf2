"""The outbox worker's Slack side (``bot/chat/outbox_worker.py``): find, post again, tell.

Every post through the outbox carries the delivery key as message metadata
(``event_type`` ``handoff_delivery``; https://api.slack.com/metadata/using). Before
posting an entry again, the worker reads the channel (``conversations.history``,
or ``conversations.replies`` for a thread) since the entry was created with
``include_all_metadata`` and looks for that key: a message found means Slack has
it and only our "delivered" was lost (a database blip right after the post), so
nothing is posted twice. Reading needs the ``channels:history`` / ``groups:history``
scopes the app already has for message events. If Slack cannot be read, nothing
is posted this round (the entry is rescheduled): a second post is worse than a late one.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack.app import DELIVERY_EVENT, SlackFrontEnd
from adapters.slack.blocks import text_message
from bot.db.models import OutboxEntry
from bot.packets.model import Packet
from bot.tenancy.policy import Where

log = logging.getLogger("handoff.slack.redeliver")
PAGES = 5  # of up to 200 messages each: a busy channel's last 1000 messages since the entry was made


class SlackRedeliverer:
    platform = "slack"
    finds_posts = True  # by the delivery key in the message metadata

    def __init__(self, front: SlackFrontEnd):
        self.front = front

    async def reach(self, channel_id: str, *, user_id: str | None) -> Where | None:
        return await self.front.reach(channel_id, user_id=user_id)

    def retry_after(self, exc: BaseException) -> float | None:
        return self.front.retry_after(exc)

    async def repost(self, packet: Packet, to: Where) -> str:
        return await self.front.post_packet(packet, to)

    async def find_posted(self, entry: OutboxEntry) -> str | None:
        """The ts of Handoff's message carrying this entry's delivery key, or None (raises if Slack can't say)."""
        oldest = f"{(entry.created_at - timedelta(minutes=1)).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(PAGES):
            args: dict[str, Any] = {"channel": entry.channel, "oldest": oldest, "limit": 200,
                                    "include_all_metadata": True, "cursor": cursor}
            if entry.thread_id:
                page = await self.front.client.conversations_replies(ts=entry.thread_id, **args)
            else:
                page = await self.front.client.conversations_history(**args)
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == DELIVERY_EVENT and \
                        (metadata.get("event_payload") or {}).get("key") == entry.key:
                    return str(message["ts"])
            cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or None
            if not cursor:
                return None
        return None

    async def tell(self, entry: OutboxEntry, text: str) -> None:
        """The asker privately (an ephemeral message in the channel); escalations have no asker: the log only."""
        if not entry.asker or not entry.asker[:1] in ("U", "W"):
            return
        message = text_message(text, already_mrkdwn=True)
        try:
            await self.front.client.chat_postEphemeral(channel=entry.channel, user=entry.asker, text=message.text,
                                                       blocks=message.blocks)
        except SlackApiError as exc:
            log.warning("outbox entry %s: could not tell %s (%s)", entry.pk, entry.asker, exc.response.get("error"))
