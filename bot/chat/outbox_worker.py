"""The outbox worker: posts what a request could not, in the background, with backoff, boundedly.

A periodic job (one leader per platform: ``bot/runtime/leader.py``) takes the
entries that are due:

- *failed* with a transient error (429, 5xx, timeout) whose ``next_attempt_at``
  has come (``Outbox._failed`` schedules it: 1, 2, 4... minutes, up to
  ``RetryPolicy.rounds`` rounds);
- *sending* for longer than ``STALE_SENDING``: its process died mid-post, or
  posted and could not record it;
- *pending* for longer than a minute: its process died between recording and taking it.

On PostgreSQL they are read ``FOR UPDATE SKIP LOCKED`` and moved to *sending*
in one transaction, so two workers (or a worker and a request) never take the
same entry; on SQLite, by a conditional UPDATE per entry (its one writer).

Each taken entry is first looked for on the platform by its delivery key (Slack
tags every post with it): found means it was posted and only the recording was
lost, so it is marked delivered, not posted again. Otherwise the stored packet
is posted again, after the same checks as a request: the packet must belong to
the entry's client, the channel (its sharing state checked live) must be
allowed to see that client, and the rollout must still say what it said. A final failure logs one line with the error id and
tells the asker privately where the platform can (Slack's ephemeral message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from bot.chat import outbox
from bot.db.models import OutboxEntry, utcnow
from bot.errors import DeliveryFailed, HandoffError, Refused, new_error_id
from bot.packets import stored as packets
from bot.packets.model import Packet
from bot.tenancy import policy, rollout
from bot.tenancy.policy import Where

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("handoff.outbox.worker")

PENDING_GRACE = timedelta(minutes=1)
REPOSTABLE = ("packet", "escalation")  # what can be posted again from the stored packet alone
GIVEN_UP = ("Handoff gave up posting the {what} in <#{channel}> after {rounds} background retries: {error}. "
            "Error id {error_id}; `handoff outbox` lists it.")


class Redeliverer(Protocol):
    """What a front end gives the worker: how to find, post and report an entry on its platform."""

    platform: str
    finds_posts: bool  # False: an entry stuck in "sending" is never posted again (it may have been posted)

    async def reach(self, channel_id: str, *, user_id: str | None) -> Where | None: ...

    async def find_posted(self, entry: OutboxEntry) -> str | None:
        """The message id of a post carrying this entry's delivery key, if the platform can tell (else None)."""
        ...

    async def repost(self, packet: Packet, to: Where) -> str:
        """Post and record the packet in ``to`` (in ``to.thread_id`` when set); the message id."""
        ...

    def retry_after(self, exc: BaseException) -> float | None: ...

    async def tell(self, entry: OutboxEntry, text: str) -> None:
        """Tell the asker privately that the post was given up (nothing where the platform cannot)."""
        ...


@dataclass(frozen=True)
class Outcome:
    pk: int
    status: str  # delivered | found | failed | given_up | refused
    message_id: str | None = None


def due_filter(now: datetime, *, stale_sending: bool = True) -> Any:
    """``stale_sending``: also entries stuck in *sending*, for a platform where an earlier post can be found."""
    due = [(col(OutboxEntry.status) == outbox.FAILED) & (col(OutboxEntry.next_attempt_at) <= now),
           (col(OutboxEntry.status) == outbox.PENDING) & (col(OutboxEntry.updated_at) < now - PENDING_GRACE)]
    if stale_sending:
        due.append((col(OutboxEntry.status) == outbox.SENDING)
                   & (col(OutboxEntry.updated_at) < now - outbox.STALE_SENDING))
    return or_(*due)


def take_due(session: Session, *, platform: str, now: datetime, limit: int = 20,
             stale_sending: bool = True) -> list[OutboxEntry]:
    """The entries due for a retry on ``platform``, moved to *sending* and counted as a round."""
    due = due_filter(now, stale_sending=stale_sending)
    query = (select(OutboxEntry).where(OutboxEntry.platform == platform).where(due)
             .order_by(col(OutboxEntry.updated_at)).limit(limit))
    taken: list[OutboxEntry] = []
    if session.get_bind().dialect.name == "postgresql":
        for row in session.exec(query.with_for_update(skip_locked=True)).all():
            row.status, row.updated_at, row.rounds, row.next_attempt_at = outbox.SENDING, now, row.rounds + 1, None
            taken.append(row)
    else:
        for pk in [row.pk for row in session.exec(query).all()]:
            result = session.execute(update(OutboxEntry).where(col(OutboxEntry.pk) == pk).where(due)
                                     .values(status=outbox.SENDING, updated_at=now, next_attempt_at=None,
                                             rounds=OutboxEntry.rounds + 1))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                row = session.get(OutboxEntry, pk)
                assert row is not None
                taken.append(row)
    session.flush()
    for row in taken:
        session.refresh(row)
        session.expunge(row)
    return taken


class OutboxWorker:
    def __init__(self, core: Core, redeliverer: Redeliverer, *, batch: int = 20):
        self.core, self.front, self.batch = core, redeliverer, batch

    async def run_once(self, now: datetime | None = None) -> list[Outcome]:
        """One round over what is due now; every entry ends delivered, failed (rescheduled) or given up."""
        now = now or utcnow()
        entries = await self.core.run(self._take_due, now)
        return [await self.retry(entry) for entry in entries]

    def _take_due(self, now: datetime) -> list[OutboxEntry]:
        with self.core.session() as session:
            return take_due(session, platform=self.front.platform, now=now, limit=self.batch,
                            stale_sending=getattr(self.front, "finds_posts", True))

    async def retry(self, entry: OutboxEntry) -> Outcome:
        assert entry.pk is not None
        claim = outbox.Claim(entry.pk, outbox.SENDING, key=entry.key, platform=entry.platform)
        ob = self.core.outbox
        try:
            try:
                found = await self.front.find_posted(entry)
            except Exception as exc:  # Slack can't say whether it has it: posting now could post it twice
                error = f"could not look for an earlier post of it: {type(exc).__name__}: {exc}"[:500]
                await outbox._quietly(self.core.run, ob._failed, entry.pk, error, new_error_id(), True)
                return await self._failed(entry, error)
            if found is not None:
                await outbox.recorded(self.core.run, ob._delivered, entry.pk, found,
                                      what=f"outbox entry {entry.pk} as delivered (found {found})")
                log.info("outbox entry %s was posted already (message %s): marked delivered", entry.pk, found)
                return Outcome(entry.pk, "found", found)
            if entry.kind not in REPOSTABLE or entry.packet_pk is None or entry.tenant_id is None:
                raise Refused(f"a {entry.kind} entry cannot be posted again from the stored packet")
            to = await self.front.reach(entry.channel, user_id=entry.asker)
            if to is None:
                raise Refused(f"Handoff can no longer reach channel {entry.channel}")
            to = Where(to.platform, to.channel_id, to.user_id, externally_shared=to.externally_shared,
                       foreign_org=to.foreign_org, thread_id=entry.thread_id)
            packet = await self.core.run(self._packet, entry, to)
            message_id = await ob.send(claim, lambda: self.front.repost(packet, to),
                                       retry_after=self.front.retry_after, what=f"packet for #{packet.ticket.id}",
                                       where=f"channel {entry.channel}", run=self.core.run)
            log.info("outbox entry %s delivered by the worker (round %d): %s", entry.pk, entry.rounds, message_id)
            return Outcome(entry.pk, "delivered", message_id)
        except DeliveryFailed as exc:
            return await self._failed(entry, exc.message)
        except HandoffError as exc:  # refused (isolation, a shared channel) or unreachable: no retry helps
            await outbox._quietly(self.core.run, ob._failed, entry.pk, exc.message, new_error_id())
            log.warning("outbox entry %s not posted again: %s", entry.pk, exc.message)
            return Outcome(entry.pk, "refused")
        except Exception as exc:  # a bug or the database: keep the entry for a later round, keep the loop alive
            error = f"{type(exc).__name__}: {exc}"[:500]
            log.exception("outbox entry %s: retry failed unexpectedly", entry.pk)
            await outbox._quietly(self.core.run, ob._failed, entry.pk, error, new_error_id(), True)
            return await self._failed(entry, error)

    def _packet(self, entry: OutboxEntry, to: Where) -> Packet:
        """The stored packet, checked like a request: the entry's client's, and allowed in ``to``."""
        assert entry.tenant_id is not None and entry.packet_pk is not None
        with self.core.session() as session:
            packet = packets.get(session, tenant_id=entry.tenant_id, packet_id=entry.packet_pk)
            scope = policy.scope_for(to, session=session, settings=self.core.settings)
            review = policy.review_channel(self.core.settings, to.platform)
            if packet.mode != "on" and to.channel_id != review:
                raise Refused(f"shadow packet {entry.packet_pk} may only go to the review channel")
            if not scope.allows(entry.tenant_id):
                raise Refused(policy.NOT_HERE)
            # The rollout may have changed since the request (switched off, or on from shadow): its word now counts.
            mode = rollout.resolve(session=session, tenant_id=entry.tenant_id, category=packet.ticket.category).mode
            if mode != packet.mode:
                raise Refused(f"the rollout of this client or category is now {mode!r}, the packet was {packet.mode!r}")
        packet.delivery = rollout.Delivery(packet.mode, to=to, asked=to)
        return self.core.publish_packet(packet, to)

    async def _failed(self, entry: OutboxEntry, reason: str) -> Outcome:
        assert entry.pk is not None
        row = await self.core.run(self._row, entry.pk)
        if row is not None and row.status == outbox.FAILED and row.next_attempt_at is not None:
            log.warning("outbox entry %s: round %d failed, next at %s", entry.pk, row.rounds, row.next_attempt_at)
            return Outcome(entry.pk, "failed")
        error_id = row.error_id if row is not None and row.error_id else new_error_id()
        log.error("outbox entry %s (%s in %s) given up after %d background round(s), error id %s: %s",
                  entry.pk, entry.kind, entry.channel, entry.rounds, error_id, reason)
        text = GIVEN_UP.format(what=entry.kind, channel=entry.channel, rounds=entry.rounds,
                               error=(row.last_error if row is not None else None) or reason, error_id=error_id)
        try:
            await self.front.tell(entry, text)
        except Exception as exc:  # telling is best effort: the log line above is the record
            log.warning("outbox entry %s: could not tell the asker (%s)", entry.pk, exc)
        return Outcome(entry.pk, "given_up")

    def _row(self, pk: int) -> OutboxEntry | None:
        with self.core.session() as session:
            row = session.get(OutboxEntry, pk)
            if row is not None:
                session.expunge(row)
            return row
