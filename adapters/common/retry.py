"""Which failures of a post to Slack or Teams are worth another attempt (``bot.chat.outbox``'s ``RetryAfter``).

Retried: HTTP 429 (honouring its ``Retry-After``), HTTP 5xx, timeouts, dropped or
refused connections. Not retried: any other 4xx and Slack's ``ok: false``
answers with HTTP 200 (``not_in_channel``...), which no retry can fix.
"""

from __future__ import annotations

import aiohttp

from bot.chat.outbox import header_retry_after, status_of


def retry_after(exc: BaseException) -> float | None:
    status = status_of(exc)
    if status == 429:
        return header_retry_after(exc) or 1.0
    if status is not None and status >= 500:
        return header_retry_after(exc)
    if status is not None and status >= 400:
        return None
    if isinstance(exc, (TimeoutError, ConnectionError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)):
        return 0.0
    return None
