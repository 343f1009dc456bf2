"""Posting what ``metrics`` and ``report`` return, and the report's *Mark sent* button.

Kept out of ``app.py`` so the listeners stay a few lines each. Slack quirk:
``files_uploadV2`` is three calls (``files.getUploadURLExternal``, an HTTP POST
of the bytes to the URL it returns, ``files.completeUploadExternal``) and needs
the ``files:write`` scope; the file is shared into the channel (or thread) by
the last call, so the chart and the draft land where the summary is.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from adapters.slack.blocks import text_message
from adapters.slack.report_blocks import metrics_message, report_filename, report_message
from bot.errors import NotFound
from bot.reporting.reports import ReportDraft, public_markdown
from bot.reporting.service import MetricsReply
from bot.tenancy.policy import Where

if TYPE_CHECKING:
    from adapters.slack.app import SlackFrontEnd


async def post_metrics(front: SlackFrontEnd, reply: MetricsReply, where: Where) -> str:
    """The summary, then the weekly chart as an image file, in the channel the command came from."""
    assert where.channel_id is not None
    ts = await front.post(where.channel_id, metrics_message(reply.view, web_url=reply.web_url))
    await front.client.files_upload_v2(
        channel=where.channel_id, file=reply.png, filename="handoff-metrics-weekly.png",
        title=f"Handoff weekly trend · {reply.view.scope}", alt_txt="Weekly trend of Handoff's service metrics",
    )
    return ts


async def post_report(front: SlackFrontEnd, draft: ReportDraft, where: Where) -> str:
    """The draft's summary with its Mark sent button, then the full Markdown in its thread.

    ``where`` is the internal channel the draft was asked for in; the core refused any
    other before drafting and refuses again when the post is recorded.
    """
    assert where.channel_id is not None
    ts = await front.post(where.channel_id, report_message(draft))
    await asyncio.to_thread(front.core.record_report_posted, draft, where=where, message_id=ts)
    await front.client.files_upload_v2(
        channel=where.channel_id, thread_ts=ts, content=public_markdown(draft.markdown, draft.links), filename=report_filename(draft),
        title=f"Report draft {draft.report_id} ({draft.tenant} {draft.month}), for review",
    )
    return ts


async def mark_sent(front: SlackFrontEnd, body: dict[str, Any], action: dict[str, Any], respond: Any) -> None:
    """An engineer pressed *Mark sent*: they sent the report themselves. The core checks the place."""
    from adapters.slack.app import _message_of

    channel, ts, user = _message_of(body)
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise NotFound("That button doesn't name a report.")
    where = await front.where(channel, user, thread_id=ts)
    row, changed = await asyncio.to_thread(front.core.mark_report_sent, int(value), where=where)
    when = f"{row.sent_at:%Y-%m-%d %H:%M} UTC" if row.sent_at else "earlier"
    if not changed:
        await front.ephemeral(respond, text_message(f"Report {row.pk} was already marked sent ({when})."))
        return
    await front.post(channel, text_message(f"Marked sent by <@{user}> at {when}: the turnaround is recorded.",
                                           already_mrkdwn=True), thread_ts=ts)
