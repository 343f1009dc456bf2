"""Stored report drafts (``Report`` rows): save, read, mark sent. Tenant-scoped like ``bot/db/store.py``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.db.models import Report, utcnow
from bot.errors import NotFound
from bot.reporting.reports import ReportDraft, render_markdown


def save(session: Session, report: ReportDraft, *, requested_at: datetime, requested_by: str | None,
         ready_at: datetime | None = None) -> Report:
    """Store a finished draft: ``requested_at`` when it was asked for, ``ready_at`` now (the draft turnaround)."""
    row = Report(tenant_id=report.tenant, month=report.month, requested_at=requested_at, requested_by=requested_by,
                 markdown="", sources=[s.to_json() for s in report.sources()])
    session.add(row)
    session.flush()
    report.report_id = row.pk
    report.requested_at = requested_at
    report.ready_at = ready_at or utcnow()
    report.markdown = render_markdown(report, drafted_at=report.ready_at)
    row.markdown, row.ready_at = report.markdown, report.ready_at
    session.add(row)
    session.flush()
    return row


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
