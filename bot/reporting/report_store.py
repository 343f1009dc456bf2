"""Stored report drafts (``Report`` rows): save, read, mark sent. Tenant-scoped like ``bot/db/store.py``."""

from __future__ import annotations

import base64
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from bot.db.models import Report, utcnow
from bot.errors import NotFound
from bot.reporting.reports import ReportDraft, render_markdown


def latest(session: Session, *, tenant_id: str, period: str) -> Report | None:
    return session.exec(select(Report).where(Report.tenant_id == tenant_id, Report.month == period)
                        .order_by(col(Report.pk).desc()).limit(1)).first()


def is_sent(session: Session, report_no: int) -> bool:
    """A report is sent when any of its revisions was marked sent."""
    return session.exec(select(Report.pk).where(or_(Report.report_no == report_no, Report.pk == report_no),
                                                col(Report.sent_at).is_not(None)).limit(1)).first() is not None


def save(session: Session, report: ReportDraft, *, requested_at: datetime, requested_by: str | None,
         ready_at: datetime | None = None, extra_markdown: str = "") -> Report:
    """Store a finished draft: ``requested_at`` when it was asked for, ``ready_at`` now (the draft turnaround).

    One report per client and period: while the last report of this period is not marked sent, the draft
    is its next revision (a new row; the old ones are kept). After it was sent, the draft is revision 1 of
    a new report, and ``report.restarted_after`` names the sent one so that the reply can say so.
    """
    last = latest(session, tenant_id=report.tenant, period=report.month)
    report_no, revision, period_report = None, 1, 1
    report.restarted_after = None  # a retried save decides again
    if last is not None:
        last_no = last.report_no or last.pk
        assert last_no is not None
        if is_sent(session, last_no):
            report.restarted_after = last_no
            period_report = (last.period_report or 1) + 1
        else:
            report_no, period_report = last_no, last.period_report or 1
            revision = (last.revision or 1) + 1  # the period's latest row is its report's latest revision
    row = Report(tenant_id=report.tenant, month=report.month, requested_at=requested_at, requested_by=requested_by,
                 markdown="", sources=[s.to_json() for s in report.sources()], report_no=report_no,
                 revision=revision, period_report=period_report,
                 document=report.review.to_json() if report.review is not None else {})
    session.add(row)
    session.flush()
    row.report_no = row.report_no or row.pk
    report.report_id, report.report_no, report.revision = row.pk, row.report_no, row.revision
    report.requested_at = requested_at
    report.ready_at = ready_at or utcnow()
    report.markdown = render_markdown(report, drafted_at=report.ready_at) + extra_markdown
    row.markdown, row.ready_at = report.markdown, report.ready_at
    session.add(row)
    session.flush()
    return row


SAVE_ATTEMPTS = 5


def save_retrying(open_session: Callable[[], AbstractContextManager[Session]], report: ReportDraft, *,
                  then: Callable[[Session, Report], None] | None = None, **kwargs: object) -> Report:
    """``save`` in its own short transaction, again while another request took the same revision.

    Two requests for one client and period at once both read revision N; the unique key
    (client, period, report, revision) lets one commit N+1 and makes the other's insert fail, which
    then reads the period again and writes N+2. ``then`` runs in the same transaction (the audit).
    """
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            with open_session() as session:
                row = save(session, report, **kwargs)  # type: ignore[arg-type]
                if then is not None:
                    then(session, row)
                return row
        except IntegrityError:
            if attempt == SAVE_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def stored_charts(open_session: Callable[[], AbstractContextManager[Session]], report_id: int,
                  draw: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
    """A revision's charts: the stored ones, or drawn now (no transaction open meanwhile) and stored."""
    with open_session() as session:
        row = session.get(Report, report_id)
        saved = dict(row.charts or {}) if row is not None else {}
    if saved:
        return {name: base64.b64decode(png) for name, png in saved.items()}
    charts = draw()
    with open_session() as session:
        row = session.get(Report, report_id)
        if row is not None and not row.charts:  # two drawing at once: the first stored stands
            row.charts = {name: base64.b64encode(png).decode("ascii") for name, png in charts.items()}
            session.add(row)
    return charts


def get(session: Session, *, report_id: int, tenant_id: str | None = None) -> Report:
    """A report by id; with ``tenant_id``, only that client's (an unknown id and another client's look alike)."""
    row = session.get(Report, report_id)
    if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
        raise NotFound(f"no report {report_id}")
    return row


def mark_sent(session: Session, *, row: Report, by: str | None, at: datetime | None = None) -> tuple[Report, bool]:
    """An engineer sent the report: record when and who. Returns (row, changed); the first mark stands."""
    if row.sent_at is not None:
        return row, False
    row.sent_at = at or utcnow()
    row.marked_sent_by = by
    session.add(row)
    session.flush()
    return row, True


def listed(session: Session, *, tenant_id: str | None = None, limit: int = 50) -> list[Report]:
    stmt = select(Report)
    if tenant_id is not None:
        stmt = stmt.where(Report.tenant_id == tenant_id)
    return list(session.exec(stmt.order_by(col(Report.pk).desc()).limit(limit)))
