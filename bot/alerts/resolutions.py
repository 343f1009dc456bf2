"""Resolutions that close a stored alert: a NinjaOne reset, an N-central return to Normal, a Datto resolution.

Such a notification names the alert (or the series of alerts) it ends, and
says when; it has no start time of its own. So instead of storing it as a new
alert, it becomes the open alert it names, with ``resolved_at`` set: the most
recent unresolved alert of the same tenant and source whose id is the given id
or ``<id>@<start>`` (the episode ids of ``ninjaone`` and ``n-able``). A repeated
delivery of a resolution already applied changes nothing. When no open alert
matches (the trigger was never received), the resolution is stored as it is:
an alert that started and ended at that moment, so nothing is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, or_, select

from bot.db.models import Alert
from bot.ingest.records import AlertRecord


def apply_resolutions(records: list[AlertRecord], closes: list[bool], *, session: Session) -> list[AlertRecord]:
    out = []
    for record, closing in zip(records, closes, strict=True):
        if not closing:
            out.append(record)
            continue
        when = record.resolved_at or record.at
        latest = session.exec(
            select(Alert)
            .where(Alert.tenant_id == record.tenant, Alert.source == record.source,
                   or_(Alert.external_id == record.id, col(Alert.external_id).startswith(f"{record.id}@")))
            .order_by(col(Alert.resolved_at).is_(None).desc(), col(Alert.at).desc())
            .limit(1)
        ).first()
        if latest is not None and latest.resolved_at is None:
            out.append(_closed(latest, when))
        elif latest is not None and abs((_aware(latest.resolved_at) - _aware(when)).total_seconds()) < 1:  # type: ignore[arg-type]
            out.append(_closed(latest, _aware(latest.resolved_at)))  # type: ignore[arg-type]  # a repeated delivery
        else:
            out.append(record)
    return out


def _closed(alert: Alert, resolved_at: datetime) -> AlertRecord:
    return AlertRecord(
        id=alert.external_id, tenant=alert.tenant_id, source=alert.source, device=alert.device,
        check=alert.check_name, severity=alert.severity,  # type: ignore[arg-type]
        message=alert.message, at=_aware(alert.at), resolved_at=max(_aware(resolved_at), _aware(alert.at)),
        url=alert.url, labels={str(k): str(v) for k, v in (alert.labels or {}).items()},
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
