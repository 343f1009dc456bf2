"""Metrics summaries and report drafts as Block Kit messages. Pure: no network, no database.

The metrics table goes in code blocks (monospace keeps the columns aligned);
the chart follows as a file upload. A report draft's message is a summary with
a *Mark sent* button; its two PDFs (client version, internal review version)
are uploaded into its thread, because a monthly report is longer than any
message and the reviewer downloads, checks and sends the client version.
"""

from __future__ import annotations

import re

from adapters.slack.blocks import Block, Message, escaped, md, pt
from adapters.slack.mrkdwn import clip, escape, link
from bot.reporting import metrics_view
from bot.reporting.metrics_view import MetricsView
from bot.reporting.reports import ReportDraft, period_label

MARK_SENT_ACTION = "report_mark_sent"
_CODE_LIMIT = 2_900  # a section's text is at most 3,000 characters, fences included
_UNESCAPE = re.compile(r"\\(.)")


def _code_sections(block_id: str, text: str) -> list[Block]:
    """Monospace text split into sections under Slack's per-section limit, at line ends."""
    blocks, chunk = [], ""
    for line in text.splitlines():
        line = line[:_CODE_LIMIT - 10]
        if len(chunk) + len(line) + 1 > _CODE_LIMIT - 8:
            blocks.append(chunk)
            chunk = ""
        chunk += line + "\n"
    if chunk:
        blocks.append(chunk)
    return [{"type": "section", "block_id": f"{block_id}{i}", "text": md(f"```{escape(c.rstrip())}```")}
            for i, c in enumerate(blocks)]


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [headers, *rows]]
    return "\n".join(lines)


def metrics_message(view: MetricsView, *, max_rows: int = 12, web_url: str | None = None) -> Message:
    """``/packet metrics``: the measures per client (times as median/p90 (n)), then the chart as a file."""
    rows = metrics_view.labelled(view)[:max_rows]
    times = _table([metrics_view.time_row(label, m) for label, m in rows], metrics_view.TIME_HEADERS)
    rates = _table([metrics_view.rate_row(label, m) for label, m in rows], metrics_view.RATE_HEADERS)
    blocks: list[Block] = [
        {"type": "header", "block_id": "head", "text": pt(f"Handoff metrics · {view.scope}", 150)},
        {"type": "context", "block_id": "window", "elements": [md(escape(
            f"{view.window}. Times are median/p90 (n); rates are value (numerator/denominator). "
            "The weekly trend chart follows.") + (f" · {link(web_url, 'Open the dashboard')}" if web_url else ""))]},
    ]
    blocks += _code_sections("times", times)
    blocks += _code_sections("rates", rates)
    compared = metrics_view.compared(view)
    if compared:
        blocks.append({"type": "section", "block_id": "ba", "text": md("*Before/after switching on*")})
        blocks += _code_sections("batimes", _table([metrics_view.time_row(label, m) for label, m in compared[:8]],
                                                   metrics_view.TIME_HEADERS))
    total = view.total
    text = (f"Handoff metrics for {view.scope}: {total.tickets} tickets, MTTE median "
            f"{metrics_view.duration(total.mtte_s.median)}, MTTR after escalation median "
            f"{metrics_view.duration(total.mttr_after_escalation_s.median)}")
    return Message(text=clip(escape(text), 300), blocks=blocks)


def _plain(text: str, limit: int) -> str:
    """A statement's Markdown-escaped text back to plain text, then escaped for mrkdwn."""
    return escaped(_UNESCAPE.sub(r"\1", text), limit)


def report_message(report: ReportDraft) -> Message:
    """The draft's summary in the internal channel, with the button an engineer presses after sending it."""
    title = f"Report draft · {report.client_name} · {period_label(report.month)}"
    blocks: list[Block] = [
        {"type": "header", "block_id": "head", "text": pt(title, 150)},
        {"type": "context", "block_id": "review", "elements": [md(
            f":lock: Internal review only. Handoff never sends reports to clients. Report {report.report_id} · "
            f"{len(report.statements)} statements, each with its sources · {len(report.sources())} sources. "
            f"Report {report.report_no}, revision {report.revision}"
            + (f" (report {report.restarted_after} was already marked sent, so this is a new report)"
               if report.restarted_after else "")
            + ". The client version and the internal review version are attached as PDFs in the thread."
            + (f" {link(report.web_url, 'Open the full draft')}" if report.web_url else ""))]},
    ]
    for i, (section, statements) in enumerate(report.sections):
        first = f"\n{_plain(statements[0].text, 600)}" if statements else "\n_Nothing this month._"
        more = f"\n_… and {len(statements) - 1} more in the draft_" if len(statements) > 1 else ""
        blocks.append({"type": "section", "block_id": f"sec{i}", "text": md(f"*{escape(section)}*{first}{more}")})
    blocks.append({"type": "actions", "block_id": "report_actions", "elements": [{
        "type": "button", "action_id": MARK_SENT_ACTION, "style": "primary", "value": str(report.report_id),
        "text": pt("Mark sent (I sent it to the client)", 75),
    }]})
    return Message(text=clip(escape(f"{title}: draft for internal review"), 300), blocks=blocks)


def report_filename(report: ReportDraft, audience: str = "client") -> str:
    return f"report-{report.tenant}-{report.month}-r{report.report_no}.{report.revision}-{audience}.pdf"
