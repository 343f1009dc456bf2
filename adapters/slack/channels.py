"""Is a Slack conversation shared with another organisation? Asked once, cached briefly.

Slack quirks this module exists for:

- A slash command payload says nothing about sharing, so the app asks
  ``conversations.info``. Events do carry ``is_ext_shared_channel`` on their
  envelope; when it is true that wins at once, whatever the cache says.
- ``is_shared`` is also true for channels shared between workspaces of the
  *same* Enterprise Grid org (``is_org_shared``); that is not external.
  ``is_ext_shared`` means Slack Connect. A *pending* Slack Connect invitation
  (``is_pending_ext_shared``, ``pending_shared``) counts as external too: once
  accepted, the other org sees the channel's history, packets included.
- When the answer cannot be had (no scope, not a member, Slack down) the
  channel is treated as unknown, and unknown never receives client data.

Entries live ``ttl`` seconds (60 by default): a channel shared a minute ago
is caught by the next lookup, and the ``channel_shared`` /
``channel_unshared`` events drop the entry at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("handoff.slack")


@dataclass(frozen=True)
class ChannelInfo:
    channel_id: str
    known: bool  # False: could not ask Slack; treat as not safe
    external: bool = False
    is_im: bool = False


def is_external(channel: dict[str, Any]) -> bool:
    return bool(
        channel.get("is_ext_shared")
        or channel.get("is_pending_ext_shared")
        or channel.get("pending_shared")
        or channel.get("pending_connected_team_ids")
        or channel.get("connected_team_ids")
        or (channel.get("is_shared") and not channel.get("is_org_shared"))
    )


class ChannelCache:
    def __init__(self, client: AsyncWebClient, *, ttl: float = 60.0):
        self.client = client
        self.ttl = ttl
        self._entries: dict[str, tuple[float, ChannelInfo]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self, channel_id: str) -> None:
        self._entries.pop(channel_id, None)

    def mark_external(self, channel_id: str) -> None:
        self._entries[channel_id] = (time.monotonic(), ChannelInfo(channel_id, known=True, external=True))

    async def info(self, channel_id: str) -> ChannelInfo:
        entry = self._entries.get(channel_id)
        if entry and time.monotonic() - entry[0] < self.ttl:
            return entry[1]
        # One lookup per channel at a time: 50 concurrent /packet calls in one
        # channel make one conversations.info call, not 50.
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            entry = self._entries.get(channel_id)
            if entry and time.monotonic() - entry[0] < self.ttl:
                return entry[1]
            info = await self._ask(channel_id)
            if info.known:
                self._entries[channel_id] = (time.monotonic(), info)
            return info

    async def _ask(self, channel_id: str) -> ChannelInfo:
        try:
            response = await self.client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            log.warning("conversations.info %s failed: %s", channel_id, exc.response.get("error"))
            return ChannelInfo(channel_id, known=False)
        except Exception as exc:  # network trouble: unknown, and unknown is not safe
            log.warning("conversations.info %s failed: %s", channel_id, exc.__class__.__name__)
            return ChannelInfo(channel_id, known=False)
        channel = response.get("channel") or {}
        return ChannelInfo(channel_id, known=True, external=is_external(channel), is_im=bool(channel.get("is_im")))
