"""Which channels a Slack user is a member of, for the direct-message rule (bot/tenancy/policy.py,
``direct_scope``): asked with ``users.conversations``, remembered briefly, never guessed.

Slack's documented behaviour this follows (https://api.slack.com/methods/users.conversations):
``user`` lists that user's conversations; with a bot token, private channels are listed only where
the bot is a member too, which is exactly the client channels Handoff posts into; results are paged
with ``response_metadata.next_cursor`` (empty on the last page); a rate-limited call answers HTTP 429
with ``Retry-After``. ``channels:read`` and ``groups:read`` (already in the manifest) cover it.

Every page has its own time limit and a few retries (429 after its Retry-After, 5xx, timeouts,
dropped connections); when Slack still does not answer, the answer is None: the user's DM sees
nothing and is told why (fail closed). Only complete answers are cached, ``ttl`` seconds: someone
who left a client's channel loses that client in DMs within that time.
"""

from __future__ import annotations

import asyncio
import logging
import time

from slack_sdk.web.async_client import AsyncWebClient

from adapters.common.retry import retry_after

log = logging.getLogger("handoff.slack")

MAX_PAGES = 50  # 50 x 1,000 channels; a user in more than that is not looked up further
MAX_WAIT_S = 10.0  # a Retry-After longer than this is not waited for: the DM is answered "try again"


class MembershipCache:
    def __init__(self, client: AsyncWebClient, *, ttl: float = 300.0, timeout: float = 5.0,
                 attempts: int = 3, base_delay_s: float = 0.5):
        self.client = client
        self.ttl = ttl
        self.timeout = timeout
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self._entries: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def forget(self, user_id: str | None = None) -> None:
        """Drop one user's entry (``member_joined_channel``/``member_left_channel``), or all of them."""
        if user_id is None:
            self._entries.clear()
        else:
            self._entries.pop(user_id, None)

    async def channels_of(self, user_id: str) -> frozenset[str] | None:
        """The ids of the channels ``user_id`` is a member of; None when Slack could not tell us."""
        entry = self._entries.get(user_id)
        if entry and time.monotonic() - entry[0] < self.ttl:
            return entry[1]
        async with self._locks.setdefault(user_id, asyncio.Lock()):  # one lookup per user at a time
            entry = self._entries.get(user_id)
            if entry and time.monotonic() - entry[0] < self.ttl:
                return entry[1]
            found = await self._ask(user_id)
            if found is not None:
                self._entries[user_id] = (time.monotonic(), found)
            return found

    async def _ask(self, user_id: str) -> frozenset[str] | None:
        found: set[str] = set()
        cursor = ""
        for _ in range(MAX_PAGES):
            page = await self._page(user_id, cursor)
            if page is None:
                return None
            found.update(str(c["id"]) for c in page.get("channels") or [] if isinstance(c, dict) and c.get("id"))
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return frozenset(found)
        log.warning("users.conversations for %s: more than %d pages, the rest not read", user_id, MAX_PAGES)
        return frozenset(found)

    async def _page(self, user_id: str, cursor: str) -> dict | None:
        for attempt in range(1, self.attempts + 1):
            try:
                response = await asyncio.wait_for(self.client.users_conversations(
                    user=user_id, types="public_channel,private_channel", exclude_archived=True, limit=1000,
                    cursor=cursor or None), timeout=self.timeout)
                return dict(response.data) if isinstance(response.data, dict) else None
            except Exception as exc:  # noqa: BLE001 - every failure is either retried or fails closed
                wait = retry_after(exc)
                log.warning("users.conversations for %s failed (attempt %d of %d): %s", user_id, attempt,
                            self.attempts, type(exc).__name__)
                if wait is None or wait > MAX_WAIT_S or attempt == self.attempts:
                    return None
                await asyncio.sleep(max(wait, self.base_delay_s * 2 ** (attempt - 1)))
        return None
