"""Pages (``bot.weblinks.pages``) to template contexts. Pure: no aiohttp, no database.

Every link a page shows is either an http(s) URL from the data (PSA, RMM,
runbook) or a signed link minted here for the same tenant, expiring with the
link the page was opened by; ``handoff://`` URIs are never shown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.web import report_markdown
from bot.packets.model import SECTION_TITLES, SECTIONS, Packet
from bot.reporting import metrics_view
from bot.weblinks.links import WebLinks
from bot.weblinks.pages import ChecklistPage, MetricsPage, PacketPage, Page, ReportPage, SignalPage

LABEL_WORD = {"high": "High", "medium": "Medium", "low": "Low"}


def _when(at: datetime | None) -> str:
    if at is None:
        return "-"
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _expiry(expires: int | None) -> str | None:
    return None if expires is None else _when(datetime.fromtimestamp(expires, UTC))


def _source(packet: Packet, source: Any) -> dict[str, Any]:
    return {"title": source.title or f"{source.kind} {source.id}", "kind": source.kind,
            "href": packet.href(source.url)}


def packet_context(page: PacketPage) -> dict[str, Any]:
    packet = page.packet
    t = packet.ticket
    sections = []
    for name in SECTIONS:
        claims = []
        for claim in packet.section(name):
            label = claim.confidence.label
            claims.append({"id": claim.id, "text": claim.text, "label": label, "label_word": LABEL_WORD[label],
                           "score": f"{claim.confidence.score:.2f}", "reason": claim.confidence.reason,
                           "sources": [_source(packet, s) for s in claim.sources]})
        sections.append({"id": name, "title": SECTION_TITLES[name], "claims": claims})
    facts = [("Client", t.client_name or t.tenant), ("Device", t.device), ("Status", t.status),
             ("Priority", t.priority), ("Category", t.category), ("Built", _when(packet.generated_at)),
             ("Writer", packet.writer), ("Packet", str(packet.packet_id))]
    return {"title": f"Ticket #{t.id}: {t.title}", "ticket": t, "ticket_href": packet.href(t.url),
            "facts": [(k, v) for k, v in facts if v], "notes": packet.notes, "sections": sections,
            "claim_count": len(packet.claims), "expires": _expiry(page.expires), "shadow": packet.mode != "on"}


def signal_context(page: SignalPage) -> dict[str, Any]:
    s = page.signal
    alerts = [{"at": _when(a.at), "resolved": _when(a.resolved_at) if a.resolved_at else "not resolved",
               "device": a.device or "-", "check": a.check_name or "-", "severity": a.severity,
               "message": a.message, "href": a.url if a.url and a.url.startswith(("https://", "http://")) else None,
               "source": a.source, "external_id": a.external_id} for a in s.alerts]
    facts = [("Client", page.client_name), ("State", "firing" if s.firing else "resolved"),
             ("Severity", s.severity), ("Alerts", str(s.count)), ("First seen", _when(s.first_seen)),
             ("Last seen", _when(s.last_seen)), ("Devices", ", ".join(s.devices) or "-"),
             ("Category", s.category), ("Grouping", s.grouping),
             ("Noise", s.noise or "no: actionable")]
    return {"title": s.title, "signal": s, "facts": facts, "alerts": alerts, "expires": _expiry(page.expires)}


def checklist_context(page: ChecklistPage) -> dict[str, Any]:
    items = [{"id": i.id, "ask": i.ask, "unknown": i.unknown,
              "scope": "after escalation, asked of the customer" if i.scope == "customer-after-escalation"
              else "every escalation"} for i in page.items]
    return {"title": page.title, "category": page.category, "items": items, "expires": _expiry(page.expires)}


def report_context(page: ReportPage, charts: dict[str, bytes] | None = None) -> dict[str, Any]:
    row = page.report
    if row.document:  # the internal review version, from the same template as its PDF
        from adapters.web.report_document import DocumentMeta, context, review_of, stored_charts

        review = review_of(row.document)
        assert review is not None
        return context(review, audience="internal", links=page.links, charts=charts or stored_charts(review),
                       meta=DocumentMeta(row.report_no, row.revision, row.ready_at, expires=_expiry(page.expires)))
    return {"title": f"Report draft {row.pk}: {page.client_name}, {row.month}",
            "blocks": report_markdown.blocks(row.markdown, page.links),
            "facts": [("Client", page.client_name), ("Month", row.month), ("Drafted", _when(row.ready_at)),
                      ("Sent", _when(row.sent_at) if row.sent_at else "not yet marked sent")],
            "expires": _expiry(page.expires)}


def metrics_context(page: MetricsPage, chart_url: str | None) -> dict[str, Any]:
    view = page.view
    rows = metrics_view.labelled(view)
    return {"title": f"Handoff metrics: {view.scope}", "window": view.window,
            "time_headers": metrics_view.TIME_HEADERS, "rate_headers": metrics_view.RATE_HEADERS,
            "time_rows": [metrics_view.time_row(label, m) for label, m in rows],
            "rate_rows": [metrics_view.rate_row(label, m) for label, m in rows],
            "chart_url": chart_url, "expires": _expiry(page.expires)}


def context(page: Page, links: WebLinks, *, chart_url: str | None = None,
            charts: dict[str, bytes] | None = None) -> tuple[str, dict[str, Any]]:
    """The template and its context for a page."""
    if isinstance(page, PacketPage):
        return "packet.html", packet_context(page)
    if isinstance(page, SignalPage):
        return "signal.html", signal_context(page)
    if isinstance(page, ChecklistPage):
        return "checklist.html", checklist_context(page)
    if isinstance(page, ReportPage):
        return ("report_document.html" if page.report.document else "report.html"), report_context(page, charts)
    if isinstance(page, MetricsPage):
        return "metrics.html", metrics_context(page, chart_url)
    raise TypeError(f"no template for {type(page).__name__}")
