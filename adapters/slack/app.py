"""The Slack front end: Bolt listeners over the core. Each listener acks first, then
parses, calls the core (in a worker thread: core methods block), renders and posts.

Ack strategy: ``process_before_response=False`` (Bolt's default for a
long-running server). Bolt answers Slack's HTTP request (or Socket Mode
envelope) as soon as ``ack()`` runs, the first line of every listener, and
runs the rest of the listener as an asyncio task. Events are acked by Bolt
before the listener even starts. So Slack always hears back in milliseconds,
well inside its 3 seconds, and a slow packet never causes a retry. Lazy
listeners would add nothing here: they exist for FaaS, where the process
may stop after the response.

Retries and duplicates: Slack re-sends an event it thinks failed
(``X-Slack-Retry-Num``; in Socket Mode ``retry_attempt``) with the same
``event_id``. Every action that posts or records something first claims a
delivery key with ``core.first_delivery`` (a unique row in the database, so
two workers cannot both win): the event id, the NOC message's channel+ts, the
slash command's trigger_id. A retry is acked and does nothing. The key is
claimed before the work, so a delivery that crashed half-way is not redone by
its retry: a missing packet can be asked for with ``/packet``; a duplicate
cannot be unposted. A retry is *not* dropped just for carrying
``X-Slack-Retry-Num``: if the first attempt never reached us (Handoff was
restarting), the retry is the only delivery and must do the work; the key
tells the two cases apart.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import payloads, replies
from adapters.slack.blocks import (
    FLAG_ACTION,
    SHOW_REST_ACTION,
    Message,
    answer_message,
    error_message,
    packet_message,
    remaining_messages,
    text_message,
    triage_message,
    usage_message,
)
from adapters.slack.channels import ChannelCache
from adapters.slack.report_blocks import MARK_SENT_ACTION
from adapters.slack.validate import assert_valid
from adapters.slack.work import Work
from bot.packets.model import Packet
from bot.core import Core
from bot.reporting.service import MetricsReply
from bot.errors import ConfigError, HandoffError, NotFound, Refused, new_error_id
from bot.tenancy.policy import Where
from bot.reporting.reports import ReportDraft
from bot.tenancy.rollout import Delivery
from bot.chat.views import Answer, TriageView

log = logging.getLogger("handoff.slack")

COMMAND = "/packet"
PLATFORM = "slack"
UNKNOWN_CHANNEL = (
    "Handoff couldn't confirm that this conversation is internal to your organisation, so it shows nothing here. "
    "Invite Handoff to the channel (`/invite @Handoff`) and try again."
)
CANT_POST = "Handoff can't post in this conversation. Invite it with `/invite @Handoff`, then try again."
SHADOW_POSTED = ("Handoff runs in shadow mode for this ticket's client or category: the packet for #{ticket} was "
                 "built and posted to the review channel <#{review}>, not here.")
SHADOW_NOWHERE = ("Handoff runs in shadow mode for this ticket's client or category: the packet for #{ticket} was "
                  "built and stored for measurement. No review channel is set (HANDOFF_REVIEW_CHANNEL), so it "
                  "was posted nowhere.")


class SlackFrontEnd:
    """What the listeners do, with the core, the Web API client and the channel cache it needs."""

    def __init__(self, core: Core, client: AsyncWebClient, *, channels: ChannelCache | None = None):
        self.core = core
        self.client = client
        self.channels = channels or ChannelCache(client)
        self.pattern = re.compile(core.settings.slack_escalation_pattern)
        self.noc = set(core.settings.slack_noc_channels)
        self.work = Work()

    # --- the places requests come from ------------------------------------------

    async def where(self, channel_id: str, user_id: str | None, *, channel_type: str | None = None,
                    ext_shared: bool = False, thread_id: str | None = None) -> Where:
        """A ``Where`` for the core; unknown sharing state is refused here, never guessed."""
        if ext_shared:  # the event envelope says so: trust it over any cached answer
            self.channels.mark_external(channel_id)
            external = True
        else:
            info = await self.channels.info(channel_id)
            place = Where(PLATFORM, channel_id, user_id, thread_id=thread_id)
            if not info.known:
                exc = Refused(UNKNOWN_CHANNEL)
                await asyncio.to_thread(self.core.refuse, place, "slack channel lookup", exc)
                raise exc
            external = info.external
        # DMs: channel_type "im" on events; slash commands only show it by the D prefix of the id.
        is_direct = channel_type == "im" or channel_id.startswith("D")
        return Where(PLATFORM, channel_id, user_id, is_direct=is_direct, externally_shared=external,
                     thread_id=thread_id)

    async def first(self, key: str) -> bool:
        return await asyncio.to_thread(self.core.first_delivery, platform=PLATFORM, key=key)

    # --- posting -------------------------------------------------------------------

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        assert_valid(message)
        # unfurl off: Slack would otherwise expand every PSA and runbook link into a preview.
        response = await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts,
            unfurl_links=False, unfurl_media=False,
        )
        return str(response["ts"])

    async def post_packet(self, packet: Packet, where: Where, *, thread_ts: str | None = None,
                          respond: Any | None = None) -> str | None:
        """Post a packet where the core decided (``packet.delivery``): the asking channel, or in shadow
        mode the review channel (whose own sharing state is checked first), or nowhere."""
        delivery = packet.delivery or Delivery(packet.mode, to=where if packet.mode == "on" else None, asked=where)
        to = delivery.to
        if to is None:
            if respond is not None:
                await self.ephemeral(respond, text_message(SHADOW_NOWHERE.format(ticket=packet.ticket.id)))
            return None
        if delivery.redirected:
            assert to.channel_id is not None
            to = await self.where(to.channel_id, where.user_id)
            if to.externally_shared:
                raise Refused("The review channel is shared outside the MSP, so Handoff posts nothing there.")
            thread_ts = None  # the asker's thread is in another channel
        delivery.check(PLATFORM, to.channel_id)
        assert to.channel_id is not None
        ts = await self.post(to.channel_id, packet_message(packet), thread_ts=thread_ts)
        await asyncio.to_thread(self.core.record_posted, packet, where=to, message_id=ts, thread_id=thread_ts)
        if delivery.redirected and respond is not None:
            await self.ephemeral(respond, text_message(
                SHADOW_POSTED.format(ticket=packet.ticket.id, review=to.channel_id), already_mrkdwn=True))
        return ts

    @staticmethod
    async def ephemeral(respond: Any, message: Message) -> None:
        assert_valid(message)
        # replace_original=False: on a button or menu, a response_url reply may otherwise
        # replace the packet message the control sits on.
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)

    async def fail(self, exc: BaseException, *, request: str, respond: Any | None) -> None:
        """The one place errors become words: the user's own message, or an error id also in the log."""
        if isinstance(exc, HandoffError):
            text = exc.message
            log.info("slack %s: %s", request, text)
        elif isinstance(exc, SlackApiError) and exc.response.get("error") in (
            "not_in_channel", "channel_not_found", "is_archived", "restricted_action",
        ):
            text = CANT_POST
            log.info("slack %s: cannot post (%s)", request, exc.response.get("error"))
        else:
            error_id = new_error_id()
            log.error("unexpected error %s in slack %s", error_id, request, exc_info=exc)
            text = f"Something went wrong on Handoff's side (error id {error_id}). Quote it to your admin."
        if respond is None:
            return  # events have no one to answer privately; never post an error into a channel
        try:
            await self.ephemeral(respond, error_message(text))
        except Exception:
            log.exception("could not send the error message for slack %s", request)

    # --- /packet ------------------------------------------------------------------

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        async with self.work.track("command"):
            await ack()  # within Slack's 3 s; the packet follows as a channel message
            text = payloads.command_text(str(body.get("text") or ""))
            try:
                if not await self.first(f"command:{body.get('trigger_id') or body.get('response_url')}"):
                    return
                where = await self.where(body["channel_id"], body.get("user_id"),
                                         channel_type="im" if body.get("channel_name") == "directmessage" else None)
                reply = await asyncio.to_thread(self.core.handle_chat, text, where=where)
                await self.reply(reply, where, respond)
            except Exception as exc:
                await self.fail(exc, request=f"{COMMAND} {text[:60]!r}", respond=respond)

    async def reply(self, reply: Any, where: Where, respond: Any) -> None:
        if isinstance(reply, Packet):
            await self.post_packet(reply, where, respond=respond)
        elif isinstance(reply, MetricsReply):
            await replies.post_metrics(self, reply, where)
        elif isinstance(reply, ReportDraft):
            await replies.post_report(self, reply, where)
        elif isinstance(reply, Answer):
            await self.ephemeral(respond, answer_message(reply))
        elif isinstance(reply, TriageView):
            await self.ephemeral(respond, triage_message(reply))
        elif isinstance(reply, str):
            await self.ephemeral(respond, usage_message(reply))
        else:
            raise TypeError(f"no Slack rendering for {type(reply).__name__}")

    # --- messages: NOC escalations, thread replies ----------------------------------

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self.work.track("message"):
            if event.get("subtype") in payloads.IGNORED_SUBTYPES:
                return
            channel, ts = event.get("channel"), event.get("ts")
            if not channel or not ts:
                return
            try:
                if payloads.is_thread_reply(event):
                    await self.thread_reply(event, channel)
                elif channel in self.noc:
                    await self.noc_message(event, body, channel, ts)
            except Exception as exc:
                await self.fail(exc, request=f"message {channel}/{ts}", respond=None)

    async def thread_reply(self, event: dict[str, Any], channel: str) -> None:
        if not event.get("user"):
            return  # bots (Handoff's own "rest of packet" replies included) don't end corrections
        await asyncio.to_thread(
            self.core.thread_reply, platform=PLATFORM, channel=channel, thread_id=event["thread_ts"],
            user_id=event["user"], at=payloads.slack_time(event.get("ts")),
        )

    async def noc_message(self, event: dict[str, Any], body: dict[str, Any], channel: str, ts: str) -> None:
        match = self.pattern.search(payloads.message_text(event))
        if match is None:
            return
        # channel+ts, not the event id: the same message can also arrive as another event type.
        if not await self.first(f"noc:{channel}:{ts}"):
            return
        where = await self.where(channel, event.get("user") or event.get("bot_id"),
                                 channel_type=event.get("channel_type"),
                                 ext_shared=bool(body.get("is_ext_shared_channel")), thread_id=ts)
        packet = await asyncio.to_thread(self.core.packet_for, match.group("ticket"), where=where)
        await self.post_packet(packet, where, thread_ts=ts)

    # --- reactions ------------------------------------------------------------------

    async def on_reaction(self, event: dict[str, Any], body: dict[str, Any], *, added: bool) -> None:
        async with self.work.track("reaction"):
            item = event.get("item") or {}
            name = payloads.reaction_name(str(event.get("reaction", "")))
            if item.get("type") != "message" or not event.get("user"):
                return
            wanted = payloads.ACCEPT_REACTIONS | payloads.CORRECT_REACTIONS if added else payloads.CORRECT_REACTIONS
            if name not in wanted:
                return
            try:
                if not await self.first(f"event:{body.get('event_id') or (item.get('ts'), event.get('event_ts'))}"):
                    return
                args = {"platform": PLATFORM, "channel": item["channel"], "message_id": item["ts"],
                        "user_id": event["user"], "at": payloads.slack_time(event.get("event_ts"))}
                if added and name in payloads.ACCEPT_REACTIONS:
                    await asyncio.to_thread(self.core.accept, **args)
                elif added:
                    await asyncio.to_thread(self.core.start_correction, **args)
                else:
                    await asyncio.to_thread(self.core.finish_correction, **args, how="reaction removed")
            except Exception as exc:
                await self.fail(exc, request=f"reaction {name}", respond=None)

    # --- buttons and menus ------------------------------------------------------------

    async def on_flag(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        async with self.work.track("flag"):
            await ack()
            try:
                channel, ts, user = _message_of(body)
                value = str((action.get("selected_option") or {}).get("value") or action.get("value") or "")
                _packet, _, claim_id = value.partition(":")
                if not claim_id:
                    raise NotFound("That menu doesn't name a claim.")
                # Nothing in the value is trusted: the core finds the packet by channel+ts
                # and the claim within that packet's tenant.
                if not await self.first(f"flag:{channel}:{ts}:{claim_id}:{user}"):
                    await self.ephemeral(respond, text_message("You already flagged that citation. Thanks!"))
                    return
                flagged = await asyncio.to_thread(self.core.flag_citation, platform=PLATFORM, channel=channel,
                                                  message_id=ts, claim_id=claim_id, user_id=user)
                if flagged is None:
                    raise NotFound("That message isn't a Handoff packet.")
                await self.ephemeral(respond, text_message(
                    "Thanks: recorded that this claim's citation is wrong. Handoff trusts that source less from now on."))
            except Exception as exc:
                await self.fail(exc, request="flag citation", respond=respond)

    async def on_show_rest(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        async with self.work.track("rest"):
            await ack()
            try:
                channel, ts, user = _message_of(body)
                thread_ts = (body.get("message") or {}).get("thread_ts") or ts
                where = await self.where(channel, user, thread_id=thread_ts)
                packet = await asyncio.to_thread(self.core.posted_packet, where=where, message_id=ts)
                if not await self.first(f"rest:{channel}:{ts}"):
                    await self.ephemeral(respond, text_message("The rest of this packet is already in the thread."))
                    return
                for message in remaining_messages(packet, packet_message(packet).rest):
                    posted_ts = await self.post(channel, message, thread_ts=thread_ts)
                    await asyncio.to_thread(self.core.record_posted, packet, where=where, message_id=posted_ts,
                                            thread_id=thread_ts, kind="packet_rest")
            except Exception as exc:
                await self.fail(exc, request="show rest of packet", respond=respond)

    async def on_mark_sent(self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        async with self.work.track("mark_sent"):
            await ack()
            try:
                await replies.mark_sent(self, body, action, respond)
            except Exception as exc:
                await self.fail(exc, request="mark report sent", respond=respond)

    async def on_channel_shared(self, event: dict[str, Any]) -> None:
        async with self.work.track("shared"):
            if event.get("channel"):
                self.channels.forget(event["channel"])


def _message_of(body: dict[str, Any]) -> tuple[str, str, str]:
    """The channel and ts of the message a button or menu sits on, and who clicked."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    user = (body.get("user") or {}).get("id")
    if not channel or not ts or not user or container.get("is_ephemeral"):
        raise NotFound("That control isn't on a Handoff packet message.")
    return str(channel), str(ts), str(user)


def build_app(core: Core, *, client: AsyncWebClient | None = None, channels: ChannelCache | None = None,
              socket_mode: bool = False) -> tuple[AsyncApp, SlackFrontEnd]:
    """The Bolt app over ``core``. ``client`` defaults to the configured token and API url."""
    settings = core.settings
    client = client or AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # Slack rate-limits chat.postMessage to about one message per second per channel (bursts allowed);
    # the rest of a long packet is several messages, so honour Retry-After instead of failing.
    if not any(isinstance(h, AsyncRateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=3))
    if not socket_mode and not settings.slack_signing_secret:
        # Bolt would fall back to the environment, and an empty secret would accept forged requests.
        raise ConfigError("SLACK_SIGNING_SECRET is not set: Handoff can't verify requests from Slack.")
    app = AsyncApp(
        client=client,
        # Socket Mode envelopes are authenticated by the websocket (Bolt skips verification for them).
        signing_secret=settings.slack_signing_secret or "",
        process_before_response=False,
    )
    front = SlackFrontEnd(core, client, channels=channels)
    app.command(COMMAND)(front.on_command)
    app.event("message")(front.on_message)

    async def reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        await front.on_reaction(event, body, added=True)

    async def reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        await front.on_reaction(event, body, added=False)

    app.event("reaction_added")(reaction_added)
    app.event("reaction_removed")(reaction_removed)
    app.action(FLAG_ACTION)(front.on_flag)
    app.action(SHOW_REST_ACTION)(front.on_show_rest)
    app.action(MARK_SENT_ACTION)(front.on_mark_sent)
    for name in ("channel_shared", "channel_unshared"):
        app.event(name)(front.on_channel_shared)
    return app, front
