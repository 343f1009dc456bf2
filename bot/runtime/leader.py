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
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.db.engine import session_scope
from bot.db.models import Lease, utcnow
from bot.errors import Conflict

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

    def take_from(self, dead: str) -> bool:
        """Take the lease from a holder known to be dead (``_dead_here``), if it still holds it."""
        now = utcnow()
        with session_scope(self.engine) as session:
            result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(Lease).where(col(Lease.name) == self.name, col(Lease.holder) == dead)
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl))
            won = result.rowcount == 1
        self._until = now + self.ttl if won else None
        if won:
            log.warning("lease %s: taken from %s, whose process is gone", self.name, dead)
        return won

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


def _dead_here(holder: str) -> bool:
    """The holder ran on this host and its process is gone (killed): its lease need not run out first."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:80] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    return False


@contextmanager
def exclusive(engine: Engine, name: str, *, ttl_s: float = 30.0, what: str = "this job") -> Iterator[Leadership]:
    """Hold the lease ``name`` for the length of a ``with`` block (renewed by a thread), or ``Conflict`` naming
    its holder. For work that must never run twice at once anywhere (a PSA sync run, which keeps one cursor);
    a holder that was killed on this host is taken over at once, elsewhere when its lease runs out."""
    lease = Leadership(engine, name, ttl_s=ttl_s)
    if not lease.try_acquire():
        current = next((row for row in holders(engine) if row.name == lease.name), None)
        if current is None or not _dead_here(current.holder) or not lease.take_from(current.holder):
            who = current.holder if current is not None else "another process"
            raise Conflict(f"{what} is running already in {who} (lease {name}); try again when it ends")
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl_s / 3):
            lease.try_acquire()

    renewer = threading.Thread(target=renew, name=f"lease {name}", daemon=True)
    renewer.start()
    try:
        yield lease
    finally:
        stop.set()
        renewer.join()
        lease.release()


def holders(engine: Engine) -> list[Lease]:
    """Every lease row (for ``handoff leases`` and the tests): who holds which job until when."""
    from sqlmodel import select

    with session_scope(engine) as session:
        rows = list(session.exec(select(Lease).order_by(col(Lease.name))).all())
        for row in rows:
            session.expunge(row)
        return rows
