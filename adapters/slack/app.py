"""The Slack front end: Bolt listeners over the core. Every request is acked first (the
``ack_first`` listener middleware); the listener then parses, calls the core (in a
worker thread: core methods block), renders and posts.

Ack strategy: ``process_before_response=False`` (Bolt's default for a
long-running server). Bolt answers Slack's HTTP request (or Socket Mode
envelope) as soon as ``ack()`` runs, in the middleware before every listener,
and runs the listener as an asyncio task. Events are acked by Bolt
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

Errors: listeners raise; Bolt hands every exception to ``SlackFrontEnd.on_error``
(registered with ``app.error``), which words it with ``bot.errors.user_text``
and answers the person privately (never into a channel). The one listener
middleware, ``ack_first``, acks and names the request for that handler's log.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.common.retry import retry_after
from adapters.slack import payloads
from adapters.slack.blocks import (
    FLAG_ACTION,
    SHOW_REST_ACTION,
    Message,
    error_message,
    packet_message,
    remaining_messages,
    text_message,
)
from adapters.slack.channels import ChannelCache
from adapters.slack.membership import MembershipCache
from adapters.slack.replies import SlackReplies, mark_sent
from adapters.slack.report_blocks import MARK_SENT_ACTION
from adapters.slack.validate import assert_valid
from adapters.slack.work import Work
from bot.chat import escalation, outbox
from bot.chat.replies import send_reply
from bot.core import Core
from bot.errors import ConfigError, DeliveryFailed, NotFound, Refused, user_text
from bot.packets.model import Packet
from bot.tenancy.policy import Where

DELIVERY_EVENT = "handoff_delivery"  # the message metadata's event_type on every outbox post
log = logging.getLogger("handoff.slack")

COMMAND = "/packet"
PLATFORM = "slack"
UNKNOWN_CHANNEL = (
    "Handoff couldn't confirm that this conversation is internal to your organisation, so it shows nothing here. "
    "Invite Handoff to the channel (`/invite @Handoff`) and try again."
)
CANT_POST = "Handoff can't post in this conversation. Invite it with `/invite @Handoff`, then try again."
CANT_POST_ERRORS = ("not_in_channel", "channel_not_found", "is_archived", "restricted_action")


def as_user_error(exc: BaseException) -> BaseException:
    """Slack errors a user can fix become ``DeliveryFailed`` with words; everything else stays as it is."""
    # A 5xx with a plain-text body leaves no JSON to read the error from (``response`` may even be
    # aiohttp's own response object): only a JSON ``{"ok": false, "error": ...}`` names one.
    data = getattr(getattr(exc, "response", None), "data", None) if isinstance(exc, SlackApiError) else None
    if isinstance(data, dict) and data.get("error") in CANT_POST_ERRORS:
        return DeliveryFailed(CANT_POST)
    return exc


class SlackFrontEnd:
    """What the listeners do, with the core, the Web API client and the channel cache it needs."""

    def __init__(self, core: Core, client: AsyncWebClient, *, channels: ChannelCache | None = None):
        self.core = core
        self.client = client
        self.channels = channels or ChannelCache(client)
        self.pattern = re.compile(core.settings.slack_escalation_pattern)
        self.noc = set(core.settings.slack_noc_channels)
        self.work = Work()
        self.members: dict[str, bool] = {}  # user id -> full member (not a guest), from users.info
        self.memberships = MembershipCache(client, ttl=core.settings.dm_membership_ttl_s)

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
                await self.core.run(self.core.refuse, place, "slack channel lookup", exc)
                raise exc
            external = info.external
        # DMs: channel_type "im" on events; slash commands only show it by the D prefix of the id.
        # The same guest rule as Teams: a DM is the MSP's own only from a full member; a guest or
        # single-channel guest (or anyone whose lookup fails) gets no DM scope and sees nothing.
        is_direct = (channel_type == "im" or channel_id.startswith("D")) and await self.is_member(user_id)
        member_of = None
        if is_direct and user_id and user_id not in self.core.settings.dm_access and not external:
            # What the DM may see follows the channels its user is in (policy.direct_scope); None fails closed.
            member_of = await self.memberships.channels_of(user_id)
        return Where(PLATFORM, channel_id, user_id, is_direct=is_direct, externally_shared=external,
                     thread_id=thread_id, member_of=member_of)

    async def is_member(self, user_id: str | None) -> bool:
        """A full member of the workspace (users.info: not ``is_restricted``/``is_ultra_restricted``, not
        a bot); remembered per user for the process's life. Any failure counts as a guest (fail closed)."""
        if not user_id:
            return False
        if user_id not in self.members:
            try:
                user = (await self.client.users_info(user=user_id)).get("user") or {}
                self.members[user_id] = not (user.get("is_restricted") or user.get("is_ultra_restricted")
                                             or user.get("is_bot") or user.get("deleted"))
            except Exception as exc:
                log.warning("could not look up %s for a direct message: %s", user_id, exc)
                return False
        return self.members[user_id]

    async def first(self, key: str) -> bool:
        return await self.core.run(self.core.first_delivery, platform=PLATFORM, key=key)

    # --- posting -------------------------------------------------------------------

    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str:
        assert_valid(message)
        # unfurl off: Slack would otherwise expand every PSA and runbook link into a preview.
        key = outbox.current_key.get()
        # Tagged with the outbox's delivery key: a retry after a lost "delivered" finds this message by it
        # (adapters/slack/redeliver.py) instead of posting it twice.
        metadata = {"event_type": DELIVERY_EVENT, "event_payload": {"key": key}} if key else None
        response = await self.client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts,
            unfurl_links=False, unfurl_media=False, metadata=metadata,
        )
        return str(response["ts"])

    # --- where a packet goes (bot.chat.escalation decides; these reach and post) -----

    platform = PLATFORM
    unreachable_hint = "invite it with `/invite @Handoff`"

    async def reach(self, channel_id: str, *, user_id: str | None) -> Where:
        return await self.where(channel_id, user_id)

    @staticmethod
    def mention(channel_id: str) -> str:
        return f"the review channel <#{channel_id}>"

    @staticmethod
    def retry_after(exc: BaseException) -> float | None:
        return retry_after(exc)

    async def post_packet(self, packet: Packet, to: Where) -> str:
        """A packet as a new message in a channel (the webhook's, or shadow mode's review channel)."""
        assert to.channel_id is not None
        try:
            ts = await self.post(to.channel_id, packet_message(packet), thread_ts=to.thread_id)
        except SlackApiError as exc:
            raise as_user_error(exc) from exc
        # Posted: recording it must not fail the post (a retry would post it again), so a database blip is waited out.
        await outbox.recorded(self.core.run, partial(self.core.record_posted, packet, where=to, message_id=ts,
                                                     thread_id=to.thread_id), what=f"packet message {ts}")
        return ts

    async def deliver(self, packet: Packet, where: Where, *, thread_ts: str | None = None,
                      respond: Any | None = None, key: str | None = None) -> str | None:
        """A packet asked for in ``where``: posted there (in ``thread_ts``), or where the rollout says."""

        async def here(p: Packet) -> str:
            assert where.channel_id is not None
            try:
                ts = await self.post(where.channel_id, packet_message(p), thread_ts=thread_ts)
            except SlackApiError as exc:
                raise as_user_error(exc) from exc
            await outbox.recorded(self.core.run, partial(self.core.record_posted, p, where=where, message_id=ts,
                                                         thread_id=thread_ts), what=f"packet message {ts}")
            return ts

        tell: Callable[[str], Awaitable[None]] | None = None
        if respond is not None:
            async def tell(text: str) -> None:
                await self.ephemeral(respond, text_message(text, already_mrkdwn=True))
        return await escalation.deliver(self.core, packet, where, poster=self, here=here, tell=tell, key=key)

    @staticmethod
    async def ephemeral(respond: Any, message: Message) -> None:
        assert_valid(message)
        # replace_original=False: on a button or menu, a response_url reply may otherwise
        # replace the packet message the control sits on.
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)

    # --- errors: Bolt's hooks ------------------------------------------------------------

    async def ack_first(self, ack: Any, body: dict[str, Any], context: AsyncBoltContext,
                        next: Callable[[], Awaitable[None]]) -> None:  # noqa: A002  (Bolt's argument name)
        """The listener middleware: ack within Slack's 3 s before anything else, name the request for logs."""
        await ack()
        context["handoff_request"] = payloads.request_label(body)
        await next()

    async def on_error(self, error: Exception, context: AsyncBoltContext, respond: Any | None = None) -> None:
        """Bolt's error handler: the one place listener errors become words (``bot.errors.user_text``).

        Entered synchronously from Bolt's except block, so the work counter never reads
        zero between the failed listener and this answer (tests and shutdown wait on it).
        """
        async with self.work.track("error"):
            request = f"slack {context.get('handoff_request') or 'event'}"
            text, _error_id = user_text(as_user_error(error), request=request, logger=log)
            if respond is None or not getattr(respond, "response_url", None):
                return  # events have no one to answer privately; never post an error into a channel
            try:
                await self.ephemeral(respond, error_message(text))
            except Exception:
                log.exception("could not send the error message for %s", request)

    # --- /packet ------------------------------------------------------------------

    async def on_command(self, body: dict[str, Any], respond: Any) -> None:
        async with self.work.track("command"):
            if not await self.first(f"command:{body.get('trigger_id') or body.get('response_url')}"):
                return
            where = await self.where(body["channel_id"], body.get("user_id"),
                                     channel_type="im" if body.get("channel_name") == "directmessage" else None)
            text = payloads.command_text(str(body.get("text") or ""))
            reply = await self.core.run(self.core.handle_chat, text, where=where)
            await send_reply(reply, SlackReplies(self, where, respond))

    # --- messages: NOC escalations, thread replies ----------------------------------

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        async with self.work.track("message"):
            if event.get("subtype") in payloads.IGNORED_SUBTYPES:
                return
            channel, ts = event.get("channel"), event.get("ts")
            if not channel or not ts:
                return
            if payloads.is_thread_reply(event):
                await self.thread_reply(event, channel)
            elif channel in self.noc:
                await self.noc_message(event, body, channel, ts)

    async def thread_reply(self, event: dict[str, Any], channel: str) -> None:
        if not event.get("user"):
            return  # bots (Handoff's own "rest of packet" replies included) don't end corrections
        await self.core.run(
            self.core.thread_reply, platform=PLATFORM, channel=channel, thread_id=event["thread_ts"],
            user_id=event["user"], at=payloads.slack_time(event.get("ts")),
        )

    async def noc_message(self, event: dict[str, Any], body: dict[str, Any], channel: str, ts: str) -> None:
        match = self.pattern.search(payloads.message_text(event))
        if match is None:
            return
        # channel+ts, not the event id: the same message can also arrive as another event type. The key
        # is the outbox's (spent when the packet is posted), so Slack's retry after a failure posts it.
        where = await self.where(channel, event.get("user") or event.get("bot_id"),
                                 channel_type=event.get("channel_type"),
                                 ext_shared=bool(body.get("is_ext_shared_channel")), thread_id=ts)
        packet = await self.core.run(self.core.packet_for, match.group("ticket"), where=where)
        await self.deliver(packet, where, thread_ts=ts, key=f"noc:{channel}:{ts}")

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
            how = "accept" if added and name in payloads.ACCEPT_REACTIONS else "start" if added else "finish"
            # The delivery key and the feedback are one transaction: if the database fails, neither is
            # written, and Slack's retry (the server answers 503 while the database is down) records it.
            await self.core.run(
                self.core.reaction, key=f"event:{body.get('event_id') or (item.get('ts'), event.get('event_ts'))}",
                how=how, platform=PLATFORM, channel=item["channel"], message_id=item["ts"], user_id=event["user"],
                at=payloads.slack_time(event.get("event_ts")))

    # --- buttons and menus ------------------------------------------------------------

    async def on_flag(self, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        async with self.work.track("flag"):
            channel, ts, user = payloads.message_of(body)
            value = str((action.get("selected_option") or {}).get("value") or action.get("value") or "")
            _packet, _, claim_id = value.partition(":")
            if not claim_id:
                raise NotFound("That menu doesn't name a claim.")
            # Nothing in the value is trusted: the core finds the packet by channel+ts
            # and the claim within that packet's tenant.
            if not await self.first(f"flag:{channel}:{ts}:{claim_id}:{user}"):
                await self.ephemeral(respond, text_message("You already flagged that citation. Thanks!"))
                return
            flagged = await self.core.run(self.core.flag_citation, platform=PLATFORM, channel=channel,
                                              message_id=ts, claim_id=claim_id, user_id=user)
            if flagged is None:
                raise NotFound("That message isn't a Handoff packet.")
            await self.ephemeral(respond, text_message(
                "Thanks: recorded that this claim's citation is wrong. Handoff trusts that source less from now on."))

    async def on_show_rest(self, body: dict[str, Any], respond: Any) -> None:
        async with self.work.track("rest"):
            channel, ts, user = payloads.message_of(body)
            thread_ts = (body.get("message") or {}).get("thread_ts") or ts
            where = await self.where(channel, user, thread_id=thread_ts)
            packet = await self.core.run(self.core.posted_packet, where=where, message_id=ts)
            outbox = self.core.outbox
            for n, message in enumerate(remaining_messages(packet, packet_message(packet).rest)):
                # One outbox entry per thread reply: pressing the button again posts only what failed.
                claim = await self.core.run(outbox.claim, platform=PLATFORM, key=f"rest:{channel}:{ts}:{n}",
                                            kind="packet_rest", channel=channel, thread_id=thread_ts,
                                            tenant_id=packet.ticket.tenant, packet_pk=packet.packet_id)
                if not claim.won:
                    if n == 0:
                        await self.ephemeral(respond, text_message("The rest of this packet is already in the thread."))
                        return
                    continue

                async def post(m: Message = message) -> str:
                    return await self.post(channel, m, thread_ts=thread_ts)

                posted_ts = await outbox.send(claim, post, retry_after=retry_after, what="rest of the packet",
                                              where="the packet's thread", run=self.core.run)
                await self.core.run(self.core.record_posted, packet, where=where, message_id=posted_ts,
                                    thread_id=thread_ts, kind="packet_rest")

    async def on_mark_sent(self, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
        async with self.work.track("mark_sent"):
            await mark_sent(self, body, action, respond)

    async def on_channel_shared(self, event: dict[str, Any]) -> None:
        async with self.work.track("shared"):
            if event.get("channel"):
                self.channels.forget(event["channel"])

    async def on_membership_change(self, event: dict[str, Any]) -> None:
        """Someone joined or left a channel: their DM scope is looked up again at their next DM."""
        if isinstance(event.get("user"), str):
            self.memberships.forget(event["user"])


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
    app.error(front.on_error)
    first = [front.ack_first]
    app.command(COMMAND, middleware=first)(front.on_command)
    app.event("message", middleware=first)(front.on_message)

    async def reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        await front.on_reaction(event, body, added=True)

    async def reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        await front.on_reaction(event, body, added=False)

    app.event("reaction_added", middleware=first)(reaction_added)
    app.event("reaction_removed", middleware=first)(reaction_removed)
    app.action(FLAG_ACTION, middleware=first)(front.on_flag)
    app.action(SHOW_REST_ACTION, middleware=first)(front.on_show_rest)
    app.action(MARK_SENT_ACTION, middleware=first)(front.on_mark_sent)
    for name in ("channel_shared", "channel_unshared"):
        app.event(name)(front.on_channel_shared)
    for name in ("member_joined_channel", "member_left_channel"):
        app.event(name)(front.on_membership_change)
    return app, front
