"""The audit log: what was shown to whom, and every refusal.

Written in the same transaction as the thing it records, so a posted packet
without its audit row (or the other way round) cannot happen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.db.models import AuditEvent, utcnow
from bot.tenancy.policy import Where


def record(
    session: Session,
    *,
    action: str,
    where: Where | None = None,
    tenant_id: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at or utcnow(),
        tenant_id=tenant_id,
        actor=where.user_id if where else None,
        platform=where.platform if where else None,
        channel=where.channel_id if where else None,
        action=action,
        detail=detail or {},
    )
    session.add(event)
    return event


def events(
    *, session: Session, tenant_id: str, since: datetime | None = None, limit: int = 200
) -> list[AuditEvent]:
    """One client's audit trail, newest first."""
    stmt = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    return list(session.exec(stmt.order_by(col(AuditEvent.at).desc()).limit(limit)))


def refusals(*, session: Session, since: datetime | None = None, limit: int = 200) -> list[AuditEvent]:
    """Refused requests (they may not name a tenant: the refusal is the point)."""
    stmt = select(AuditEvent).where(AuditEvent.action == "refused")
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    return list(session.exec(stmt.order_by(col(AuditEvent.at).desc()).limit(limit)))
