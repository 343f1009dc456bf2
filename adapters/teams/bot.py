"""The Teams bot: activity in, core call, card out. Thin on purpose.

Rules about who may see what are the core's (``bot/tenancy/policy.py``); this module
only tells the core where a request comes from (``activity.where_of``) and
renders what comes back (``cards``). Core methods are synchronous SQL, so they
run on the core's bounded worker pool (``core.run``, bot/runtime/workers.py) and the event loop keeps serving.

Teams quirks handled here:

- A card button arrives in one of two forms: ``Action.Execute`` as an
  ``invoke`` activity named ``adaptiveCard/action`` (it must be answered with an
  invoke response, or Teams shows an error on the card), ``Action.Submit`` as a
  *message* activity with ``value`` and no text. Both carry the id of the
  card's message in ``replyToId``, which is how feedback finds its packet.
- Teams re-delivers an activity it thinks timed out; ``core.first_delivery``
  keeps a retry from posting a second packet.
- A personal chat is the MSP's own only for members of its tenant: a guest
  (``userRole == "guest"``, asked from the connector) is no staff member. A staff
  member's personal chat sees the clients whose channels they are in
  (``membership.TeamsMemberships``; the rule is ``policy.direct_scope``).

Errors are not caught here: the adapter's ``on_turn_error``
(``posting.on_turn_error``) words every one with ``bot.errors.user_text``.
Replies are rendered by ``posting.TeamsReplies``; proactive posts (the
escalation webhook, shadow mode's review channel) by ``posting.TeamsPoster``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from adapters.teams import activity as act
from adapters.teams import cards, report_cards
from adapters.teams.membership import TeamsMemberships
from adapters.teams.posting import (
    InvokeBody,
    TeamsReplies,
    card_activity,
    invoke_message,
    send_packet_card,
    timed,
)
from bot.chat.replies import send_reply
from bot.core import Core
from bot.tenancy import policy
from bot.tenancy.policy import Where

log = logging.getLogger("handoff.teams")

FORGET_EVENTS = ("channelDeleted", "teamDeleted", "teamHardDeleted", "teamArchived")


class HandoffBot(ActivityHandler):
    def __init__(self, core: Core):
        self.core = core
        self.settings = core.settings
        self.memberships = TeamsMemberships(ttl=core.settings.dm_membership_ttl_s,
                                            timeout=core.settings.teams_call_timeout_s)

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self.core.run(fn, *args, **kwargs)

    # --- where and who -------------------------------------------------------------

    async def _where(self, ctx: TurnContext) -> Where:
        activity = ctx.activity
        staff, member_of = True, None
        if act.is_personal(activity) and activity.channel_id == act.TEAMS:
            staff = await self._is_staff(ctx)
            user = act.user_id(activity)
            if staff and activity.from_property and user not in self.settings.dm_access:
                # What the personal chat may see follows the user's channels (policy.direct_scope); None fails closed.
                candidates = await self._call(self._dm_channels)
                member_of = await self.memberships.channels_of(ctx, activity.from_property.id, candidates)
        return act.where_of(activity, msp_tenant=self.settings.microsoft_app_tenant_id, staff=staff,
                            member_of=member_of)

    def _dm_channels(self) -> list[str]:
        with self.core.session() as session:
            return policy.dm_channels(self.settings, session=session, platform="teams")

    async def _is_staff(self, ctx: TurnContext) -> bool:
        """Ask the connector for the sender's role; any failure counts as not staff (fail closed)."""
        try:
            member = await timed(TeamsInfo.get_member(ctx, ctx.activity.from_property.id),
                                 seconds=self.settings.teams_call_timeout_s)
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
            await timed(ctx.send_activity(card_activity(cards.message_card(text))),
                        seconds=self.settings.teams_call_timeout_s)
            return
        reply = await self._call(self.core.handle_chat, act.command_text(activity), where=where)
        await send_reply(reply, TeamsReplies(self.core, ctx, where))

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
            return invoke_message("Already done.")
        where = await self._where(ctx)
        text = await self._card_action(ctx, where, str(action["verb"]), action.get("data") or {})
        return invoke_message(text)

    async def _card_action(self, ctx: TurnContext, where: Where, verb: str, data: dict[str, Any]) -> str:
        """One button click, whichever form it came in, to one core call; returns what to tell the user."""
        message_id = ctx.activity.reply_to_id
        claim = str(data["claim"]) if data.get("claim") else None
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
            await send_packet_card(self.core, ctx, packet, where, card, kind="packet_part")
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


def _duration(seconds: float | None) -> str:
    seconds = int(seconds or 0)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


__all__ = ["HandoffBot", "card_activity"]
