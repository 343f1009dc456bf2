"""Several processes share the outbox safely (bot/chat/outbox.py, bot/chat/outbox_worker.py).

On PostgreSQL a claim reads the entry ``FOR UPDATE SKIP LOCKED``: while another replica holds the row, a claim
answers "in progress" at once instead of waiting; due entries are taken by one worker each. On SQLite (one
writer) the conditional UPDATE gives the same outcome.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.chat import outbox
from bot.chat.outbox_worker import take_due
from bot.db.engine import session_scope
from bot.db.models import OutboxEntry, utcnow


def make_outbox(engine: Engine) -> outbox.Outbox:
    return outbox.Outbox(lambda: session_scope(engine), policy=outbox.RetryPolicy(rounds=2, round_delay_s=60))


def claim(box: outbox.Outbox, key: str) -> outbox.Claim:
    return box.claim(platform="slack", key=key, kind="escalation", channel="C0ACME", tenant_id="acme")


def test_a_key_is_claimed_once_and_a_failed_one_again(engine: Engine) -> None:
    box = make_outbox(engine)
    first = claim(box, "hook:C0ACME:d1")
    assert first.won and first.key == "hook:C0ACME:d1"
    assert not claim(box, "hook:C0ACME:d1").won  # sending: in progress
    assert box._failed(first.entry_pk, "HTTP 500", "e1", True) is not None  # transient: a round is scheduled
    again = claim(box, "hook:C0ACME:d1")
    assert again.won and again.entry_pk == first.entry_pk
    box._delivered(again.entry_pk, "1800000001.000001")
    done = claim(box, "hook:C0ACME:d1")
    assert (done.won, done.status, done.message_id) == (False, outbox.DELIVERED, "1800000001.000001")


def test_rounds_are_scheduled_with_backoff_and_bounded(engine: Engine) -> None:
    box = make_outbox(engine)
    pk = claim(box, "k").entry_pk
    assert pk is not None
    now = utcnow()
    first = box._failed(pk, "HTTP 503", "e1", True)
    assert first is not None and timedelta(seconds=59) < first - now < timedelta(seconds=61)
    assert box._failed(pk, "not_in_channel", "e2", False) is None  # no retry can help: not scheduled
    with session_scope(engine) as session:
        taken = take_due(session, platform="slack", now=now + timedelta(hours=1))
    assert taken == []  # a permanent failure is never taken by the worker
    box._failed(pk, "HTTP 503", "e3", True)
    for expected_rounds in (1, 2):
        with session_scope(engine) as session:
            [entry] = take_due(session, platform="slack", now=utcnow() + timedelta(hours=1))
        assert entry.rounds == expected_rounds and entry.status == outbox.SENDING
        nxt = box._failed(pk, "HTTP 503", "e4", True)
        assert (nxt is None) == (expected_rounds == 2)  # rounds=2: the second round's failure is final


@pytest.mark.postgres
def test_postgres_claim_skips_a_row_another_replica_holds(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is the PostgreSQL path; SQLite has one writer")
    box = make_outbox(engine)
    first = claim(box, "k1")
    box._failed(first.entry_pk, "HTTP 500", "e1", True)
    with Session(engine) as holder:  # another replica, mid-claim: it holds the row's lock
        holder.exec(select(OutboxEntry).where(OutboxEntry.key == "k1").with_for_update()).one()
        started = time.monotonic()
        other = claim(box, "k1")
        assert not other.won and other.status == outbox.SENDING
        assert time.monotonic() - started < 2  # skipped, not waited for (the statement timeout is 60 s)
        holder.rollback()
    assert claim(box, "k1").won


def test_two_workers_take_each_due_entry_once(engine: Engine) -> None:
    box = make_outbox(engine)
    for n in range(30):
        c = claim(box, f"k{n}")
        box._failed(c.entry_pk, "HTTP 500", "e", True)
    later = utcnow() + timedelta(hours=1)
    taken: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def work(i: int) -> None:
        start.wait()
        for _ in range(10):
            with session_scope(engine) as session:
                taken[i] += [e.pk for e in take_due(session, platform="slack", now=later, limit=4)]

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = taken[0] + taken[1]
    assert sorted(everything) == sorted(set(everything)) and len(everything) == 30
