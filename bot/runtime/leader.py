"""One leader per periodic job across every replica: a lease row in the database.

Periodic work (the PSA sync from the watermark, the outbox worker) must run in
one process, however many replicas serve requests. Each job has a lease (table
``lease``, one row per job name): a process holds it while ``expires_at`` is in
the future and renews it every third of the lease time. Taking or renewing is
one conditional UPDATE (``WHERE holder = me OR expires_at < now``), so of two
processes racing for an expired lease exactly one wins, on SQLite and on
PostgreSQL alike. A leader that dies stops renewing: another replica takes the
lease within ``ttl`` (plus one renewal period). A leader that stops cleanly
gives it up at once (``release``).

Why a row rather than a PostgreSQL advisory lock: a session advisory lock needs
a connection held open for the life of the process (outside the pool, with its
own keepalives), it does not exist on SQLite, and its holder is invisible to
``handoff``'s own tools; a lease row works on both databases and names its
holder. The cost is clock trust: replicas' clocks must agree to well under the
lease time (NTP does that); the expiry is written by the holder's clock.

A process that cannot reach the database stops considering itself the leader at
once (it cannot prove it still holds the lease), so two leaders can overlap only
if a job outlives a lost lease; the jobs are safe to overlap anyway (the sync
upserts, the outbox claims each entry with a conditional UPDATE).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.db.engine import session_scope
from bot.db.models import Lease, utcnow

log = logging.getLogger("handoff.leader")


def holder_id() -> str:
    """Names this process in the lease row: which host and pid holds a job (``handoff leases``)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leadership:
    """The lease of one job. ``try_acquire`` from a loop (``run``); ``is_leader`` before doing the work."""

    def __init__(self, engine: Engine, name: str, *, ttl_s: float = 30.0, holder: str | None = None):
        self.engine, self.name, self.ttl = engine, name[:64], timedelta(seconds=ttl_s)
        self.holder = holder or holder_id()
        self._until: datetime | None = None  # our lease's expiry, as we last wrote it

    @property
    def is_leader(self) -> bool:
        return self._until is not None and utcnow() < self._until

    def try_acquire(self, now: datetime | None = None) -> bool:
        """Take the lease if it is free or expired, renew it if it is ours; False if another holds it."""
        now = now or utcnow()
        until = now + self.ttl
        try:
            with session_scope(self.engine) as session:
                result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                    update(Lease).where(col(Lease.name) == self.name)
                    .where((col(Lease.holder) == self.holder) | (col(Lease.expires_at) < now))
                    .values(holder=self.holder, expires_at=until))
                won = result.rowcount == 1
            if not won:
                won = self._insert(now, until)
        except Exception as exc:  # the database is down or too slow: we cannot prove we hold it
            if self._until is not None:
                log.warning("lease %s: cannot renew (%s); not the leader until it can", self.name, exc)
            self._until = None
            return False
        if won and self._until is None:
            log.info("lease %s: this process (%s) is the leader now", self.name, self.holder)
        elif not won and self._until is not None:
            log.warning("lease %s: lost to another process", self.name)
        self._until = until if won else None
        return won

    def _insert(self, now: datetime, until: datetime) -> bool:
        """The first holder ever: the row's primary key lets one of two racing inserts through."""
        try:
            with session_scope(self.engine) as session:
                if session.get(Lease, self.name) is not None:
                    return False
                session.add(Lease(name=self.name, holder=self.holder, acquired_at=now, expires_at=until))
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        """Give the lease up (a clean stop): another replica takes it at its next try, not after ``ttl``."""
        was = self._until is not None
        self._until = None
        if not was:
            return
        try:
            with session_scope(self.engine) as session:
                session.execute(update(Lease).where(col(Lease.name) == self.name, col(Lease.holder) == self.holder)
                                .values(expires_at=utcnow() - timedelta(seconds=1)))
        except Exception as exc:
            log.warning("lease %s: could not release it (%s); it expires in %s", self.name, exc, self.ttl)

    async def run(self, *, run_blocking: Any = asyncio.to_thread) -> None:
        """Keep trying (and renewing) every third of the lease time, until cancelled; releases on the way out."""
        try:
            while True:
                await run_blocking(self.try_acquire)
                await asyncio.sleep(self.ttl.total_seconds() / 3)
        finally:
            await asyncio.shield(asyncio.to_thread(self.release))


def holders(engine: Engine) -> list[Lease]:
    """Every lease row (for ``handoff leases`` and the tests): who holds which job until when."""
    from sqlmodel import select

    with session_scope(engine) as session:
        rows = list(session.exec(select(Lease).order_by(col(Lease.name))).all())
        for row in rows:
            session.expunge(row)
        return rows
