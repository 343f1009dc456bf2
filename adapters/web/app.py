"""The read-only web pages: aiohttp + Jinja2, rendered on the server, no JavaScript.

Routes (all GET):

- ``/v/{kind}/{id}?exp=&sig=``: the page a signed link names (packet, signal,
  checklist, report, metrics). The core verifies the link (``Core.open_link``);
  a tampered, expired or foreign link gets the same 403 page, which says
  nothing about what was asked for.
- ``/v/metrics/{id}/chart.png?exp=&sig=``: the dashboard's chart (same check).
- ``/v/report/{id}/client.pdf`` and ``.../internal.pdf`` (same check): a report's PDFs.
- ``/dashboard`` (+ ``/dashboard/chart.png``): every client's metrics, only when
  ``HANDOFF_WEB_TRUSTED_USER_HEADER`` is set and the request carries that header
  (an authenticating reverse proxy in front sets it). Off by default: 404.
- ``/static/site.css``, ``/healthz``.

Every response carries a strict CSP (no scripts at all), ``Referrer-Policy:
no-referrer`` (the capability in the URL never leaks to a source site),
``Cache-Control: no-store`` (client data stays out of shared and browser
caches), ``X-Content-Type-Options: nosniff`` and frame denial.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from adapters.web import views
from bot.core import Core
from bot.weblinks.pages import LinkRefused, MetricsPage, ReportPage

log = logging.getLogger("handoff.web")

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}
CHART_TTL_S = 600  # charts are slow to draw (matplotlib); a dashboard's chart is reused for 10 minutes
CORE_KEY: web.AppKey[Core] = web.AppKey("core", Core)
ENV_KEY: web.AppKey[Environment] = web.AppKey("jinja", Environment)
CHARTS_KEY: web.AppKey[dict[str, tuple[float, bytes]]] = web.AppKey("charts", dict)


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True)


@web.middleware
async def security_headers(request: web.Request,
                           handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # 404/405 from the router: same headers, then re-raised
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    # Server time in the standard header, so a browser's dev tools and the bench see it.
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def _html(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    body = request.app[ENV_KEY].get_template(template).render(**context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def refused(request: web.Request) -> web.Response:
    return _html(request, "refused.html", status=403, title="This link doesn't open anything")


async def open_page(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    kind, object_id = request.match_info["kind"], request.match_info["object_id"]
    try:
        page = await asyncio.to_thread(core.open_link, kind=kind, object_id=object_id,
                                       exp=request.query.get("exp", ""), sig=request.query.get("sig", ""))
    except LinkRefused as exc:
        log.info("web link refused: %s", exc)
        return refused(request)
    charts = None
    if isinstance(page, ReportPage) and page.report.document:  # drawn or read in a thread, not in the loop
        charts = await asyncio.to_thread(_report_charts, core, page)
    template, context = views.context(page, core.web_links, chart_url=_chart_url(request) if kind == "metrics"
                                      else None, charts=charts)
    return _html(request, template, **context)


def _chart_url(request: web.Request) -> str:
    q = request.query
    return str(request.app.router["metrics_chart"].url_for(object_id=request.match_info["object_id"]).with_query(
        exp=q.get("exp", ""), sig=q.get("sig", "")))


async def _chart_png(request: web.Request, key: str, page: MetricsPage) -> web.Response:
    from bot.reporting.charts import render_png

    cache = request.app[CHARTS_KEY]
    hit = cache.get(key)
    if hit is None or hit[0] < time.monotonic():
        png = await asyncio.to_thread(render_png, page.view)
        cache[key] = hit = (time.monotonic() + CHART_TTL_S, png)
    return web.Response(body=hit[1], content_type="image/png")


async def metrics_chart(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    object_id = request.match_info["object_id"]
    try:
        page = await asyncio.to_thread(core.open_link, kind="metrics", object_id=object_id,
                                       exp=request.query.get("exp", ""), sig=request.query.get("sig", ""))
    except LinkRefused as exc:
        log.info("web chart refused: %s", exc)
        return refused(request)
    assert isinstance(page, MetricsPage)
    return await _chart_png(request, f"link:{object_id}", page)


async def report_pdf(request: web.Request) -> web.Response:
    """``/v/report/{id}/{client|internal}.pdf``: the report's PDF, behind the same signed link as its page
    (Teams cards link here: a bot cannot upload a file into a channel without Graph permissions)."""
    from adapters.web.report_document import DocumentMeta, render_pdf, review_of

    core = request.app[CORE_KEY]
    audience, object_id = request.match_info["audience"], request.match_info["object_id"]
    try:
        page = await asyncio.to_thread(core.open_link, kind="report", object_id=object_id,
                                       exp=request.query.get("exp", ""), sig=request.query.get("sig", ""))
    except LinkRefused as exc:
        log.info("web report pdf refused: %s", exc)
        return refused(request)
    assert isinstance(page, ReportPage)
    row, review = page.report, review_of(page.report.document)
    if review is None:  # a draft from before client versions: only its Markdown page exists
        return _html(request, "refused.html", status=404, title="This draft has no PDF; ask for the report again")
    charts = await asyncio.to_thread(_report_charts, core, page)
    pdf = await asyncio.to_thread(render_pdf, review, audience=audience, links=page.links, charts=charts,
                                  meta=DocumentMeta(row.report_no, row.revision, row.ready_at))
    name = f"report-{row.tenant_id}-{row.month}-r{row.report_no}.{row.revision}-{audience}.pdf"
    return web.Response(body=pdf, content_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _report_charts(core: Core, page: ReportPage) -> dict[str, bytes]:
    """A report revision's charts: this process's cache, else the database, else drawn (and stored)."""
    from adapters.web.report_document import review_of, stored_charts

    review = review_of(page.report.document)
    assert review is not None and page.report.pk is not None
    pk = page.report.pk
    return stored_charts(review, lambda: core.report_charts(pk, review))


def _proxy_user(request: web.Request) -> str | None:
    header = request.app[CORE_KEY].settings.web_trusted_user_header
    if not header:
        return None
    user = request.headers.get(header, "").strip()
    return user or None


async def dashboard(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    if not core.settings.web_trusted_user_header:
        raise web.HTTPNotFound()
    user = _proxy_user(request)
    if user is None:
        return refused(request)
    page = await asyncio.to_thread(core.dashboard_page)
    log.info("dashboard opened by %s (trusted proxy header)", user[:80])
    template, context = views.context(page, core.web_links, chart_url="/dashboard/chart.png")
    return _html(request, template, **context)


async def dashboard_chart(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    if not core.settings.web_trusted_user_header:
        raise web.HTTPNotFound()
    if _proxy_user(request) is None:
        return refused(request)
    page = await asyncio.to_thread(core.dashboard_page)
    return await _chart_png(request, "dashboard", page)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "links": request.app[CORE_KEY].web_links.enabled})


async def not_found(request: web.Request) -> web.Response:
    return _html(request, "refused.html", status=404, title="Nothing here")


def make_app(core: Core) -> web.Application:
    app = web.Application(middlewares=[security_headers], client_max_size=4096)
    app[CORE_KEY] = core
    app[ENV_KEY] = environment()
    app[CHARTS_KEY] = {}
    app.router.add_get("/v/metrics/{object_id}/chart.png", metrics_chart, name="metrics_chart")
    app.router.add_get("/v/report/{object_id}/{audience:client|internal}.pdf", report_pdf, name="report_pdf")
    app.router.add_get("/v/{kind}/{object_id}", open_page)
    app.router.add_get("/dashboard", dashboard)
    app.router.add_get("/dashboard/chart.png", dashboard_chart)
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static", HERE / "static", show_index=False)
    app.router.add_get("/", not_found)
    return app
