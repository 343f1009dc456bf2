"""Rendering and posting each kind of chat reply (``SlackReplies``), and the report's *Mark sent* button.

Kept out of ``app.py`` so the listeners stay a few lines each; this module
knows the front end only as the ``SlackPoster`` protocol, so it does not import
``app.py`` back. Slack quirk:
``files_uploadV2`` is three calls (``files.getUploadURLExternal``, an HTTP POST
of the bytes to the URL it returns, ``files.completeUploadExternal``) and needs
the ``files:write`` scope; the file is shared into the channel (or thread) by
the last call, so the chart and the report's PDFs land where the summary is.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from adapters.common.retry import retry_after
from adapters.slack.blocks import Message, answer_message, text_message, triage_message, usage_message
from adapters.slack.payloads import message_of
from adapters.slack.report_blocks import metrics_message, report_filename, report_message
from adapters.web.report_document import DocumentMeta, render_pdf
from bot.chat.views import Answer, TriageView
from bot.core import Core
from bot.errors import NotFound
from bot.packets.model import Packet
from bot.reporting.reports import ReportDraft
from bot.reporting.service import MetricsReply
from bot.tenancy.policy import Where

log = logging.getLogger("handoff.slack")


class SlackPoster(Protocol):
    """What these functions need of ``app.SlackFrontEnd``."""

    core: Core
    client: AsyncWebClient

    async def where(self, channel_id: str, user_id: str | None, *, thread_id: str | None = None) -> Where: ...
    async def post(self, channel: str, message: Message, *, thread_ts: str | None = None) -> str: ...
    async def deliver(self, packet: Packet, where: Where, *, thread_ts: str | None = None,
                      respond: Any | None = None) -> str | None: ...
    @staticmethod
    async def ephemeral(respond: Any, message: Message) -> None: ...


class SlackReplies:
    """``bot.chat.replies.ReplyRenderer`` for Slack: a packet, a metrics summary or a report draft goes
    into the channel; answers, triage and usage go privately to the asker."""

    def __init__(self, front: SlackPoster, where: Where, respond: Any):
        self.front, self.where, self.respond = front, where, respond

    async def packet(self, packet: Packet) -> None:
        await self.front.deliver(packet, self.where, respond=self.respond)

    async def metrics(self, reply: MetricsReply) -> None:
        await post_metrics(self.front, reply, self.where)

    async def report(self, draft: ReportDraft) -> None:
        await post_report(self.front, draft, self.where)

    async def answer(self, answer: Answer) -> None:
        await self.front.ephemeral(self.respond, answer_message(answer))

    async def triage(self, view: TriageView) -> None:
        await self.front.ephemeral(self.respond, triage_message(view))

    async def usage(self, text: str) -> None:
        await self.front.ephemeral(self.respond, usage_message(text))


async def post_metrics(front: SlackPoster, reply: MetricsReply, where: Where) -> str:
    """The summary, then the weekly chart as an image file, in the channel the command came from."""
    assert where.channel_id is not None
    ts = await front.post(where.channel_id, metrics_message(reply.view, web_url=reply.web_url))
    await front.client.files_upload_v2(
        channel=where.channel_id, file=reply.png, filename="handoff-metrics-weekly.png",
        title=f"Handoff weekly trend · {reply.view.scope}", alt_txt="Weekly trend of Handoff's service metrics",
    )
    return ts


UPLOAD_ATTEMPTS = 3


async def upload_with_retry(client: AsyncWebClient, **kwargs: Any) -> None:
    """``files_upload_v2`` with up to ``UPLOAD_ATTEMPTS`` tries on what another try can fix (429, 5xx,
    timeouts, dropped connections: ``adapters.common.retry``); each try asks for fresh upload URLs.
    Each HTTP call is bounded by the client's timeout (slack_sdk's default, 30 s)."""
    for attempt in range(1, UPLOAD_ATTEMPTS + 1):
        try:
            await client.files_upload_v2(**kwargs)
            return
        except Exception as exc:
            wait = retry_after(exc)
            if wait is None or attempt == UPLOAD_ATTEMPTS:
                raise
            log.info("report upload failed (%s); attempt %d of %d", type(exc).__name__, attempt + 1,
                     UPLOAD_ATTEMPTS)
            await asyncio.sleep(min(wait or 0.5 * attempt, 5.0))


async def post_report(front: SlackPoster, draft: ReportDraft, where: Where) -> str:
    """The draft's summary with its Mark sent button, then its two PDFs in its thread: the client version
    (what the engineer sends, after review) and the internal review version (every number's evidence).

    ``where`` is the internal channel the draft was asked for in; the core refused any
    other before drafting and refuses again when the post is recorded. If Slack keeps refusing the
    upload, the thread says so instead of failing silently.
    """
    assert where.channel_id is not None
    ts = await front.post(where.channel_id, report_message(draft))
    await front.core.run(front.core.record_report_posted, draft, where=where, message_id=ts)
    meta = DocumentMeta(draft.report_no, draft.revision, draft.ready_at)
    files = []
    # Drawn once for both PDFs and stored with the revision: the web page and PDF links then read them.
    assert draft.report_id is not None
    charts = await front.core.run(front.core.report_charts, draft.report_id, draft.review)
    for audience in ("client", "internal"):
        pdf = await front.core.run(render_pdf, draft.review, audience=audience, meta=meta, links=draft.links,
                                   charts=charts)
        files.append({"file": pdf, "filename": report_filename(draft, audience),
                      "title": f"{draft.client_name} {draft.month}, {audience} version (revision {draft.revision})"})
    try:
        await upload_with_retry(front.client, channel=where.channel_id, thread_ts=ts, file_uploads=files,
                                initial_comment="The client version to review and send, and the internal review "
                                                "version with every number's evidence.")
    except Exception as exc:
        log.warning("report %s: PDF upload failed: %s", draft.report_id, exc)
        await front.post(where.channel_id, text_message(
            f"The report PDFs could not be attached ({type(exc).__name__}). Ask for the report again to retry"
            + (", or open the draft from its link above." if draft.web_url else ".")), thread_ts=ts)
    return ts


async def mark_sent(front: SlackPoster, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
    """An engineer pressed *Mark sent*: they sent the report themselves. The core checks the place."""
    channel, ts, user = message_of(body)
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise NotFound("That button doesn't name a report.")
    where = await front.where(channel, user, thread_id=ts)
    row, changed = await front.core.run(front.core.mark_report_sent, int(value), where=where)
    when = f"{row.sent_at:%Y-%m-%d %H:%M} UTC" if row.sent_at else "earlier"
    if not changed:
        await front.ephemeral(respond, text_message(f"Report {row.pk} was already marked sent ({when})."))
        return
    await front.post(channel, text_message(f"Marked sent by <@{user}> at {when}: the turnaround is recorded.",
                                           already_mrkdwn=True), thread_ts=ts)
