"""Slack: /packet metrics (summary + chart upload), /packet report (internal channels only, Mark sent),
and shadow mode (packets reach only the review channel) through the real app and the fake Web API."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from adapters.slack.report_blocks import MARK_SENT_ACTION
from bot.db.models import AuditEvent, PacketRow, PostedMessage, Report
from bot.tenancy import rollout
from tests.harness.slack_harness import (
    ACME,
    HOOK_TOKEN,
    NOC,
    Harness,
    assert_messages_valid,
    refusal,
    rows,
    start_harness,
    texts,
)
from tests.harness.worlds import write_world


def pdf_text(data: bytes) -> str:
    """The text of a PDF, read by pypdf: the file opens."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


REVIEW = "C0REVIEW"


@pytest.fixture(name="slack")
async def review_fixture(tmp_path: Path, db_url: str, embedder: Any) -> AsyncIterator[Harness]:
    harness, close = await start_harness(tmp_path, db_url, write_world(tmp_path / "world"), embedder=embedder,
                                         review_channel=REVIEW)
    try:
        yield harness
        assert_messages_valid(harness)
    finally:
        await close()


async def command(h: Harness, text: str, channel: str, *, posts: int = 0, uploads: int = 0) -> None:
    await h.command(text, channel=channel)
    if posts:
        await h.fake.wait_for("chat.postMessage", posts)
    if uploads:
        await h.fake.wait_for("files.completeUploadExternal", uploads)
    await h.settle()


def switch(h: Harness, tenant: str, mode: str) -> None:
    with h.core.session() as session:
        rollout.set_mode(session=session, tenant_id=tenant, category="*", mode=mode, by="test")


# --- metrics -------------------------------------------------------------------------------


async def test_metrics_in_a_client_channel_posts_that_clients_summary_and_chart(slack: Harness) -> None:
    await command(slack, "metrics", ACME, posts=1, uploads=1)
    [post] = slack.fake.posts
    assert post.args["channel"] == ACME and post.blocks[0]["text"]["text"] == "Handoff metrics · Acme Dental Group"
    assert "MTTE" in texts(post) and "ridge" not in texts(post).lower()
    [chart] = slack.fake.uploads
    assert chart.args["channel_id"] == ACME and chart.args["data"][:8] == b"\x89PNG\r\n\x1a\n"
    assert [c.args["filename"] for c in slack.fake.to("files.getUploadURLExternal")] == ["handoff-metrics-weekly.png"]
    assert slack.fake.responses == []
    assert [a.tenant_id for a in rows(slack, AuditEvent) if a.action == "metrics_shown"] == ["acme"]


async def test_metrics_for_another_client_is_refused_in_a_client_channel(slack: Harness) -> None:
    message = await refusal(slack, "metrics ridgeline", channel=ACME)
    assert "isn't available in this channel" in message
    assert slack.fake.posts == [] and slack.fake.uploads == []


async def test_metrics_in_a_noc_channel_covers_every_client(slack: Harness) -> None:
    await command(slack, "metrics", NOC, posts=1, uploads=1)
    body = texts(slack.fake.posts[0])
    assert "all clients" in body and "acme" in body and "ridge" in body


# --- reports -------------------------------------------------------------------------------


async def test_report_in_a_noc_channel_posts_the_draft_for_review_with_a_mark_sent_button(slack: Harness) -> None:
    await command(slack, "report acme 2026-11", NOC, posts=1, uploads=1)
    [post] = slack.fake.posts
    assert post.args["channel"] == NOC and "Internal review only" in texts(post)
    [button] = [e for b in post.blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == MARK_SENT_ACTION
    client_pdf, internal_pdf = slack.fake.uploads  # one files_uploadV2 sharing both into the draft's thread
    assert {f.args["channel_id"] for f in (client_pdf, internal_pdf)} == {NOC}
    assert {f.args["thread_ts"] for f in (client_pdf, internal_pdf)} == {"1800000001.000001"}
    [report] = rows(slack, Report)
    assert [c.args["filename"] for c in slack.fake.to("files.getUploadURLExternal")] == [
        f"report-acme-2026-11-r{report.pk}.1-client.pdf", f"report-acme-2026-11-r{report.pk}.1-internal.pdf"]
    client_text, internal_text = (pdf_text(f.args["data"]) for f in (client_pdf, internal_pdf))
    assert "Acme Dental Group: service report, November 2026" in client_text and "Evidence" not in client_text
    assert "Evidence" in internal_text and "Left out of the client version" in internal_text
    assert "#5001" not in client_text + internal_text and "ridge" not in (client_text + internal_text).lower()
    assert button["value"] == str(report.pk) and report.ready_at is not None and report.sent_at is None
    [shown] = [a for a in rows(slack, AuditEvent) if a.action == "report_posted"]
    assert shown.channel == NOC and shown.detail["sources"]
    assert [p.kind for p in rows(slack, PostedMessage)] == ["report"]

    # An engineer sent it (outside Handoff) and presses the button.
    ts = "1800000001.000001"  # the draft message (the fake numbers its posts)
    await slack.action(slack.block_action(channel=NOC, ts=ts, action={**button, "type": "button"}))
    await slack.fake.wait_for("chat.postMessage", 2)
    await slack.settle()
    [report] = rows(slack, Report)
    assert report.sent_at is not None and report.marked_sent_by == "U0ENG1"
    assert "Marked sent by <@U0ENG1>" in texts(slack.fake.posts[1]) and slack.fake.posts[1].args["thread_ts"] == ts
    await slack.action(slack.block_action(channel=NOC, ts=ts, action={**button, "type": "button"}))
    await slack.fake.wait_for("response_url", 1)
    await slack.settle()
    assert "already marked sent" in texts(slack.fake.responses[-1])


@pytest.mark.parametrize("channel", [ACME, "D0DIRECT"])
async def test_report_is_never_drafted_into_a_client_channel_or_a_direct_chat(slack: Harness, channel: str) -> None:
    slack.fake.memberships["U0ENG1"] = [NOC]  # even a DM that sees every client
    message = await refusal(slack, "report acme 2026-11", channel=channel)
    assert "never in a client's channel" in message
    assert slack.fake.posts == [] and slack.fake.uploads == [] and rows(slack, Report) == []


async def test_report_never_goes_to_an_externally_shared_noc_channel(slack: Harness) -> None:
    slack.fake.channels[NOC] = {"id": NOC, "is_channel": True, "is_ext_shared": True, "is_shared": True}
    message = await refusal(slack, "report acme 2026-11", channel=NOC)
    assert "shared with other organisations" in message
    assert slack.fake.posts == [] and slack.fake.uploads == []


async def test_mark_sent_from_a_client_channel_is_refused(slack: Harness) -> None:
    await command(slack, "report acme 2026-11", NOC, posts=1, uploads=1)
    [report] = rows(slack, Report)
    click = {"type": "button", "action_id": MARK_SENT_ACTION, "value": str(report.pk)}
    await slack.action(slack.block_action(channel=ACME, ts="1.1", action=click))
    await slack.fake.wait_for("response_url", 1)
    await slack.settle()
    assert rows(slack, Report)[0].sent_at is None


# --- shadow mode ---------------------------------------------------------------------------


async def test_shadow_packet_goes_only_to_the_review_channel(slack: Harness) -> None:
    switch(slack, "acme", "shadow")
    await command(slack, "4412", ACME, posts=1)
    await slack.fake.wait_for("response_url", 1)
    await slack.settle()
    assert [p.args["channel"] for p in slack.fake.posts] == [REVIEW]
    assert "shadow mode" in texts(slack.fake.responses[0]) and f"<#{REVIEW}>" in texts(slack.fake.responses[0])
    [row] = rows(slack, PacketRow)
    assert row.mode == "shadow"
    assert [(p.channel, p.tenant_id) for p in rows(slack, PostedMessage)] == [(REVIEW, "acme")]


async def test_shadow_noc_escalation_and_webhook_reach_only_the_review_channel(slack: Harness) -> None:
    switch(slack, "acme", "shadow")
    await slack.event({"type": "message", "channel": NOC, "user": "U0PSA", "ts": "1700000000.000100",
                       "text": "Ticket #4412 escalated to Tier 2", "channel_type": "channel"})
    await slack.fake.wait_for("chat.postMessage", 1)
    await slack.settle()
    headers = {"Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json"}
    response = await slack.http.post("/hooks/escalation", data=json.dumps({"ticket_id": "4412"}), headers=headers)
    body = await response.json()
    await slack.settle()
    assert response.status == 200 and body["channels"][0]["status"] in ("shadow", "duplicate")
    posts = slack.fake.posts
    assert {p.args["channel"] for p in posts} == {REVIEW}
    assert all("thread_ts" not in p.args for p in posts)  # not in the NOC notice's thread
    assert ACME not in {p.args["channel"] for p in posts} and NOC not in {p.args["channel"] for p in posts}


async def test_off_mode_refuses_politely(slack: Harness) -> None:
    switch(slack, "acme", "off")
    message = await refusal(slack, "4412", channel=ACME)
    assert "switched off" in message and slack.fake.posts == [] and rows(slack, PacketRow) == []


async def test_shadow_never_posts_into_an_externally_shared_review_channel(slack: Harness) -> None:
    switch(slack, "acme", "shadow")
    slack.fake.channels[REVIEW] = {"id": REVIEW, "is_channel": True, "is_ext_shared": True, "is_shared": True}
    message = await refusal(slack, "4412", channel=ACME)
    assert "review channel is shared" in message and slack.fake.posts == []




async def test_report_pdf_upload_is_retried_after_a_server_error(slack: Harness) -> None:
    slack.fake.faults["files.completeUploadExternal"] = ["500"]  # Slack's edge fails once
    await command(slack, "report acme 2026-11", NOC, posts=1)
    await slack.fake.wait_for("files.completeUploadExternal", 2)
    await slack.settle()
    # The fake records the refused call too: two tries of two files each, fresh upload URLs for the second.
    assert len(slack.fake.uploads) == 4 and len(slack.fake.to("files.getUploadURLExternal")) == 4
    assert all(f.args["data"].startswith(b"%PDF-") for f in slack.fake.uploads[2:])
    assert len(slack.fake.posts) == 1  # no failure note


async def test_report_pdf_upload_that_keeps_failing_says_so_in_the_thread(slack: Harness) -> None:
    slack.fake.faults["files.completeUploadExternal"] = ["500"] * 3
    await command(slack, "report acme 2026-11", NOC, posts=2)
    assert len(slack.fake.to("files.completeUploadExternal")) == 3  # every try refused by Slack's edge
    note = slack.fake.posts[1]
    assert note.args["thread_ts"] == "1800000001.000001" and "could not be attached" in texts(note)
