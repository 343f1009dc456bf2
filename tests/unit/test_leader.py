"""Leases for periodic work (bot/runtime/leader.py), on SQLite and PostgreSQL: one holder at a time, renewal,
takeover after expiry, immediate takeover after a release, and no leader while the database is unreachable."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.engine import Engine

from bot.db.engine import make_engine
from bot.db.models import utcnow
from bot.runtime.leader import Leadership, holders


def test_one_holder_until_it_expires_or_is_released(engine: Engine) -> None:
    a, b = Leadership(engine, "psa-sync:x", ttl_s=30), Leadership(engine, "psa-sync:x", ttl_s=30)
    now = utcnow()
    assert a.try_acquire(now) and a.is_leader
    assert not b.try_acquire(now) and not b.is_leader
    assert a.try_acquire(now + timedelta(seconds=10))  # renewal moves the expiry on
    assert not b.try_acquire(now + timedelta(seconds=35))  # within the renewed lease
    [row] = holders(engine)
    assert row.holder == a.holder and row.expires_at == now + timedelta(seconds=40)
    # a stops renewing (killed): b takes the lease once it has expired, and a knows it lost it.
    assert b.try_acquire(now + timedelta(seconds=41)) and b.is_leader
    assert not a.try_acquire(now + timedelta(seconds=42)) and not a.is_leader
    # A clean stop hands over at once, without waiting for the expiry.
    b.release()
    assert not b.is_leader and a.try_acquire()
    # Leases of other jobs are independent.
    assert Leadership(engine, "outbox:slack").try_acquire()


def test_racing_for_an_expired_lease_one_wins(engine: Engine) -> None:
    contenders = [Leadership(engine, "outbox:slack", ttl_s=30) for _ in range(6)]
    start = threading.Barrier(len(contenders))
    won: list[bool] = []

    def race(lease: Leadership) -> None:
        start.wait()
        won.append(lease.try_acquire())

    threads = [threading.Thread(target=race, args=(c,)) for c in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == [False] * 5 + [True]
    # And once more after it expired (the UPDATE path, not the first INSERT).
    later = utcnow() + timedelta(seconds=31)
    won.clear()
    start = threading.Barrier(len(contenders))

    def race_later(lease: Leadership) -> None:
        start.wait()
        won.append(lease.try_acquire(later))

    threads = [threading.Thread(target=race_later, args=(c,)) for c in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won.count(True) == 1


def test_no_leader_while_the_database_is_unreachable(engine: Engine) -> None:
    lease = Leadership(engine, "outbox:slack", ttl_s=30)
    assert lease.try_acquire()
    unreachable = make_engine("postgresql://nobody@127.0.0.1:1/none", connect_timeout_s=1)
    lease.engine = unreachable
    assert not lease.try_acquire() and not lease.is_leader  # it cannot prove it still holds the lease
    unreachable.dispose()


def test_exclusive_runs_once_anywhere_and_takes_over_from_a_killed_holder(engine: Engine) -> None:
    import socket
    import subprocess
    import time

    import pytest

    from bot.db.engine import session_scope
    from bot.db.models import Lease
    from bot.errors import Conflict
    from bot.runtime.leader import exclusive

    with exclusive(engine, "psa-sync-run:connectwise", ttl_s=0.6, what="a connectwise sync") as held:
        time.sleep(1.0)  # longer than the lease: the renewing thread keeps it
        with pytest.raises(Conflict, match=held.holder), exclusive(engine, "psa-sync-run:connectwise"):
            pass
    with exclusive(engine, "psa-sync-run:connectwise"):  # released at the end of the block
        pass
    # A holder on this host whose process was killed: taken over at once, not after its lease.
    gone = subprocess.Popen(["true"])
    gone.wait()
    later = utcnow() + timedelta(minutes=5)
    for holder in (f"{socket.gethostname()[:80]}:{gone.pid}:dead", "another-host:4242:alive"):
        with session_scope(engine) as session:
            row = session.get(Lease, "psa-sync-run:connectwise")
            assert row is not None
            row.holder, row.expires_at = holder, later
        if holder.endswith("dead"):
            with exclusive(engine, "psa-sync-run:connectwise") as taken:
                assert taken.is_leader
        else:  # elsewhere: nothing to tell whether it lives, so its lease must run out
            with pytest.raises(Conflict, match="another-host"), exclusive(engine, "psa-sync-run:connectwise"):
                pass
