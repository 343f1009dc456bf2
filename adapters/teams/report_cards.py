"""Adaptive Cards (1.5) for ``metrics`` and ``report``. Pure: plain data in, card JSON out.

Teams quirks:

- The chart travels inside the card as an ``Image`` with a ``data:image/png;base64``
  URL: a bot has no file upload in a channel without Graph permissions, and a
  link to an image Handoff serves would need public ingress for images. The
  compact chart is a 32-colour PNG of about 10 KB, so the card stays under
  ``MAX_CARD_BYTES``; if it still would not fit, the chart is left out and the
  card says so rather than failing.
- ``Table`` (new in 1.5) keeps the columns aligned; cell text goes in
  ``TextBlock``s that hold only numbers and client ids written by Handoff.
- A report's PDFs are links to the web pages (``/v/report/{id}/client.pdf``, the
  draft's signed link): a bot cannot upload a file into a channel without Graph
  permissions (file cards exist only in personal chats).
- A report draft's statements are client-written text in places, so they go in
  ``RichTextBlock``s (literal), and its source links are Markdown built here
  from known URLs, as in the packet card.
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from adapters.teams.cards import (
    MAX_CARD_BYTES,
    _action,
    _card,
    _clip,
    _fit,
    _label_text,
    _open_url,
    _rich,
    _run,
    card_bytes,
    safe_url,
)
from bot.packets.model import public_href
from bot.reporting import metrics_view
from bot.reporting.reports import ReportDraft, period_label, source_label
from bot.reporting.service import MetricsReply

MARK_SENT = "report_sent"
_UNESCAPE = re.compile(r"\\(.)")


def _cell(text: str, *, bold: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True, "size": "Small"}
    if bold:
        block["weight"] = "Bolder"
    return {"type": "TableCell", "items": [block]}


def _table(headers: list[str], rows: list[list[str]]) -> dict[str, Any]:
    return {"type": "Table", "firstRowAsHeader": True, "showGridLines": False,
            "columns": [{"width": 1} for _ in headers],
            "rows": [{"type": "TableRow", "cells": [_cell(h, bold=True) for h in headers]}]
            + [{"type": "TableRow", "cells": [_cell(c) for c in row]} for row in rows]}


def metrics_card(reply: MetricsReply, *, limit: int = MAX_CARD_BYTES, max_rows: int = 8) -> dict[str, Any]:
    """The measures per client (times median/p90 (n)) and the weekly chart inline."""
    view = reply.view
    rows = metrics_view.labelled(view)[:max_rows]
    body: list[dict[str, Any]] = [
        {"type": "Container", "style": "emphasis", "bleed": True, "items": [
            _rich(_run(f"Handoff metrics · {_label_text(view.scope)}", weight="Bolder", size="Large")),
            _rich(_run(f"{view.window}. Times are median/p90 (n); rates value (numerator/denominator).",
                       isSubtle=True, size="Small"), spacing="Small"),
        ]},
        _table(metrics_view.TIME_HEADERS, [metrics_view.time_row(label, m) for label, m in rows]),
        _table(metrics_view.RATE_HEADERS, [metrics_view.rate_row(label, m) for label, m in rows]),
    ]
    fallback = f"Handoff metrics for {view.scope}: {view.total.tickets} tickets."
    chart = {"type": "Image", "altText": "Weekly trend of Handoff's service metrics", "size": "Stretch",
             "url": "data:image/png;base64," + base64.b64encode(reply.compact_png).decode("ascii")}
    card = _card(body + [chart], [_open_url("Open the dashboard", reply.web_url)] if reply.web_url else [],
                 fallback=fallback)
    if card_bytes(card) <= limit:
        return card
    note = _rich(_run("The weekly chart is too large for a Teams card: run `handoff metrics` for the PNG.",
                      isSubtle=True, size="Small"))
    return _card(body + [note], fallback=fallback)


def _links(draft_sources: Any, signed: dict[str, str] | None = None) -> str:
    links = []
    for src in draft_sources[:4]:
        href = public_href(src.url, signed or {})
        url = safe_url(href) if href else None
        label = _label_text(source_label(src))[:60]
        links.append(f"[{label}]({url})" if url else label)
    more = f" and {len(draft_sources) - 4} more" if len(draft_sources) > 4 else ""
    return "Sources: " + " · ".join(links) + more


def report_card(draft: ReportDraft, *, limit: int = MAX_CARD_BYTES) -> dict[str, Any]:
    """A draft for internal review: every statement with its sources, and the Mark sent button."""
    head = [{"type": "Container", "style": "emphasis", "bleed": True, "items": [
        _rich(_run(f"Report draft · {_label_text(draft.client_name)} · {period_label(draft.month)}", weight="Bolder",
                   size="Large")),
        _rich(_run(f"Internal review only: Handoff never sends reports to clients. Report {draft.report_id} · "
                   f"{len(draft.statements)} statements · {len(draft.sources())} sources. "
                   + f"Report {draft.report_no}, revision {draft.revision}"
                   + (f" (report {draft.restarted_after} was already marked sent, so this is a new report)"
                      if draft.restarted_after else "") + ". "
                   + ("Download the client version's PDF to review and send, or open the internal review below."
                      if draft.web_url else "The PDFs open from Handoff's web pages, which are not set up here "
                      "(ask your Handoff admin)."),
                   isSubtle=True, size="Small"), spacing="Small"),
    ]}]
    blocks = []
    for section, statements in draft.sections:
        blocks.append(_rich(_run(section, weight="Bolder"), separator=True, spacing="Medium"))
        if not statements:
            blocks.append(_rich(_run("Nothing this month.", isSubtle=True)))
        for s in statements:
            text = _clip(_UNESCAPE.sub(r"\1", s.text), 600)
            if s.confidence is not None:
                text += f" ({s.confidence.label} confidence)"
            blocks.append({"type": "Container", "spacing": "Small", "items": [
                _rich(_run(text)),
                {"type": "TextBlock", "text": _links(s.sources, draft.links), "wrap": True, "size": "Small", "spacing": "None"},
            ]})
    whole = "Open the internal review" if draft.web_url else "The internal review version"
    card = _fit(head, blocks, limit - 600, "… and {n} more statements: " + whole + " has the whole draft.",
                fallback=f"Report draft {draft.report_id} for review")
    card["actions"] = [_action("Mark sent (I sent it to the client)", MARK_SENT, report=draft.report_id)]
    if draft.web_url and safe_url(draft.web_url):
        card["actions"][:0] = [_open_url("Download the client PDF", pdf_url(draft.web_url, "client")),
                               _open_url("Internal review PDF", pdf_url(draft.web_url, "internal")),
                               _open_url("Open the internal review", draft.web_url)]
    return card


def pdf_url(web_url: str, audience: str) -> str:
    """The report's PDF behind the same signed link as its page (``adapters.web.app.report_pdf``)."""
    parts = urlsplit(web_url)
    return urlunsplit(parts._replace(path=f"{parts.path}/{audience}.pdf"))
