"""Posting into Teams channels without being asked, and answering errors: the bot's outward side.

- ``TeamsPoster`` is the ``bot.chat.escalation.ChannelPoster`` of Teams: the
  escalation webhook and shadow mode decide in the core where a packet goes;
  this reaches the channel through its stored conversation reference and posts.
- ``TeamsReplies`` renders each kind of chat reply into the conversation asked in.
- ``on_turn_error`` is the CloudAdapter's error hook: every exception of a turn
  is worded there by ``bot.errors.user_text`` (the same words as Slack).

Teams quirks handled here:

- A bot can only post where it has been (added to the team, or mentioned
  there): no stored reference means the channel is unreachable.
- Bot Framework quirk: ``continue_conversation`` runs the callback for a
  made-up "continuation" activity whose random id ``send_activity`` puts in
  ``replyToId``, which would make the post a reply to a message that does not
  exist; clearing it makes the connector start a new thread.
- An error in an ``invoke`` (a card's Action.Execute) must still be answered
  with an invoke response, or Teams shows its own error on the card.
- The Bot Connector client (msrest over aiohttp) sets no per-request time limit
  we can rely on: a connector that accepts the connection and never answers
  would stall a post forever. Every outbound call goes through ``timed``
  (``HANDOFF_TEAMS_CALL_TIMEOUT_S``); its ``TimeoutError`` is retryable in the
  outbox (``adapters.common.retry``), like a 5xx.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from botbuilder.core import BotAdapter, CardFactory, InvokeResponse, MessageFactory, Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes
from msrest.exceptions import DeserializationError as MsrestDeserializationError
from msrest.serialization import Model

from adapters.common.retry import retry_after
from adapters.teams import activity as act
from adapters.teams import answer_cards, cards, report_cards
from bot.chat import escalation, outbox
from bot.chat.views import Answer, TriageView
from bot.errors import Refused, user_text
from bot.packets.model import Packet
from bot.reporting.reports import ReportDraft
from bot.reporting.service import MetricsReply
from bot.tenancy.policy import Where

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core import Core

log = logging.getLogger("handoff.teams")
PLATFORM = "teams"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
ERROR_REPLY_TIMEOUT_S = 15.0


T = TypeVar("T")


async def timed(call: Awaitable[T], *, seconds: float) -> T:
    """One outbound Bot Connector call, given up after ``seconds`` with ``TimeoutError``."""
    try:
        return await asyncio.wait_for(call, timeout=seconds)
    except TimeoutError:
        raise TimeoutError(f"the Teams Bot Connector did not answer within {seconds:g} s") from None


class BoundedConnector(Middleware):
    """Gives each turn's connector client our limit as its own per-request timeout. ``timed`` stops the
    waiting coroutine; msrest sends with ``requests`` in a worker thread, which would otherwise stay blocked
    on a hanging connector for msrest's default 100 s, and a few such threads fill the default pool."""

    def __init__(self, settings: Settings):
        self.settings = settings

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[Any]]) -> None:
        client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
        connection = getattr(getattr(client, "config", None), "connection", None)
        if connection is not None:
            connection.timeout = self.settings.teams_call_timeout_s
        await logic()


def card_activity(card: dict[str, Any]) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card))


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


def invoke_message(text: str) -> InvokeResponse:
    return InvokeResponse(status=200, body=InvokeBody(status_code=200, type=INVOKE_MESSAGE, value=text))


class TeamsPoster:
    """Reach a Teams channel through its stored reference and post a packet there as a new thread."""

    platform = PLATFORM
    unreachable_hint = "add the bot to the team, or mention it there once"

    def __init__(self, core: Core, adapter: BotAdapter):
        self.core, self.adapter = core, adapter
        self.settings = core.settings

    async def _reference(self, channel_id: str) -> dict[str, Any] | None:
        return await self.core.run(self.core.conversation_reference, platform=PLATFORM, channel_id=channel_id)

    def _foreign(self, reference: dict[str, Any]) -> bool:
        return act.is_foreign(act.reference_tenants(reference), channel=reference.get("channelId"),
                              msp_tenant=self.settings.microsoft_app_tenant_id)

    async def reach(self, channel_id: str, *, user_id: str | None) -> Where | None:
        reference = await self._reference(channel_id)
        if reference is None:
            return None
        return Where(platform=PLATFORM, channel_id=channel_id, user_id=user_id, foreign_org=self._foreign(reference))

    @staticmethod
    def mention(channel_id: str) -> str:
        return "the review channel"  # a card cannot link a channel by its id

    @staticmethod
    def retry_after(exc: BaseException) -> float | None:
        # The connector client cannot read a plain-text error body (a proxy's or the service's 5xx
        # page) and raises this instead of an error carrying the status: an outage, worth a retry.
        if isinstance(exc, MsrestDeserializationError):
            return 0.0
        return retry_after(exc)

    async def post_packet(self, packet: Packet, to: Where) -> str:
        """Post a packet as a new thread in a channel through its stored reference; record and audit it."""
        assert to.channel_id is not None
        reference = await self._reference(to.channel_id)
        if reference is None:
            raise Refused(f"Handoff hasn't seen this channel yet: {self.unreachable_hint}.")
        if self._foreign(reference):  # checked again at the last moment: the reference may have changed
            raise Refused("Handoff doesn't post client information in channels shared with other organisations.")
        first = cards.packet_cards(packet).first
        sent: list[str] = []

        async def new_thread(ctx: TurnContext, activities: list[Activity], next_send: Callable[[], Any]) -> Any:
            for activity in activities:
                activity.reply_to_id = None
            return await next_send()

        failed: list[BaseException] = []

        async def send(ctx: TurnContext) -> None:
            ctx.on_send_activities(new_thread)
            try:
                response = await timed(ctx.send_activity(card_activity(first)),
                                       seconds=self.settings.teams_call_timeout_s)
            except Exception as exc:  # kept from the adapter's turn-error hook: the outbox decides on a retry
                failed.append(exc)
                return
            sent.append(response.id if response else "")

        # The whole turn too: continuing a conversation may first fetch a token from Microsoft.
        await timed(self.adapter.continue_conversation(act.reference_from(reference), send,
                                                       bot_app_id=self.settings.microsoft_app_id or None),
                    seconds=2 * self.settings.teams_call_timeout_s)
        if failed:
            raise failed[0]
        if not sent or not sent[0]:
            raise RuntimeError(f"the Teams connector returned no message id for channel {to.channel_id}")
        # The new post starts a thread: replies and card buttons refer to its id.
        # Posted: a database blip while recording it is waited out, not turned into a second post.
        await outbox.recorded(self.core.run, partial(self.core.record_posted, packet,
                                                     where=Where(PLATFORM, to.channel_id, to.user_id),
                                                     message_id=sent[0], thread_id=sent[0]),
                              what=f"packet message {sent[0]}")
        return sent[0]


class TeamsReplies:
    """``bot.chat.replies.ReplyRenderer`` for Teams: every reply is a card in the conversation asked in;
    a packet goes where the rollout decides (``bot.chat.escalation.deliver``)."""

    def __init__(self, core: Core, ctx: TurnContext, where: Where):
        self.core, self.ctx, self.where = core, ctx, where

    async def _card(self, card: dict[str, Any]) -> Any:
        return await timed(self.ctx.send_activity(card_activity(card)), seconds=self.core.settings.teams_call_timeout_s)

    async def packet(self, packet: Packet) -> None:
        async def here(p: Packet) -> str:
            return await send_packet_card(self.core, self.ctx, p, self.where, cards.packet_cards(p).first)

        async def tell(text: str) -> None:
            await self._card(cards.message_card(text))

        await escalation.deliver(self.core, packet, self.where, poster=TeamsPoster(self.core, self.ctx.adapter),
                                 here=here, tell=tell)

    async def metrics(self, reply: MetricsReply) -> None:
        await self._card(report_cards.metrics_card(reply))

    async def report(self, draft: ReportDraft) -> None:
        response = await self._card(report_cards.report_card(draft))
        await self.core.run(self.core.record_report_posted, draft, where=self.where,
                                message_id=response.id if response else "", thread_id=self.where.thread_id)

    async def answer(self, answer: Answer) -> None:
        await self._card(answer_cards.answer_card(answer))

    async def triage(self, view: TriageView) -> None:
        await self._card(answer_cards.triage_card(view))

    async def usage(self, text: str) -> None:
        await self._card(cards.message_card(text))


async def send_packet_card(core: Core, ctx: TurnContext, packet: Packet, where: Where, card: dict[str, Any],
                           kind: str = "packet") -> str:
    """One card of a packet as a reply in the asking conversation; recorded for feedback."""
    if packet.delivery is not None:
        packet.delivery.check(PLATFORM, where.channel_id)
    response = await timed(ctx.send_activity(card_activity(card)), seconds=core.settings.teams_call_timeout_s)
    message_id = response.id if response else ""
    await core.run(core.record_posted, packet, where=where, message_id=message_id,
                            thread_id=where.thread_id, kind=kind)
    return message_id


async def on_turn_error(ctx: TurnContext, error: Exception) -> None:
    """The CloudAdapter's error hook: the one place a turn's errors become words."""
    text, _error_id = user_text(error, request=f"teams {ctx.activity.type} {ctx.activity.name or ''}".strip(),
                                logger=log)
    try:
        if ctx.activity.type == ActivityTypes.invoke:
            await ctx.send_activity(Activity(type=ActivityTypes.invoke_response, value=invoke_message(text)))
        else:  # the hook has no settings: the default limit
            await timed(ctx.send_activity(card_activity(cards.message_card(text))), seconds=ERROR_REPLY_TIMEOUT_S)
    except Exception as exc:
        log.warning("could not report an error to the conversation: %s", exc)
