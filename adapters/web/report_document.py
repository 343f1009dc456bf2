"""A report's client or internal version as an HTML page or a PDF, from the web pages' templates.

One template (``templates/report_document.html``, extending ``base.html``) for
the web page, the ``--format html`` file and the PDF; the PDF is that HTML with
the print stylesheet inlined, converted by xhtml2pdf (pure Python on
reportlab; installs from PyPI alone). Charts are inlined as ``data:`` PNGs, so
the files stand alone, and the converter is given a ``link_callback`` that
resolves nothing else: a PDF build never fetches a URL.

The client version has no links at all; the internal version links each
number to its evidence (``#E7``) and each evidence to its sources, where a
``handoff://`` source becomes its signed link (``links``) or just its label.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.packets.model import Source
from bot.reporting import report_charts
from bot.reporting.reports import source_label
from bot.reporting.service_review import ServiceReview

AUDIENCES = ("client", "internal")
HERE = Path(__file__).parent
PRINT_CSS = HERE / "static" / "report_print.css"
_ESCAPED = re.compile(r"\\(.)")
PARTS = (("happened", "What happened"), ("did", "What we did"), ("recommend", "What we recommend"))


class PdfFailed(RuntimeError):
    """xhtml2pdf reported errors converting the report."""


@dataclass(frozen=True)
class DocumentMeta:
    report_no: int | None = None
    revision: int = 1
    drafted_at: datetime | None = None
    revision_note: str | None = None
    expires: str | None = None


def environment() -> Environment:
    """The web pages' templates, set up as ``adapters.web.app.environment`` (not imported: app imports views,
    which import this)."""
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True)


def _href(url: str, links: dict[str, str]) -> str | None:
    if url.startswith("handoff://"):
        return links.get(url)
    return url if url.startswith(("https://", "http://")) else None


def _chart_text(review: ServiceReview) -> dict[str, str]:
    """What each chart shows, in words, for its alt text (a screen reader and a failed image both need it)."""
    months = ", ".join(f"{m}: {sum(c['trend'][i] for c in review.categories)}" for i, m in enumerate(review.months))
    targets = "; ".join(f"{r['label']} answered {r['response_met']} of {r['response_n']}, resolved "
                        f"{r['resolution_met']} of {r['resolution_n']}" for r in review.targets) or "no requests"
    a = review.alerts
    alerts = "; ".join(f"week of {w}: {n} alerts, {i} issues, {k} needing action" for w, n, i, k in
                       zip(a.get("weeks", []), a.get("alerts", []), a.get("issues", []), a.get("actionable", []),
                           strict=False)) or "no alerts"
    return {"categories": months, "targets": targets, "alerts": alerts}


_CHARTS: dict[str, dict[str, bytes]] = {}
_CHARTS_LOCK = threading.Lock()
CHART_CACHE = 32  # reviews whose charts are kept (about 150 KB each)


def stored_charts(review: ServiceReview, load: Callable[[], dict[str, bytes]] | None = None) -> dict[str, bytes]:
    """The charts of a stored revision, drawn once: a revision never changes, and drawing them takes
    1 to 2 s (matplotlib), far more than the page itself. Kept here by the review's content, so two
    databases (or two revisions) never share an entry by accident; on a miss ``load`` (the revision's
    charts stored in the database by whichever process drew them first, ``Core.report_charts``) or
    drawn."""
    key = hashlib.sha256(json.dumps(review.to_json(), sort_keys=True, default=str).encode()).hexdigest()
    with _CHARTS_LOCK:
        hit = _CHARTS.get(key)
    if hit is None:
        hit = load() if load is not None else report_charts.all_charts(review)
        with _CHARTS_LOCK:
            if len(_CHARTS) >= CHART_CACHE:
                _CHARTS.pop(next(iter(_CHARTS)))
            _CHARTS[key] = hit
    return hit


def context(review: ServiceReview, *, audience: str, meta: DocumentMeta, links: dict[str, str] | None = None,
            charts: dict[str, bytes] | None = None) -> dict[str, Any]:
    if audience not in AUDIENCES:
        raise ValueError(f"audience: expected client or internal, got {audience!r}")
    internal = audience == "internal"
    charts = charts if charts is not None else report_charts.all_charts(review)
    evidence = []
    if internal:
        for e in review.evidence:
            sources = [Source.from_json(s) for s in e["sources"]]
            evidence.append({"id": e["id"], "section": e["section"], "text": _ESCAPED.sub(r"\1", e["text"]),
                             "confidence": e["confidence"],
                             "sources": [{"label": _ESCAPED.sub(r"\1", source_label(s)),
                                          "href": _href(s.url, links or {})} for s in sources]})
    unit = "Quarter" if "Q" in review.period else "Month"
    title = f"{review.client_name}: service report, {review.period_label}"
    return {"title": title + (" (internal review)" if internal else ""), "review": review, "internal": internal,
            "unit": unit, "parts": PARTS, "evidence": evidence,
            "categories": [c for c in review.categories if c["opened"] or c["resolved"] or c["last"]],
            "charts": {k: "data:image/png;base64," + base64.b64encode(v).decode("ascii") for k, v in charts.items()},
            "chart_text": _chart_text(review), "report_no": meta.report_no, "revision": meta.revision,
            "drafted": f"{meta.drafted_at:%Y-%m-%d %H:%M} UTC" if meta.drafted_at else None,
            "revision_note": meta.revision_note, "expires": meta.expires}


def render_html(review: ServiceReview, *, audience: str, meta: DocumentMeta | None = None,
                links: dict[str, str] | None = None, for_pdf: bool = False,
                charts: dict[str, bytes] | None = None) -> str:
    """The page; ``for_pdf`` (or a standalone file) inlines the print stylesheet instead of linking site.css."""
    ctx = context(review, audience=audience, meta=meta or DocumentMeta(), links=links, charts=charts)
    if for_pdf:
        ctx["inline_css"] = PRINT_CSS.read_text(encoding="utf-8")
    return environment().get_template("report_document.html").render(**ctx)


def _no_fetch(uri: str, rel: str) -> str:
    """xhtml2pdf's resource resolver: inline data only; anything else resolves to nothing."""
    return uri if uri.startswith("data:") else ""


def render_pdf(review: ServiceReview, *, audience: str, meta: DocumentMeta | None = None,
               links: dict[str, str] | None = None, charts: dict[str, bytes] | None = None) -> bytes:
    from xhtml2pdf import pisa  # imported when a PDF is made: it loads reportlab and its fonts

    html = render_html(review, audience=audience, meta=meta, links=links, for_pdf=True, charts=charts)
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_no_fetch)
    if status.err:
        raise PdfFailed(f"xhtml2pdf reported {status.err} error(s) converting the report")
    return out.getvalue()


FORMATS = ("md", "html", "pdf")


def export(review: ServiceReview | None, *, fmt: str, audience: str, meta: DocumentMeta,
           internal_markdown: str, links: dict[str, str] | None = None) -> bytes:
    """A stored or fresh report as a file: Markdown, standalone HTML (stylesheet and charts inlined) or PDF.
    ``internal_markdown`` is the stored draft with its ``handoff://`` links already made public."""
    from bot.errors import BadInput
    from bot.reporting.client_version import client_markdown

    if fmt not in FORMATS:
        raise BadInput(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if audience not in AUDIENCES:
        raise BadInput(f"audience: expected client or internal, got {audience!r}")
    if fmt == "md" and audience == "internal":
        return internal_markdown.encode("utf-8")
    if review is None:
        raise BadInput("this draft was made before client versions and charts existed; ask for the period "
                       "again to get a new revision")
    if fmt == "md":
        return client_markdown(review).encode("utf-8")
    if fmt == "html":
        return render_html(review, audience=audience, meta=meta, links=links, for_pdf=True).encode("utf-8")
    return render_pdf(review, audience=audience, meta=meta, links=links)


def review_of(document: dict[str, Any] | None) -> ServiceReview | None:
    return ServiceReview.from_json(document) if document else None
