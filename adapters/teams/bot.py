"""The Teams bot: activity in, core call, card out. Thin on purpose.

Rules about who may see what are the core's (``bot/tenancy/policy.py``); this module
only tells the core where a request comes from (``activity.where_of``) and
renders what comes back (``cards``). Core methods are synchronous SQL, so they
run in a thread (``asyncio.to_thread``) and the event loop keeps serving.

Teams quirks handled here:

- A card button arrives in one of two forms: ``Action.Execute`` as an
  ``invoke`` activity named ``adaptiveCard/action`` (it must be answered with an
  invoke response, or Teams shows an error on the card), ``Action.Submit`` as a
  *message* activity with ``value`` and no text. Both carry the id of the
  card's message in ``replyToId``, which is how feedback finds its packet.
- Teams re-delivers an activity it thinks timed out; ``core.first_delivery``
  keeps a retry from posting a second packet.
- A personal chat is the MSP's own only for members of its tenant: a guest
  (``userRole == "guest"``, asked from the connector) is no staff member.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from botbuilder.core import (
    ActivityHandler,
    BotAdapter,
    CardFactory,
    InvokeResponse,
    MessageFactory,
    TurnContext,
)
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity
from msrest.serialization import Model

from adapters.teams import activity as act
from adapters.teams import cards, report_cards
from bot.packets.model import Packet
from bot.core import Core
from bot.reporting.service import MetricsReply
from bot.errors import HandoffError, Refused, new_error_id
from bot.tenancy.policy import Where
from bot.reporting.reports import ReportDraft
from bot.tenancy.rollout import Delivery
from bot.chat.views import Answer, TriageView

log = logging.getLogger("handoff.teams")

INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
SHADOW_POSTED = ("Handoff runs in shadow mode for this ticket's client or category: the packet for #{ticket} was "
                 "built and posted to the review channel, not here.")
SHADOW_NOWHERE = ("Handoff runs in shadow mode for this ticket's client or category: the packet for #{ticket} was "
                  "built and stored for measurement. The review channel (HANDOFF_TEAMS_REVIEW_CHANNEL) is not set "
                  "or Handoff hasn't been added there yet, so it was posted nowhere.")
FORGET_EVENTS = ("channelDeleted", "teamDeleted", "teamHardDeleted", "teamArchived")


def card_activity(card: dict[str, Any]) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


def user_message(exc: BaseException) -> str:
    """The one mapping from errors to what the user reads."""
    if isinstance(exc, HandoffError):
        return exc.message
    error_id = new_error_id()
    log.error("unexpected error %s", error_id, exc_info=exc)
    return f"Something went wrong on Handoff's side (error id {error_id}). Nothing was posted or changed."


class HandoffBot(ActivityHandler):
    def __init__(self, core: Core):
        self.core = core
        self.settings = core.settings

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    # --- where and who -------------------------------------------------------------

    async def _where(self, ctx: TurnContext) -> Where:
        activity = ctx.activity
        staff = True
        if act.is_personal(activity) and activity.channel_id == act.TEAMS:
            staff = await self._is_staff(ctx)
        return act.where_of(activity, msp_tenant=self.settings.microsoft_app_tenant_id, staff=staff)

    async def _is_staff(self, ctx: TurnContext) -> bool:
        """Ask the connector for the sender's role; any failure counts as not staff (fail closed)."""
        try:
            member = await TeamsInfo.get_member(ctx, ctx.activity.from_property.id)
        except Exception as exc:  # the connector is down or refuses: no all-clients view
            log.warning("could not look up the role of %s in a personal chat: %s", act.user_id(ctx.activity), exc)
            return False
        return (getattr(member, "user_role", None) or "user") not in ("guest", "anonymous")

    async def _first_delivery(self, activity: Activity) -> bool:
        if not activity.id:
            return True
        key = f"{activity.type}:{activity.conversation.id if activity.conversation else ''}:{activity.id}"
        return await self._call(self.core.first_delivery, platform="teams", key=key)

    async def _remember(self, activity: Activity, where: Where) -> None:
        """Keep this channel's reference for the escalation webhook; never for places that get no data."""
        if not where.channel_id or act.is_personal(activity):
            return
        if where.foreign_org or where.externally_shared:
            await self._call(self.core.forget_conversation, platform="teams", channel_id=where.channel_id)
            return
        await self._call(self.core.remember_conversation, platform="teams", channel_id=where.channel_id,
                         reference=act.reference_of(activity))

    # --- messages ------------------------------------------------------------------

    async def on_message_activity(self, ctx: TurnContext) -> None:
        activity = ctx.activity
        if not await self._first_delivery(activity):
            log.info("duplicate delivery of %s ignored", activity.id)
            return
        where = await self._where(ctx)
        await self._remember(activity, where)
        if isinstance(activity.value, dict) and activity.value.get("handoff"):
            # Action.Submit: a button click dressed as a message.
            text = await self._card_action(ctx, where, str(activity.value["handoff"]), activity.value)
            await ctx.send_activity(card_activity(cards.message_card(text)))
            return
        try:
            reply = await self._call(self.core.handle_chat, act.command_text(activity), where=where)
        except Exception as exc:
            await ctx.send_activity(card_activity(cards.message_card(user_message(exc))))
            return
        await self._send_reply(ctx, reply, where)

    async def _send_reply(self, ctx: TurnContext, reply: Any, where: Where) -> None:
        if isinstance(reply, Packet):
            if reply.delivery is not None and reply.delivery.redirected:
                await self._send_shadow(ctx, reply)
            else:
                await self._send_packet(ctx, reply, where, cards.packet_cards(reply).first)
        elif isinstance(reply, MetricsReply):
            await ctx.send_activity(card_activity(report_cards.metrics_card(reply)))
        elif isinstance(reply, ReportDraft):
            response = await ctx.send_activity(card_activity(report_cards.report_card(reply)))
            await self._call(self.core.record_report_posted, reply, where=where,
                             message_id=response.id if response else "", thread_id=where.thread_id)
        elif isinstance(reply, Answer):
            await ctx.send_activity(card_activity(cards.answer_card(reply)))
        elif isinstance(reply, TriageView):
            await ctx.send_activity(card_activity(cards.triage_card(reply)))
        else:
            await ctx.send_activity(card_activity(cards.message_card(str(reply))))

    async def _send_shadow(self, ctx: TurnContext, packet: Packet) -> None:
        """Shadow mode: the packet goes to the review channel (through its stored reference), never here."""
        to = packet.delivery.to if packet.delivery else None
        reference = await self._call(self.core.conversation_reference, platform="teams", channel_id=to.channel_id) \
            if to is not None and to.channel_id else None
        if to is None or reference is None:
            await ctx.send_activity(card_activity(cards.message_card(SHADOW_NOWHERE.format(ticket=packet.ticket.id))))
            return
        await self.post_to_channel(ctx.adapter, packet, to, reference)
        await ctx.send_activity(card_activity(cards.message_card(SHADOW_POSTED.format(ticket=packet.ticket.id))))

    async def _send_packet(self, ctx: TurnContext, packet: Packet, where: Where, card: dict[str, Any],
                           kind: str = "packet") -> str:
        (packet.delivery or Delivery(packet.mode, to=where if packet.mode == "on" else None, asked=where)).check(
            "teams", where.channel_id)
        response = await ctx.send_activity(card_activity(card))
        message_id = response.id if response else ""
        await self._call(self.core.record_posted, packet, where=where, message_id=message_id,
                         thread_id=where.thread_id, kind=kind)
        return message_id

    # --- card buttons -----------------------------------------------------------------

    async def on_invoke_activity(self, ctx: TurnContext) -> InvokeResponse | None:
        if ctx.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(ctx)
        value = ctx.activity.value if isinstance(ctx.activity.value, dict) else {}
        action = value.get("action") or {}
        if action.get("type") != "Action.Execute" or not action.get("verb"):
            return InvokeResponse(status=400, body=InvokeBody(
                status_code=400, type="application/vnd.microsoft.error",
                value={"code": "BadRequest", "message": "expected an Action.Execute with a verb"}))
        if not await self._first_delivery(ctx.activity):
            return _invoke_message("Already done.")
        where = await self._where(ctx)
        text = await self._card_action(ctx, where, str(action["verb"]), action.get("data") or {})
        return _invoke_message(text)

    async def _card_action(self, ctx: TurnContext, where: Where, verb: str, data: dict[str, Any]) -> str:
        """One button click, whichever form it came in, to one core call; returns what to tell the user."""
        message_id = ctx.activity.reply_to_id
        claim = str(data["claim"]) if data.get("claim") else None
        try:
            if verb == cards.SHOW_FULL:
                return await self._show_full(ctx, where)
            if verb == report_cards.MARK_SENT:
                report = str(data.get("report") or "")
                if not report.isdigit():
                    return "That button doesn't name a report."
                row, changed = await self._call(self.core.mark_report_sent, int(report), where=where)
                return (f"Marked sent: report {row.pk}'s turnaround is recorded." if changed
                        else f"Report {row.pk} was already marked sent.")
            if not message_id or not where.channel_id or not where.user_id:
                return "I can't tell which card that button belongs to."
            target = {"platform": "teams", "channel": where.channel_id, "message_id": message_id,
                      "user_id": where.user_id}
            if verb == cards.CONFIRM:
                done = await self._call(self.core.accept, **target, claim_id=claim)
                said = f"Recorded: claim {claim} is right." if claim else "Recorded: the packet is right."
            elif verb == cards.START_CORRECTION:
                done = await self._call(self.core.start_correction, **target)
                said = "Correction started: press Done when the packet is fixed (the time it takes is measured)."
            elif verb == cards.FINISH_CORRECTION:
                done = await self._call(self.core.finish_correction, **target, how="card button")
                if done is None:
                    return "You have no correction open on this packet."
                said = f"Correction finished after {_duration(done.duration_s)}."
            elif verb == cards.FLAG:
                if not claim:
                    return "That button doesn't name a claim."
                done = await self._call(self.core.flag_citation, **target, claim_id=claim)
                said = f"Flagged: claim {claim} cites the wrong source. Thanks, this goes into the source's record."
            else:
                return f"Unknown action {verb[:40]!r}."
        except Exception as exc:
            return user_message(exc)
        return said if done is not None else "I can't find the packet this card belongs to any more."

    async def _show_full(self, ctx: TurnContext, where: Where) -> str:
        """Post the claims the card left out. The card's message names the packet (nothing the click
        carries is trusted) and the core checks this place may still see it."""
        message_id = ctx.activity.reply_to_id
        if not message_id:
            return "I can't tell which card that button belongs to."
        packet = await self._call(self.core.posted_packet, where=where, message_id=message_id)
        rest = cards.packet_cards(packet).rest
        for card in rest:
            await self._send_packet(ctx, packet, where, card, kind="packet_part")
        return f"Posted the rest of ticket #{packet.ticket.id}'s packet ({len(rest)} more cards)."

    # --- membership: keep or drop the conversation reference ---------------------------

    async def on_conversation_update_activity(self, ctx: TurnContext) -> None:
        activity = ctx.activity
        bot_id = activity.recipient.id if activity.recipient else None
        removed = any(m.id == bot_id for m in activity.members_removed or [])
        event = act.channel_data(activity).get("eventType")
        where = act.where_of(activity, msp_tenant=self.settings.microsoft_app_tenant_id)
        if removed or event in FORGET_EVENTS:
            if where.channel_id:
                await self._call(self.core.forget_conversation, platform="teams", channel_id=where.channel_id)
            return
        # Bot added to a team (the General channel), a channel created or renamed, members changed:
        # each names a conversation the bot can post into.
        await self._remember(activity, where)

    async def on_installation_update(self, ctx: TurnContext) -> None:
        activity = ctx.activity
        where = act.where_of(activity, msp_tenant=self.settings.microsoft_app_tenant_id)
        if (activity.action or "").startswith("remove"):
            if where.channel_id:
                await self._call(self.core.forget_conversation, platform="teams", channel_id=where.channel_id)
        else:
            await self._remember(activity, where)

    # --- proactive: the escalation webhook -------------------------------------------

    async def post_packet(self, adapter: BotAdapter, *, ticket_id: str, channel_id: str, reference: dict[str, Any],
                          delivery: str | None = None) -> dict[str, Any]:
        """Post a ticket's packet into a client channel through its stored reference, once per delivery.

        The packet comes from ``core.packet_for`` as if asked in that channel, so the
        policy that answers a mention there also decides here (``HandoffError`` if not).
        Without a delivery id, the same packet is never posted twice to a channel.
        """
        foreign = act.is_foreign(act.reference_tenants(reference), channel=reference.get("channelId"),
                                 msp_tenant=self.settings.microsoft_app_tenant_id)
        where = Where(platform="teams", channel_id=channel_id, user_id="escalation-webhook", foreign_org=foreign)
        packet = await self._call(self.core.packet_for, ticket_id, where=where)
        to = packet.delivery.to if packet.delivery else where
        if to is None or to.channel_id is None:
            return {"channel": channel_id, "status": "shadow", "packet_id": packet.packet_id,
                    "reason": "built in shadow mode and stored; no review channel is set"}
        if to.channel_id != channel_id:  # shadow mode: the review channel, through its own reference
            reference = await self._call(self.core.conversation_reference, platform="teams", channel_id=to.channel_id)
            if reference is None:
                return {"channel": channel_id, "status": "shadow", "packet_id": packet.packet_id,
                        "reason": "built in shadow mode and stored; Handoff hasn't seen the review channel yet"}
        key = f"hook:{to.channel_id}:{delivery}" if delivery else f"hook:{to.channel_id}:packet:{packet.packet_id}"
        if not await self._call(self.core.first_delivery, platform="teams", key=key):
            return {"channel": channel_id, "status": "duplicate", "packet_id": packet.packet_id}
        message_id = await self.post_to_channel(adapter, packet, to, reference)
        status = "posted" if to.channel_id == channel_id else "shadow"
        return {"channel": channel_id, "status": status, "message_id": message_id, "packet_id": packet.packet_id,
                **({"posted_to": to.channel_id} if status == "shadow" else {})}

    async def post_to_channel(self, adapter: BotAdapter, packet: Packet, to: Where,
                              reference: dict[str, Any]) -> str:
        """Post a packet as a new thread in a channel through its stored reference; record and audit it."""
        assert to.channel_id is not None
        if act.is_foreign(act.reference_tenants(reference), channel=reference.get("channelId"),
                          msp_tenant=self.settings.microsoft_app_tenant_id):
            raise Refused("Handoff doesn't post client information in channels shared with other organisations.")
        (packet.delivery or Delivery(packet.mode, to=to, asked=to)).check("teams", to.channel_id)
        first = cards.packet_cards(packet).first
        sent: list[str] = []

        async def new_thread(ctx: TurnContext, activities: list[Activity], next_send: Callable[[], Any]) -> Any:
            # Bot Framework quirk: continue_conversation runs the callback for a made-up "continuation"
            # activity whose random id send_activity puts in replyToId, which would make the post a reply
            # to a message that does not exist. Without it the connector starts a new thread.
            for activity in activities:
                activity.reply_to_id = None
            return await next_send()

        async def send(ctx: TurnContext) -> None:
            ctx.on_send_activities(new_thread)
            response = await ctx.send_activity(card_activity(first))
            sent.append(response.id if response else "")

        await adapter.continue_conversation(act.reference_from(reference), send,
                                            bot_app_id=self.settings.microsoft_app_id or None)
        if not sent or not sent[0]:
            raise RuntimeError(f"the Teams connector returned no message id for channel {to.channel_id}")
        # The new post starts a thread: replies and card buttons refer to its id.
        await self._call(self.core.record_posted, packet, where=Where("teams", to.channel_id, to.user_id),
                         message_id=sent[0], thread_id=sent[0])
        return sent[0]


class InvokeBody(Model):
    """The body of an ``adaptiveCard/action`` invoke response.

    Bot Framework quirk: the SDK's ``AdaptiveCardInvokeResponse`` types ``value``
    as a dict, so it cannot carry the plain-text ``value`` that Teams shows for
    ``application/vnd.microsoft.activity.message``; the adapter serializes the
    body with msrest, so this is the same shape with ``value`` left untyped.
    """

    _attribute_map = {
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "object"},
    }

    def __init__(self, *, status_code: int, type: str, value: Any, **kwargs: Any) -> None:  # noqa: A002
        super().__init__(**kwargs)
        self.status_code = status_code
        self.type = type
        self.value = value


def _invoke_message(text: str) -> InvokeResponse:
    return InvokeResponse(status=200, body=InvokeBody(status_code=200, type=INVOKE_MESSAGE, value=text))


def _duration(seconds: float | None) -> str:
    seconds = int(seconds or 0)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


__all__ = ["HandoffBot", "card_activity", "user_message"]
