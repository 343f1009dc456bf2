"""``POST /hooks/escalation``: a PSA that doesn't post to Slack itself asks for a packet.

Body: ``{"ticket_id": "4412"}`` (``ticket`` is accepted too), authenticated
with ``Authorization: Bearer $HANDOFF_INBOUND_TOKEN``. The packet goes to the
Slack channel(s) of the ticket's client from tenants.yaml, through the same
policy as any request from that channel: a Slack Connect channel is refused.
Idempotent: an ``Idempotency-Key`` header (or ``delivery_id`` in the body)
names the delivery; without one, the same packet is never posted twice to a
channel (a changed ticket builds a new packet, which is posted).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from typing import Any

from aiohttp import web
from slack_sdk.errors import SlackApiError

from adapters.slack.app import SlackFrontEnd
from bot.errors import HandoffError, NotFound, new_error_id

log = logging.getLogger("handoff.slack")
_TICKET = re.compile(r"^#?(\d{1,12})$")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def authorised(request: web.Request, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


async def read_json(request: web.Request, limit: int) -> dict[str, Any]:
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"body larger than {limit} bytes")
    try:
        data = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError('body must be a JSON object like {"ticket_id": "4412"}')
    return data


def escalation_handler(front: SlackFrontEnd):  # type: ignore[no-untyped-def]
    core = front.core

    async def escalation(request: web.Request) -> web.Response:
        token = core.settings.inbound_token
        if not token:
            return _error(503, "the escalation webhook is off: set HANDOFF_INBOUND_TOKEN")
        if not authorised(request, token):
            return _error(401, "missing or wrong bearer token")
        try:
            body = await read_json(request, core.settings.inbound_max_body_bytes)
        except ValueError as exc:
            return _error(400, str(exc))
        raw = body.get("ticket_id", body.get("ticket"))
        match = _TICKET.match(str(raw).strip()) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        if match is None:
            return _error(400, 'ticket_id: expected a ticket number like "4412"')
        ticket = match.group(1)
        delivery = request.headers.get("Idempotency-Key") or body.get("delivery_id")
        async with front.work.track("hook"):
            try:
                channels = await asyncio.to_thread(core.home_channels, ticket, platform="slack")
            except NotFound as exc:
                return _error(404, exc.message)
            if not channels:
                return _error(409, f"the client of ticket #{ticket} has no Slack channel in tenants.yaml")
            results = [await post_to(front, ticket, channel, delivery) for channel in channels]
        ok = any(r["status"] in ("posted", "duplicate", "shadow") for r in results)
        failed = any(r["status"] == "error" for r in results)
        status = 200 if ok else (502 if failed else 409)
        return web.json_response({"ok": ok, "ticket_id": ticket, "channels": results}, status=status)

    return escalation


async def post_to(front: SlackFrontEnd, ticket: str, channel: str, delivery: str | None) -> dict[str, Any]:
    core = front.core
    try:
        where = await front.where(channel, "webhook")
        packet = await asyncio.to_thread(core.packet_for, ticket, where=where)
        # Shadow mode: the core sends the packet to the review channel (or nowhere); two client channels
        # then share one destination, so the delivery key is the destination's.
        to = packet.delivery.to if packet.delivery else where
        if to is None:
            return {"channel": channel, "status": "shadow", "packet_id": packet.packet_id,
                    "reason": "built in shadow mode and stored; no review channel is set"}
        key = f"hook:{to.channel_id}:{delivery}" if delivery else f"hook:{to.channel_id}:packet:{packet.packet_id}"
        if not await front.first(key):
            return {"channel": channel, "status": "duplicate", "packet_id": packet.packet_id}
        ts = await front.post_packet(packet, where)
        if packet.delivery is not None and packet.delivery.redirected:
            return {"channel": channel, "status": "shadow", "posted_to": to.channel_id, "ts": ts,
                    "packet_id": packet.packet_id}
        return {"channel": channel, "status": "posted", "ts": ts, "packet_id": packet.packet_id}
    except HandoffError as exc:
        return {"channel": channel, "status": "refused", "reason": exc.message}
    except SlackApiError as exc:
        return {"channel": channel, "status": "error", "reason": str(exc.response.get("error"))}
    except Exception:
        error_id = new_error_id()
        log.exception("unexpected error %s posting ticket %s to %s", error_id, ticket, channel)
        return {"channel": channel, "status": "error", "reason": f"unexpected error (id {error_id})"}
