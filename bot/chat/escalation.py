"""Where a packet goes, for every chat front end: the escalation webhook and the shadow redirect.

Two flows live here, platform-neutral, so Slack and Teams only render and post:

- ``escalate``: ``POST /hooks/escalation`` with ``{"ticket_id": "4412"}``. The
  ticket's client's home channels on the platform (tenants.yaml), one packet
  per channel, asked *as if* in that channel (so the policy that answers a
  request there decides here too), a delivery key per destination so a retry
  posts nothing twice, and one outcome per channel with a stable status code.
- ``deliver``: a packet someone asked for in a channel. The rollout decision
  (``packet.delivery``) says where it goes: here (``on``), the review channel
  (``shadow``) or nowhere (shadow without a review channel); the asker is told
  which, in the same words on every platform.

The front end supplies a ``ChannelPoster``: how to reach a channel (its sharing
state checked, ``None`` when the platform cannot post there) and how to post
and record a packet as a new message there. Nothing here imports a platform SDK.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.chat import outbox
from bot.errors import BadInput, DeliveryFailed, HandoffError, Refused, user_text
from bot.packets.model import Packet
from bot.tenancy.policy import Where
from bot.tenancy.rollout import Delivery

if TYPE_CHECKING:
    import logging

    from bot.core import Core

# The outcome codes of one channel, as the webhook answers them.
POSTED, DUPLICATE, SHADOW, REFUSED, UNREACHABLE, ERROR = "posted", "duplicate", "shadow", "refused", "unreachable", "error"
DELIVERED = (POSTED, DUPLICATE, SHADOW)  # the PSA's escalation reached Handoff's side: 200

SHADOW_POSTED = ("Handoff runs in shadow mode for this ticket's client or category: the packet for #{ticket} was "
                 "built and posted to {review}, not here.")
SHADOW_NOWHERE = ("Handoff runs in shadow mode for this ticket's client or category: the packet for #{ticket} was "
                  "built and stored for measurement. {why}, so it was posted nowhere.")
NO_REVIEW_CHANNEL = "no review channel is set ({setting})"
REVIEW_UNREACHABLE = "Handoff hasn't seen the review channel yet ({hint})"
REVIEW_SETTING = {"slack": "HANDOFF_REVIEW_CHANNEL", "teams": "HANDOFF_TEAMS_REVIEW_CHANNEL"}

WEBHOOK_USER = "escalation-webhook"  # who "asks" for an escalation's packet: no one to tell privately
_TICKET = re.compile(r"^#?(\d{1,12})$")


class NoHomeChannel(HandoffError):
    """The ticket's client has no channel on this platform (tenants.yaml): the webhook's 409."""


class ChannelPoster(Protocol):
    """What a front end does for these flows: reach a channel, post a packet there."""

    platform: str
    unreachable_hint: str  # what to do when ``reach`` returns None, e.g. "add the bot to the team"

    async def reach(self, channel_id: str, *, user_id: str | None) -> Where | None:
        """The place to post into, its sharing state checked (``Refused`` if the platform says it is
        shared outside the MSP); ``None`` when the platform cannot post there."""
        ...

    def mention(self, channel_id: str) -> str:
        """How a message names a channel: "the review channel <#C0REVIEW>" in Slack."""
        ...

    async def post_packet(self, packet: Packet, to: Where) -> str:
        """Render and post the packet as a new message in ``to``, record it; return the message id."""
        ...

    def retry_after(self, exc: BaseException) -> float | None:
        """Seconds before another attempt after this failure of a post (0: backoff), None: don't retry."""
        ...


@dataclass(frozen=True)
class Outcome:
    """What happened in one home channel."""

    channel: str
    status: str  # POSTED | DUPLICATE | SHADOW | REFUSED | UNREACHABLE | ERROR
    packet_id: int | None = None
    message_id: str | None = None
    posted_to: str | None = None  # shadow mode: the review channel that got it
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Escalation:
    ticket_id: str
    outcomes: list[Outcome]

    @property
    def ok(self) -> bool:
        return any(o.status in DELIVERED for o in self.outcomes)

    @property
    def http_status(self) -> int:
        """200 when a channel got it (or had it), 502 when posting failed, 409 when no channel could take it."""
        if self.ok:
            return 200
        return 502 if any(o.status == ERROR for o in self.outcomes) else 409

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "ticket_id": self.ticket_id, "channels": [o.as_dict() for o in self.outcomes]}


def parse_request(body: Any, *, idempotency_key: str | None) -> tuple[str, str | None]:
    """``(ticket_id, delivery_id)`` from the webhook's JSON body; ``BadInput`` names what is wrong."""
    if not isinstance(body, dict):
        raise BadInput('body must be a JSON object like {"ticket_id": "4412"}')
    raw = body.get("ticket_id", body.get("ticket"))
    match = _TICKET.match(str(raw).strip()) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    if match is None:
        raise BadInput('ticket_id: expected a ticket number like "4412"')
    delivery = idempotency_key or (str(body["delivery_id"]) if body.get("delivery_id") else None)
    return match.group(1), delivery


def delivery_key(destination: str | None, *, delivery: str | None, packet_id: int | None) -> str:
    """One post per destination and delivery id; without an id, one post per destination and packet
    (a changed ticket builds a new packet, which is posted). Keyed by the destination, not the home
    channel: in shadow mode two home channels share one review channel."""
    return f"hook:{destination}:{delivery}" if delivery else f"hook:{destination}:packet:{packet_id}"


async def escalate(core: Core, ticket_id: str, *, poster: ChannelPoster, delivery: str | None,
                   logger: logging.Logger | None = None) -> Escalation:
    """Post a ticket's packet into each of its client's channels; ``NotFound``/``NoHomeChannel`` before any."""
    channels = await core.run(core.home_channels, ticket_id, platform=poster.platform)
    if not channels:
        raise NoHomeChannel(f"the client of ticket #{ticket_id} has no {poster.platform.capitalize()} channel "
                            "in tenants.yaml")
    outcomes = [await _to_channel(core, ticket_id, channel, poster=poster, delivery=delivery, logger=logger)
                for channel in channels]
    return Escalation(ticket_id, outcomes)


async def _to_channel(core: Core, ticket_id: str, channel: str, *, poster: ChannelPoster, delivery: str | None,
                      logger: logging.Logger | None) -> Outcome:
    try:
        where = await poster.reach(channel, user_id=WEBHOOK_USER)
        if where is None:
            return Outcome(channel, UNREACHABLE, reason=f"Handoff hasn't seen this channel yet: {poster.unreachable_hint}")
        packet = await core.run(core.packet_for, ticket_id, where=where)
        to, why = await _destination(packet, where, poster=poster)
        if to is None:
            return Outcome(channel, SHADOW, packet_id=packet.packet_id, reason=f"built in shadow mode and stored; {why}")
        # The key is spent only when the platform confirms the post (bot/chat/outbox.py): after a
        # failed post the PSA's retry posts, after a delivered one it is a duplicate.
        key = delivery_key(to.channel_id, delivery=delivery, packet_id=packet.packet_id)
        claim = await _claim(core, packet, to, poster=poster, key=key, kind="escalation")
        if not claim.won:
            return Outcome(channel, DUPLICATE, packet_id=packet.packet_id, message_id=claim.message_id,
                           reason=None if claim.status == outbox.DELIVERED else "another request is posting it now")
        message_id = await _post(core, packet, to, poster=poster, claim=claim)
        if to.channel_id != channel:
            return Outcome(channel, SHADOW, packet_id=packet.packet_id, message_id=message_id, posted_to=to.channel_id)
        return Outcome(channel, POSTED, packet_id=packet.packet_id, message_id=message_id)
    except DeliveryFailed as exc:
        return Outcome(channel, ERROR, reason=exc.message)
    except HandoffError as exc:
        return Outcome(channel, REFUSED, reason=exc.message)
    except Exception as exc:
        text, _ = user_text(exc, request=f"escalation of #{ticket_id} to {channel}", logger=logger)
        return Outcome(channel, ERROR, reason=text)


async def deliver(core: Core, packet: Packet, asked: Where, *, poster: ChannelPoster,
                  here: Callable[[Packet], Awaitable[str]], tell: Callable[[str], Awaitable[None]] | None,
                  key: str | None = None) -> str | None:
    """Post a packet someone asked for where the rollout decision says; returns the message id.

    ``here`` posts into the asking place (its thread, its reply); the review channel
    is reached through ``poster``. ``tell`` (None for events, which have no one to
    answer privately) says where a shadow packet went. ``key`` names the delivery (a
    NOC message's channel+ts): a retry of a delivered one posts nothing. Either way
    the post goes through the outbox; ``None`` is returned for a duplicate.
    """
    to, why = await _destination(packet, asked, poster=poster)
    if to is None:
        if tell is not None:
            await tell(SHADOW_NOWHERE.format(ticket=packet.ticket.id, why=why[0].upper() + why[1:]))
        return None
    if to.channel_id == asked.channel_id and to.platform == asked.platform:
        _delivery(packet, asked).check(poster.platform, asked.channel_id)
        claim = await _claim(core, packet, asked, poster=poster, key=key, kind="packet")
        if not claim.won:
            return None
        return await core.outbox.send(claim, lambda: here(packet), retry_after=poster.retry_after,
                                      what=f"packet for #{packet.ticket.id}", where="this conversation", run=core.run)
    claim = await _claim(core, packet, to, poster=poster, key=key, kind="packet")
    if not claim.won:
        return None
    message_id = await _post(core, packet, to, poster=poster, claim=claim)
    if tell is not None:
        assert to.channel_id is not None
        await tell(SHADOW_POSTED.format(ticket=packet.ticket.id, review=poster.mention(to.channel_id)))
    return message_id


def _delivery(packet: Packet, asked: Where) -> Delivery:
    return packet.delivery or Delivery(packet.mode, to=asked if packet.mode == "on" else None, asked=asked)


async def _destination(packet: Packet, asked: Where, *, poster: ChannelPoster) -> tuple[Where | None, str]:
    """Where the packet goes (``None``: nowhere, with the reason): the core's decision, the review
    channel reached (and its sharing checked) through the front end."""
    delivery = _delivery(packet, asked)
    if delivery.to is None:
        return None, NO_REVIEW_CHANNEL.format(setting=REVIEW_SETTING.get(poster.platform, "the review channel"))
    if not delivery.redirected:
        return asked, ""
    assert delivery.to.channel_id is not None
    review = await poster.reach(delivery.to.channel_id, user_id=asked.user_id)
    if review is None:
        return None, REVIEW_UNREACHABLE.format(hint=poster.unreachable_hint)
    if review.externally_shared or review.foreign_org:
        raise Refused("The review channel is shared outside the MSP, so Handoff posts nothing there.")
    return Where(review.platform, review.channel_id, review.user_id, thread_id=None), ""


async def _claim(core: Core, packet: Packet, to: Where, *, poster: ChannelPoster, key: str | None,
                 kind: str) -> outbox.Claim:
    """Record the post as pending in the outbox before the first attempt."""
    return await core.run(core.outbox.claim, platform=poster.platform, key=key, kind=kind,
                          channel=to.channel_id or "direct", thread_id=to.thread_id,
                          tenant_id=packet.ticket.tenant, packet_pk=packet.packet_id,
                          asker=None if to.user_id == WEBHOOK_USER else to.user_id)


async def _post(core: Core, packet: Packet, to: Where, *, poster: ChannelPoster, claim: outbox.Claim) -> str:
    # The core's routing decision is checked right before the post: posting anywhere else is a bug.
    _delivery(packet, to).check(poster.platform, to.channel_id)
    return await core.outbox.send(claim, lambda: poster.post_packet(packet, to), retry_after=poster.retry_after,
                                  what=f"packet for #{packet.ticket.id}", where=f"channel {to.channel_id}",
                                  run=core.run)
