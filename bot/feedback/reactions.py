"""Engineers' reactions to packets: acceptance, correction time, wrong citations.

Front ends translate their gestures (a Slack reaction, a Teams card button)
into these calls; the rows are the raw material of the metrics, and flagged
citations lower the confidence of the sources they name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db.models import ClaimRow, Feedback, PostedMessage, ProcessedEvent, utcnow
from bot.errors import NotFound

ACCEPT, CORRECTION, FLAG = "accept", "correction", "flag"


def record_posted(
    session: Session,
    *,
    tenant_id: str,
    packet_pk: int | None,
    platform: str,
    channel: str,
    message_id: str,
    thread_id: str | None = None,
    kind: str = "packet",
    requested_by: str | None = None,
    at: datetime | None = None,
) -> PostedMessage:
    posted = PostedMessage(
        tenant_id=tenant_id, packet_pk=packet_pk, kind=kind, platform=platform, channel=channel,
        message_id=message_id, thread_id=thread_id, posted_by_request_of=requested_by, posted_at=at or utcnow(),
    )
    session.add(posted)
    session.flush()
    return posted


def find_posted(session: Session, *, platform: str, channel: str, message_id: str) -> PostedMessage | None:
    """The packet message a reaction or click refers to (it carries its tenant)."""
    stmt = select(PostedMessage).where(
        PostedMessage.platform == platform, PostedMessage.channel == channel, PostedMessage.message_id == message_id
    )
    return session.exec(stmt).first()


def posted_in_thread(session: Session, *, platform: str, channel: str, thread_id: str) -> list[PostedMessage]:
    stmt = select(PostedMessage).where(
        PostedMessage.platform == platform,
        PostedMessage.channel == channel,
        # The packet is the thread's first message, or a reply inside it.
        or_(col(PostedMessage.message_id) == thread_id, col(PostedMessage.thread_id) == thread_id),
    )
    return list(session.exec(stmt))


def record_accept(session: Session, *, posted: PostedMessage, user_id: str, at: datetime | None = None,
                  claim_id: str | None = None) -> Feedback:
    """Acceptance of the whole packet, or of one claim (``claim_id``, a Teams card's per-claim Confirm)."""
    at = at or utcnow()
    feedback = Feedback(
        tenant_id=posted.tenant_id, packet_pk=posted.packet_pk, claim_id=claim_id, platform=posted.platform,
        user_id=user_id, kind=ACCEPT, started_at=at, ended_at=at, duration_s=0.0,
    )
    session.add(feedback)
    return feedback


def start_correction(
    session: Session, *, posted: PostedMessage, user_id: str, at: datetime | None = None
) -> Feedback:
    """Open a correction by this engineer on this packet (one open at a time)."""
    existing = open_correction(session, packet_pk=posted.packet_pk, tenant_id=posted.tenant_id, user_id=user_id)
    if existing is not None:
        return existing
    feedback = Feedback(
        tenant_id=posted.tenant_id, packet_pk=posted.packet_pk, platform=posted.platform, user_id=user_id,
        kind=CORRECTION, started_at=at or utcnow(),
    )
    session.add(feedback)
    session.flush()
    return feedback


def open_correction(session: Session, *, packet_pk: int | None, tenant_id: str, user_id: str) -> Feedback | None:
    stmt = select(Feedback).where(
        Feedback.tenant_id == tenant_id,
        Feedback.packet_pk == packet_pk,
        Feedback.user_id == user_id,
        Feedback.kind == CORRECTION,
        col(Feedback.ended_at).is_(None),
    )
    return session.exec(stmt).first()


def finish_correction(
    session: Session,
    *,
    posted: PostedMessage,
    user_id: str,
    at: datetime | None = None,
    how: str = "reply",
) -> Feedback | None:
    """Close this engineer's open correction; the elapsed time is the correction time."""
    feedback = open_correction(session, packet_pk=posted.packet_pk, tenant_id=posted.tenant_id, user_id=user_id)
    if feedback is None:
        return None
    at = at or utcnow()
    feedback.ended_at = at
    feedback.duration_s = max(0.0, (at - feedback.started_at).total_seconds())
    feedback.detail = {**feedback.detail, "ended_by": how}
    session.add(feedback)
    return feedback


def flag_citation(
    session: Session,
    *,
    posted: PostedMessage,
    claim_id: str,
    user_id: str,
    at: datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> Feedback:
    """Record that a claim's citation is wrong, naming the sources it cited."""
    if posted.packet_pk is None:
        raise NotFound("that message is not a packet")
    claim = session.exec(
        select(ClaimRow).where(
            ClaimRow.packet_pk == posted.packet_pk,
            ClaimRow.tenant_id == posted.tenant_id,
            ClaimRow.claim_id == claim_id,
        )
    ).first()
    if claim is None:
        raise NotFound(f"no claim {claim_id} in that packet")
    at = at or utcnow()
    feedback = Feedback(
        tenant_id=posted.tenant_id, packet_pk=posted.packet_pk, claim_id=claim_id, platform=posted.platform,
        user_id=user_id, kind=FLAG, started_at=at, ended_at=at, duration_s=0.0,
        detail={**(detail or {}), "section": claim.section, "sources": claim.sources},
    )
    session.add(feedback)
    return feedback


def first_delivery(session: Session, *, platform: str, key: str, at: datetime | None = None) -> bool:
    """True the first time a delivery key is seen, False for every retry or duplicate.

    The unique constraint decides, so two workers racing on the same retry
    cannot both win.
    """
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(platform=platform, key=key[:255], at=at or utcnow()))
            session.flush()
        return True
    except IntegrityError:
        return False
