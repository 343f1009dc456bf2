"""Stored conversation references: where a chat platform lets Handoff post proactively.

Teams only accepts a proactive message into a conversation the bot has seen:
the bot keeps the reference (service URL, conversation id, tenant) it got when
it was added to a team or channel, refreshed by every message there. The
reference is the platform's own JSON, opaque to the core.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.db.models import ConversationRef, utcnow


def save(session: Session, *, platform: str, channel_id: str, reference: dict[str, Any]) -> ConversationRef:
    row = session.exec(
        select(ConversationRef).where(ConversationRef.platform == platform, ConversationRef.channel_id == channel_id)
    ).first()
    if row is None:
        row = ConversationRef(platform=platform, channel_id=channel_id, reference=reference, updated_at=utcnow())
    else:
        row.reference = reference
        row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def get(session: Session, *, platform: str, channel_id: str) -> dict[str, Any] | None:
    row = session.exec(
        select(ConversationRef).where(ConversationRef.platform == platform, ConversationRef.channel_id == channel_id)
    ).first()
    return dict(row.reference) if row is not None else None


def forget(session: Session, *, platform: str, channel_id: str) -> bool:
    row = session.exec(
        select(ConversationRef).where(ConversationRef.platform == platform, ConversationRef.channel_id == channel_id)
    ).first()
    if row is None:
        return False
    session.delete(row)
    return True
