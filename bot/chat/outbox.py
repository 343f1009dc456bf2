"""Everything Handoff posts goes through here: recorded before the first attempt, retried, confirmed.

Life of an entry (table ``outbox``, ``bot.db.models.OutboxEntry``):

- ``claim`` records it as *pending* (or finds the earlier entry of the same
  delivery key) and moves it to *sending*: on PostgreSQL the row is read
  ``FOR UPDATE SKIP LOCKED`` (a replica claiming it at this instant is skipped,
  not waited for), on SQLite (one writer) by one conditional UPDATE; either way a
  second worker racing on the same key loses and answers "in progress".
- ``send`` makes the attempts: a transient failure (HTTP 429 or 5xx, a timeout,
  a dropped connection; the front end's ``retry_after`` says which) waits
  (``Retry-After`` when the platform gave one, else exponential backoff) and
  tries again, up to ``attempts``. Only the platform's confirmation (a message
  id) marks it *delivered*.
- A final failure marks it *failed* with an error id, logs one line with that
  id and raises ``DeliveryFailed`` whose text carries the id, so whoever asked
  is told (the Slack asker privately, the PSA in the webhook's answer). When
  the failure was transient, ``next_attempt_at`` schedules a background round
  (``bot/chat/outbox_worker.py``), up to ``RetryPolicy.rounds`` of them.
- After the platform confirmed, the bookkeeping writes are retried (a database
  blip must not turn into a second post); the post carries its delivery key
  (``current_key``) so a front end can tag the message and find it again.

The delivery key is spent only on success: a *failed* entry is claimed again
by the PSA's retry (or Slack's), and a *delivered* one makes the retry a
duplicate. ``handoff outbox`` lists what is pending or failed.

No database session is open while a platform is being called: each state
change is its own short transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.db.models import OutboxEntry, utcnow
from bot.errors import DeliveryFailed, HandoffError, new_error_id
from bot.runtime import telemetry

log = logging.getLogger("handoff.outbox")

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
# A "sending" entry older than this was left by a process that died mid-post: it may be claimed again.
STALE_SENDING = timedelta(minutes=10)
# The delivery key of the post being attempted, for a front end that tags its message with it (Slack's
# message metadata) so that a later retry can find the message instead of posting it again.
current_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("outbox_delivery_key", default=None)
# Waits between tries of a bookkeeping write after the platform confirmed a post (a database blip).
RECORD_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 4.0)

SessionFactory = Callable[[], AbstractContextManager[Session]]
# For an exception from a post: seconds to wait before the next attempt (0: the usual backoff),
# or None when retrying cannot help (a permission error, a bad request).
RetryAfter = Callable[[BaseException], float | None]

FAILED_TEXT = ("Handoff couldn't post the {what} in {where} after {attempts} attempt(s): {error}. "
               "It is kept as failed in the outbox (error id {error_id}); a retry of the same request posts it.")
LATER_TEXT = ("Handoff couldn't post the {what} in {where} after {attempts} attempt(s): {error}. "
              "It will try again in the background for about half an hour (error id {error_id}).")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6  # 5 consecutive 429s still end in a post
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0  # a Retry-After beyond this is not waited for here
    rounds: int = 5  # background rounds (the outbox worker) after a transient final failure
    round_delay_s: float = 60.0  # before the first round; doubled each round, at most 30 minutes

    def delay(self, attempt: int, retry_after: float) -> float:
        if retry_after > 0:
            return min(retry_after, self.max_retry_after_s)
        backoff = min(self.base_delay_s * 2 ** (attempt - 1), self.max_delay_s)
        return backoff * (0.5 + random.random() / 2)  # jitter: clients retrying together spread out

    def next_round(self, rounds_done: int, now: datetime) -> datetime | None:
        """When the worker tries a transiently failed entry again; None once its rounds are spent."""
        if rounds_done >= self.rounds:
            return None
        return now + timedelta(seconds=min(self.round_delay_s * 2 ** rounds_done, 1800.0))


@dataclass(frozen=True)
class Claim:
    """The outcome of ``claim``: ``entry_pk`` to send with, or why not (``DELIVERED`` / ``SENDING``)."""

    entry_pk: int | None
    status: str
    message_id: str | None = None
    key: str | None = None
    platform: str | None = None

    @property
    def won(self) -> bool:
        return self.entry_pk is not None


class Outbox:
    def __init__(self, session: SessionFactory, *, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep):
        self.session, self.policy, self.sleep = session, policy or RetryPolicy(), sleep

    # --- database steps: each one short transaction --------------------------------

    def claim(self, *, platform: str, key: str | None, kind: str, channel: str, thread_id: str | None = None,
              tenant_id: str | None = None, packet_pk: int | None = None, asker: str | None = None) -> Claim:
        """Record the post as pending (once per key) and take it for sending."""
        key = (key or f"post:{uuid.uuid4().hex}")[:255]
        now = utcnow()
        with self.session() as session:
            try:
                with session.begin_nested():
                    session.add(OutboxEntry(platform=platform, key=key, kind=kind, channel=channel,
                                            thread_id=thread_id, tenant_id=tenant_id, packet_pk=packet_pk,
                                            asker=(asker or None) and asker[:64],
                                            status=PENDING, created_at=now, updated_at=now))
                    session.flush()
            except IntegrityError:
                pass  # an earlier attempt of this delivery: its row decides below
        with self.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                return self._claim_skip_locked(session, platform, key, channel, packet_pk, now)
            result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(OutboxEntry)
                .where(col(OutboxEntry.platform) == platform, col(OutboxEntry.key) == key)
                .where(or_(col(OutboxEntry.status).in_((PENDING, FAILED)),
                           (col(OutboxEntry.status) == SENDING) & (col(OutboxEntry.updated_at) < now - STALE_SENDING)))
                .values(status=SENDING, updated_at=now, channel=channel, packet_pk=packet_pk)
            )
            taken = result.rowcount
            row = session.exec(select(OutboxEntry).where(OutboxEntry.platform == platform,
                                                         OutboxEntry.key == key)).one()
            if taken:
                return Claim(row.pk, SENDING, key=key, platform=platform)
            return Claim(None, row.status, row.message_id, key=key, platform=platform)

    @staticmethod
    def _claim_skip_locked(session: Session, platform: str, key: str, channel: str, packet_pk: int | None,
                           now: datetime) -> Claim:
        """PostgreSQL: lock the key's row, skipping it if another replica holds it (that one is taking it)."""
        row = session.exec(select(OutboxEntry).where(OutboxEntry.platform == platform, OutboxEntry.key == key)
                           .with_for_update(skip_locked=True)).first()
        if row is None:
            return Claim(None, SENDING, key=key, platform=platform)
        if not claimable(row, now):
            return Claim(None, row.status, row.message_id, key=key, platform=platform)
        row.status, row.updated_at, row.channel, row.packet_pk = SENDING, now, channel, packet_pk
        return Claim(row.pk, SENDING, key=key, platform=platform)

    def _attempted(self, pk: int, error: str) -> None:
        with self.session() as session:
            row = session.get(OutboxEntry, pk)
            if row is not None:
                row.attempts += 1
                row.last_error = error[:2000]
                row.updated_at = utcnow()

    def _delivered(self, pk: int, message_id: str) -> None:
        with self.session() as session:
            row = session.get(OutboxEntry, pk)
            if row is not None:
                row.attempts += 1
                row.status, row.message_id, row.error_id, row.updated_at = DELIVERED, message_id, None, utcnow()
                row.next_attempt_at = None

    def _failed(self, pk: int, error: str, error_id: str, retryable: bool = False) -> datetime | None:
        """Mark it failed; a transient failure schedules the next background round (returned)."""
        with self.session() as session:
            row = session.get(OutboxEntry, pk)
            if row is None:
                return None
            now = utcnow()
            row.status, row.last_error, row.error_id, row.updated_at = FAILED, error[:2000], error_id, now
            row.next_attempt_at = self.policy.next_round(row.rounds, now) if retryable else None
            return row.next_attempt_at

    def entries(self, *, statuses: tuple[str, ...] = (PENDING, SENDING, FAILED), limit: int = 200) -> list[OutboxEntry]:
        with self.session() as session:
            rows = session.exec(select(OutboxEntry).where(col(OutboxEntry.status).in_(statuses))
                                .order_by(col(OutboxEntry.created_at).desc()).limit(limit)).all()
            for row in rows:
                session.expunge(row)
            return list(rows)

    def waiting(self, now: datetime | None = None) -> tuple[int, float]:
        """For the gauges: how many deliveries still wait (pending, sending, failed with a round to come) and
        the age in seconds of the oldest of them (0 when none)."""
        now = now or utcnow()
        with self.session() as session:
            rows = session.exec(select(OutboxEntry.created_at).where(or_(
                col(OutboxEntry.status).in_((PENDING, SENDING)),
                (col(OutboxEntry.status) == FAILED) & col(OutboxEntry.next_attempt_at).is_not(None)))).all()
        return len(rows), max(((now - c).total_seconds() for c in rows), default=0.0)

    def counts(self) -> dict[str, int]:
        with self.session() as session:
            return {status: len(session.exec(select(OutboxEntry.pk).where(OutboxEntry.status == status)).all())
                    for status in (PENDING, SENDING, DELIVERED, FAILED)}

    # --- sending ---------------------------------------------------------------------

    async def send(self, claim: Claim, post: Callable[[], Awaitable[str]], *, retry_after: RetryAfter,
                   what: str = "packet", where: str = "the channel",
                   run: Callable[..., Awaitable[Any]] | None = None) -> str:
        """Attempt ``post`` until the platform confirms (its message id) or retrying cannot help."""
        assert claim.entry_pk is not None, "send only what was claimed"
        pk = claim.entry_pk
        call = run or _to_thread
        attempt = 0
        while True:
            attempt += 1
            token = current_key.set(claim.key)
            try:
                message_id = await post()
            except HandoffError as exc:
                # Words for the user (a shared channel, "invite Handoff"): nothing was posted and no retry
                # can help until someone acts; the entry stays failed, the key free.
                await _quietly(call, self._failed, pk, exc.message, new_error_id())
                raise
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
                wait = retry_after(exc)
                if wait is None or attempt >= self.policy.attempts:
                    error_id = new_error_id()
                    later = await _quietly(call, self._failed, pk, error, error_id, wait is not None)
                    log.error("outbox entry %s (%s in %s) failed after %d attempt(s), error id %s: %s",
                              pk, what, where, attempt, error_id, error)
                    telemetry.delivery_failed(claim.platform or "unknown")
                    text = LATER_TEXT if later is not None else FAILED_TEXT
                    raise DeliveryFailed(text.format(what=what, where=where, attempts=attempt,
                                                     error=_short(exc), error_id=error_id)) from exc
                await _quietly(call, self._attempted, pk, error)
                delay = self.policy.delay(attempt, wait)
                log.warning("outbox entry %s: attempt %d failed (%s), retrying in %.1fs", pk, attempt, error, delay)
                await self.sleep(delay)
                continue
            finally:
                current_key.reset(token)
            await recorded(call, self._delivered, pk, message_id, sleep=self.sleep,
                           what=f"outbox entry {pk} as delivered (message {message_id})")
            return message_id


def claimable(row: OutboxEntry, now: datetime) -> bool:
    """Pending or failed, or "sending" for so long that its process must have died mid-post."""
    return row.status in (PENDING, FAILED) or (row.status == SENDING and row.updated_at < now - STALE_SENDING)


async def recorded(call: Callable[..., Awaitable[Any]], fn: Callable[..., Any], *args: Any,
                   sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, what: str = "a delivery") -> bool:
    """A write after the platform confirmed a post, retried through a database blip (``RECORD_DELAYS_S``).

    Never raises: the post happened, and an error here would make the caller post again. If the database
    stays away, one line with an error id says what was not recorded; the entry stays *sending*, and a
    later retry first looks for the message by its delivery key where the platform allows (Slack).
    """
    for delay in (*RECORD_DELAYS_S, None):
        try:
            await call(fn, *args)
            return True
        except Exception as exc:
            if delay is None:
                log.error("could not record %s after %d tries, error id %s: %s", what, len(RECORD_DELAYS_S) + 1,
                          new_error_id(), exc)
                return False
            await sleep(delay)
    return False


async def _to_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


async def _quietly(call: Callable[..., Awaitable[Any]], fn: Callable[..., Any], *args: Any) -> Any:
    """A bookkeeping write that must not hide the delivery's own error (the database may be what failed)."""
    try:
        return await call(fn, *args)
    except Exception as exc:
        log.warning("outbox bookkeeping failed: %s", exc)
        return None


def _short(exc: BaseException) -> str:
    status = status_of(exc)
    if status is not None:
        return f"the platform answered HTTP {status}"
    if isinstance(exc, TimeoutError):
        return "the platform did not answer in time"
    return type(exc).__name__


def status_of(exc: BaseException) -> int | None:
    """The HTTP status behind a platform SDK's error, whichever attribute its SDK keeps it in."""
    response = getattr(exc, "response", None)
    for holder in (response, exc):
        for name in ("status_code", "status"):
            value = getattr(holder, name, None)
            if isinstance(value, int):
                return value
    return None


def header_retry_after(exc: BaseException) -> float:
    """Seconds from a ``Retry-After`` header on the error's response (0 when absent or a date)."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        raw = headers.get("Retry-After") or headers.get("retry-after")
        return max(0.0, float(raw)) if raw is not None else 0.0
    except (TypeError, ValueError, AttributeError):
        return 0.0


