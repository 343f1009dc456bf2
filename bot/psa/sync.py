"""``handoff sync <psa>``: page through tickets changed since the watermark, resumably.

Each page (up to 1000 tickets) is fetched, its tickets' notes and devices
fetched, the page stored, and then the cursor (the page number) saved, so a
sync killed at any point resumes after the last page it stored (a page stored
but not yet marked is fetched again: the upsert makes that harmless). The watermark moves only when a run finishes: to the newest
``lastUpdated`` it saw. Resolved and closed tickets are synced too (they feed
"similar past tickets").

A first sync or ``--full`` backfills history: escalations it sees are stored as
state, not delivered (a backfill must not post packets for last year's
tickets). Later syncs deliver escalations a lost callback would have.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.db.engine import session_scope
from bot.psa import store
from bot.psa.service import EscalationEvent, PsaService
from bot.runtime.leader import exclusive

log = logging.getLogger("handoff.psa.sync")
RUN_LEASE_S = 30.0  # renewed every 10 s while a run lasts; a run killed elsewhere blocks the next for at most this


@dataclass
class SyncReport:
    connector: str
    since: datetime | None
    resumed_at_page: int = 0
    pages: int = 0
    tickets: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    escalations: list[EscalationEvent] = field(default_factory=list)
    watermark: datetime | None = None
    seconds: float = 0.0
    retries: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "connector": self.connector,
            "since": self.since.isoformat() if self.since else None,
            "resumed_at_page": self.resumed_at_page,
            "pages": self.pages,
            "tickets": self.tickets,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "unmapped": self.unmapped,
            "escalations": [e.key for e in self.escalations],
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "seconds": round(self.seconds, 3),
            "retries": self.retries,
        }


def run_sync(service: PsaService, *, since: datetime | None = None, full: bool = False,
             page_size: int = 1000, on_page: Callable[[int, int], None] | None = None,
             on_total: Callable[[int], None] | None = None) -> SyncReport:
    """One sync run (or the rest of an interrupted one).

    ``on_total(n)`` is told how many tickets the run covers (when the PSA can
    count them) and ``on_page(page, tickets)`` after each stored page.

    One run of a PSA at a time, anywhere: the run holds the lease ``psa-sync-run:<psa>``
    (``bot/runtime/leader.py``), because every run of a PSA moves the same cursor. A
    second one (a server's interval sync, ``handoff sync`` from a cron) gets ``Conflict``.
    """
    name = service.connector.name
    with exclusive(service.engine, f"psa-sync-run:{name}", ttl_s=RUN_LEASE_S, what=f"a {name} sync"):
        return _run(service, since=since, full=full, page_size=page_size, on_page=on_page, on_total=on_total)


def _run(service: PsaService, *, since: datetime | None, full: bool, page_size: int,
         on_page: Callable[[int, int], None] | None, on_total: Callable[[int], None] | None) -> SyncReport:
    connector = service.connector
    name = connector.name
    started = time.monotonic()
    with session_scope(service.engine) as session:
        state = store.sync_state(session, name)
        explicit = since is not None or full
        same_run = state.run_full == full and (since is None or state.run_since == since)
        if store.running(state) and (not explicit or same_run):
            # Resume the interrupted run where its last stored page ended.
            run_since, run_full, start_page = state.run_since, state.run_full, state.run_page + 1
        else:
            run_since = None if full else (since if since is not None else state.watermark)
            run_full = full
            start_page = 1
            store.start_run(session, name, run_since, run_full)
        backfill = run_full or (run_since is None and state.watermark is None)
    report = SyncReport(name, run_since, resumed_at_page=start_page if start_page > 1 else 0)
    retries_before = getattr(getattr(connector, "http", None), "retries", 0)
    fill = getattr(connector, "fill_many", None)
    counter = getattr(connector, "count_changed", None)
    if on_total is not None and counter is not None:
        total = counter(run_since)
        if total is not None:
            on_total(max(0, total - (start_page - 1) * page_size))
    for page in connector.changed_pages(run_since, start_page=start_page, page_size=page_size):
        tickets = fill(page.tickets) if fill else [connector.fetch_notes_and_devices(t) for t in page.tickets]
        outcome = service.store_tickets(tickets, detect_escalations=not backfill)
        max_seen = max((t.updated_at for t in tickets if t.updated_at), default=None)
        with session_scope(service.engine) as session:
            store.page_done(session, name, page.page, max_seen)
        _add(report, outcome, len(tickets))
        report.pages += 1
        if outcome.escalations:
            service.deliver(outcome.escalations)
        if on_page:
            on_page(page.page, len(tickets))
    with session_scope(service.engine) as session:
        report.watermark = store.finish_run(session, name)
    report.seconds = time.monotonic() - started
    report.retries = getattr(getattr(connector, "http", None), "retries", 0) - retries_before
    log.info("%s sync: %d tickets in %d pages, %d added, %d updated, %.1fs", name, report.tickets, report.pages,
             report.added, report.updated, report.seconds)
    return report


def _add(report: SyncReport, outcome: Any, count: int) -> None:
    report.tickets += count
    report.added += len(outcome.result.added)
    report.updated += len(outcome.result.updated)
    report.unchanged += len(outcome.result.unchanged)
    report.conflicts += len(outcome.result.conflicts)
    for company, n in outcome.unmapped.items():
        report.unmapped[company] = report.unmapped.get(company, 0) + n
    report.escalations.extend(outcome.escalations)
