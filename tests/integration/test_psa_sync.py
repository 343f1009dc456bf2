"""``handoff sync connectwise`` against the stand-in ConnectWise API (5,000 tickets, 40,000 notes).

The stand-in follows the sources cited in tests/unit/test_psa_connectwise.py (paging with
page/pageSize and the Link header, 429 with Retry-After, the ticket/note/configuration shapes).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bench.support import connectwise_standin as cw
from bench.support.psa_world import T0, load_tenants, service
from bot.db.engine import make_engine, upgrade
from bot.db.models import PsaSyncState, Ticket, TicketNote
from bot.psa.sync import run_sync

ROOT = Path(__file__).resolve().parents[2]
COMPANIES = ["AcmeDental", "RidgelineMfg"]
BIG, NOTES_PER = 5000, 8  # 40,000 notes


@pytest.fixture(scope="module")
def big_psa() -> Iterator[cw.StandIn]:
    server = cw.StandIn().start()
    cw.populate(server, tickets=BIG, notes_per_ticket=NOTES_PER, companies=COMPANIES, start=T0)
    yield server
    server.stop()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'handoff.db'}")
    upgrade(engine)
    load_tenants(tmp_path / "world", engine)
    yield engine
    engine.dispose()


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        tickets = session.exec(select(func.count()).select_from(Ticket)).one()
        notes = session.exec(select(func.count()).select_from(TicketNote)).one()
        described = session.exec(select(func.count()).select_from(Ticket).where(
            col(Ticket.description).is_not(None))).one()
    return tickets, notes, described


def _list_pages(server: cw.StandIn, since: int = 0) -> Counter:
    return Counter(p for m, p in server.requests[since:] if p.endswith("/service/tickets"))


@pytest.mark.slow
def test_sync_5000_tickets_all_stored_and_idempotent(big_psa: cw.StandIn, sqlite_engine: Engine) -> None:
    svc = service(sqlite_engine, big_psa)
    first = run_sync(svc, page_size=1000)
    assert (first.tickets, first.added, first.updated, first.pages) == (BIG, BIG, 0, 5)
    tickets, notes, described = _counts(sqlite_engine)
    # Every note is stored: the first discussion note of each ticket is its description, the rest are notes.
    assert (tickets, notes + described) == (BIG, BIG * NOTES_PER)
    assert first.watermark is not None and first.escalations == []  # a first sync backfills, never posts

    again = run_sync(svc, full=True)
    assert (again.tickets, again.added, again.updated, again.unchanged) == (BIG, 0, 0, BIG)
    assert _counts(sqlite_engine) == (tickets, notes, described)

    mark = len(big_psa.requests)
    incremental = run_sync(svc)  # from the watermark: only the newest ticket's second
    assert incremental.tickets == 1 and incremental.added == 0
    assert sum(_list_pages(big_psa, mark).values()) == 1
    assert big_psa.methods() == {"GET"}  # draft only


def _cli(tmp_path: Path, server: cw.StandIn, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDOFF_CONNECTWISE_SITE": server.url,
           "HANDOFF_CONNECTWISE_COMPANY": cw.COMPANY, "HANDOFF_CONNECTWISE_PUBLIC_KEY": cw.PUBLIC,
           "HANDOFF_CONNECTWISE_PRIVATE_KEY": cw.PRIVATE, "HANDOFF_CONNECTWISE_CLIENT_ID": cw.CLIENT_ID}
    return subprocess.Popen(
        [sys.executable, "-m", "adapters.cli.main", "--database-url", f"sqlite:///{tmp_path / 'handoff.db'}",
         "sync", "connectwise", "--no-index", "--json", *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sync_killed_midway_resumes_where_it_stopped(big_psa: cw.StandIn, sqlite_engine: Engine,
                                                     tmp_path: Path) -> None:
    mark = len(big_psa.requests)
    proc = _cli(tmp_path, big_psa, "--page-size", "250")
    deadline = time.monotonic() + 120
    stored_pages = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with Session(sqlite_engine) as session:
            state = session.get(PsaSyncState, "connectwise")
            stored_pages = state.run_page if state else 0
        if stored_pages >= 4:
            proc.send_signal(signal.SIGKILL)  # no clean-up, no chance to save anything more
            break
        time.sleep(0.05)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the sync finished before it could be killed"
    killed_at = stored_pages
    tickets_before, _, _ = _counts(sqlite_engine)
    assert killed_at * 250 <= tickets_before < BIG

    first_run_pages = _list_pages(big_psa, mark)
    mark = len(big_psa.requests)
    proc = _cli(tmp_path, big_psa, "--page-size", "250")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    report = json.loads(out)
    assert report["resumed_at_page"] >= killed_at + 1
    assert _counts(sqlite_engine)[0] == BIG
    assert report["added"] + tickets_before == BIG  # nothing stored twice, nothing missed
    # Pages stored before the kill were not fetched again.
    second_run_pages = _list_pages(big_psa, mark)
    assert sum(first_run_pages.values()) >= killed_at
    assert sum(second_run_pages.values()) == BIG // 250 - report["resumed_at_page"] + 1
    with Session(sqlite_engine) as session:
        state = session.get(PsaSyncState, "connectwise")
        assert state is not None and state.run_page == 0 and state.watermark is not None


@pytest.fixture
def small_psa() -> Iterator[cw.StandIn]:
    server = cw.StandIn().start()
    cw.populate(server, tickets=600, notes_per_ticket=3, companies=[*COMPANIES, "NotAClient"], start=T0)
    yield server
    server.stop()


def test_429_storm_during_sync_stores_every_ticket_once(small_psa: cw.StandIn, engine: Engine,
                                                        tmp_path: Path) -> None:
    load_tenants(tmp_path / "world", engine)
    svc = service(engine, small_psa)
    svc.connector.codebase  # noqa: B018
    small_psa.faults.random_429, small_psa.faults.retry_after = 0.3, "0"
    report = run_sync(svc, page_size=100)
    assert report.retries > 20  # the storm happened
    assert (report.added, report.updated) == (400, 0)
    assert report.unmapped == {"NotAClient": 200}  # stored nowhere
    with Session(engine) as session:
        ids = session.exec(select(Ticket.id)).all()
        assert len(ids) == len(set(ids)) == 400
        notes = session.exec(select(TicketNote.ticket_id, TicketNote.note_id)).all()
        assert len(notes) == len(set(notes)) == 400 * 2
    assert small_psa.methods() == {"GET"}


def test_cli_shows_a_progress_bar_on_a_terminal(small_psa: cw.StandIn, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli.main import main

    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    engine = make_engine(url)
    upgrade(engine)
    load_tenants(tmp_path / "world", engine)
    for key, value in {"SITE": small_psa.url, "COMPANY": cw.COMPANY, "PUBLIC_KEY": cw.PUBLIC,
                       "PRIVATE_KEY": cw.PRIVATE, "CLIENT_ID": cw.CLIENT_ID}.items():
        monkeypatch.setenv(f"HANDOFF_CONNECTWISE_{key}", value)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["--database-url", url, "sync", "connectwise", "--no-index", "--page-size", "200"]) == 0
    out, err = capsys.readouterr()
    assert "600/600" in err and "sync connectwise" in err  # tqdm's bar, with the total from /count
    assert "400" in out and "NotAClient" in err
    assert main(["--database-url", url, "sync", "connectwise", "--full", "--since", "2026-01-01T00:00:00Z"]) == 2
    assert main(["--database-url", url, "sync", "connectwise", "--since", "yesterday"]) == 2
    assert "ISO 8601" in capsys.readouterr().err
