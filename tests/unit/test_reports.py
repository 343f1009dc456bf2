"""Customer report drafts: one client's data, every statement cited, internal channels only, turnaround."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.core import Core
from bot.db.models import AuditEvent, PostedMessage, Report
from bot.errors import BadInput, NotFound, Refused
from bot.reporting.reports import esc, month_window
from bot.tenancy.policy import Where
from tests.harness import metrics_world
from tests.harness.metrics_world import at

NOC, REVIEW = "C0NOC", "C0REVIEW"
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


@pytest.fixture
def core(tmp_path: Path, db_url: str) -> Iterator[Core]:
    c = Core(Settings(data_dir=tmp_path / "d", database_url=db_url, slack_noc_channels=NOC, review_channel=REVIEW))
    metrics_world.build(tmp_path / "w", c.engine)
    yield c
    c.close()


def rows(core: Core, model):  # type: ignore[no-untyped-def]
    with core.session() as session:
        return list(session.exec(select(model)))


def draft(core: Core, client: str = "acme", month: str = "2026-10", channel: str = REVIEW):  # type: ignore[no-untyped-def]
    return core.report(where=Where("slack", channel, "U0ENG1"), client=client, month=month,
                       now=at("2026-11-01T09:00:00Z"))


def test_month_window() -> None:
    assert month_window("2026-12") == (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
    with pytest.raises(BadInput):
        month_window("2026-13")


def test_every_statement_cites_sources_of_that_client_only(core: Core) -> None:
    report = draft(core)
    assert report.statements and all(s.sources for s in report.statements)
    assert {s.tenant for s in report.sources()} == {"acme"}
    bullets = [line for line in report.markdown.splitlines() if line.startswith("- ")]
    assert len(bullets) == len(report.statements)
    for line in bullets:
        assert " Sources: " in line and LINK.search(line.split(" Sources: ")[-1]), line
    # Ridgeline's ticket names Acme and shares a device name; none of it is in Acme's report.
    for leak in ("#201", "tickets/201", "Ridgeline", "ridge", "99% used"):
        assert leak not in report.markdown


def test_the_numbers_of_the_month(core: Core) -> None:
    report = draft(core)
    sections = dict(report.sections)
    tickets = [s.text for s in sections["Tickets"]]
    assert tickets[0].startswith("5 tickets opened (by priority: P3 5; by category: backup 2, network 2, none 1)")
    assert tickets[1] == "3 tickets resolved or closed."  # 101, 102, 103
    assert tickets[2] == "2 of the tickets opened this month were still open at month end."  # 104, 105
    assert tickets[3] == "1 ticket was reopened after being resolved."  # 102
    times = [s.text for s in sections["Response and resolution times"]]
    # Only 101 has a staff note (5 min); resolutions 2.5 h, 28 h, 2 h against 24 h.
    assert times[0] == ("P3: 5 tickets; first response median 5m, 1 of 1 within the 4.0h target; resolution "
                        "median 2.5h, 2 of 3 within the 24.0h target; 2 not resolved yet.")
    assert times[1] == "P3 resolved outside the 24.0h target: #102 after 28.0h."
    assert [s.sources[0].id for s in sections["Response and resolution times"]][1] == "102"
    notable = [s.sources[0].id for s in sections["Notable incidents"]]
    assert notable == ["101", "102", "104"]  # escalated or reopened
    assert "Targets (response / resolution" in report.markdown


def test_draft_is_stored_with_its_turnaround_and_audited(core: Core) -> None:
    report = draft(core)
    [row] = [r for r in rows(core, Report) if r.pk == report.report_id]
    assert row.requested_at == at("2026-11-01T09:00:00Z") and row.ready_at is not None and row.sent_at is None
    assert row.markdown == report.markdown and row.sources
    core.record_report_posted(report, where=Where("slack", REVIEW, "U0ENG1"), message_id="9.9")
    posted = [e for e in rows(core, AuditEvent) if e.action == "report_posted"]
    assert posted[0].channel == REVIEW and posted[0].detail["sources"]
    assert [p.kind for p in rows(core, PostedMessage)] == ["report"]


@pytest.mark.parametrize("where", [
    Where("slack", "C0ACME", "U0ENG1"),  # the client's own channel
    Where("slack", "D0DIRECT", "U0ENG1", is_direct=True, member_of=frozenset({NOC})),  # a DM that sees every client
    Where("slack", NOC, "U0ENG1", externally_shared=True),  # a NOC channel someone shared out
    Where("slack", "C0RANDOM", "U0ENG1"),  # an unmapped channel
])
def test_drafts_are_refused_anywhere_but_internal_channels(core: Core, where: Where) -> None:
    before = len(rows(core, Report))
    with pytest.raises(Refused):
        core.report(where=where, client="acme", month="2026-10")
    assert len(rows(core, Report)) == before
    assert [e.action for e in rows(core, AuditEvent)][-1] == "refused"
    with pytest.raises(Refused):
        core.record_report_posted(draft(core), where=where, message_id="1")


def test_noc_channel_names_the_client_by_alias(core: Core) -> None:
    assert draft(core, client="ACME Dental", channel=NOC).tenant == "acme"
    with pytest.raises(NotFound):
        draft(core, client="Nobody", channel=NOC)


def test_mark_sent_once_from_an_internal_place_and_the_metrics_see_it(core: Core) -> None:
    report = draft(core)
    with pytest.raises(Refused):
        core.mark_report_sent(report.report_id, where=Where("slack", "C0ACME", "U0ENG1"))
    row, changed = core.mark_report_sent(report.report_id, where=Where("slack", NOC, "U0ENG2"),
                                         at=at("2026-11-01T15:00:00Z"))
    assert changed and row.marked_sent_by == "U0ENG2" and row.sent_at == at("2026-11-01T15:00:00Z")
    row, changed = core.mark_report_sent(report.report_id, where=Where("cli", user_id="op"))
    assert not changed and row.marked_sent_by == "U0ENG2"
    with pytest.raises(NotFound):
        core.mark_report_sent(99999, where=Where("cli", user_id="op"))
    m = core.metrics(where=Where("cli", user_id="op"), client="acme").view.clients[0].measures
    # The world's sent report (1 day) and this one (6 h): median 15 h.
    assert m.report_turnaround_s.n == 2 and m.report_turnaround_s.median == 54000.0


def test_client_text_is_literal_markdown() -> None:
    assert esc("[click](https://evil) *bold* <b>") == r"\[click\](https://evil) \*bold\* \<b\>"


def test_audit_cli_shows_refusals_and_what_was_shown(core: Core, db_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from adapters.cli.main import main

    with pytest.raises(Refused):
        core.report(where=Where("slack", "C0ACME", "U0ENG1"), client="acme", month="2026-10")
    core.record_report_posted(draft(core), where=Where("slack", REVIEW, "U0ENG1"), message_id="9.9")
    base = ["--data-dir", str(tmp_path / "d"), "--database-url", db_url, "audit"]
    assert main(base + ["--refusals"]) == 0
    out = capsys.readouterr().out
    assert "refused" in out and "C0ACME" in out and "report acme 2026-10" in out
    assert main(base + ["--tenant", "acme", "--json"]) == 0
    import json

    events = json.loads(capsys.readouterr().out)
    [posted] = [e for e in events if e["action"] == "report_posted"]
    assert posted["channel"] == REVIEW and posted["actor"] == "U0ENG1" and posted["detail"]["sources"]
    assert main(base) == 2  # needs --tenant or --refusals


def test_priority_targets_from_settings(tmp_path: Path) -> None:
    from bot.config import load_settings
    from bot.errors import ConfigError

    s = load_settings(data_dir=tmp_path, response_targets="P1=10m, p2=1.5h", resolution_targets="P1=2d")
    assert s.response_targets == {"P1": 600.0, "P2": 5400.0} and s.resolution_targets == {"P1": 172800.0}
    assert load_settings(data_dir=tmp_path).response_targets["P3"] == 4 * 3600
    with pytest.raises(ConfigError, match="response_targets"):
        load_settings(data_dir=tmp_path, response_targets="P1=soon")


def test_requests_at_the_same_moment_get_consecutive_revisions(core: Core) -> None:
    """Four requests for one client and period at once: one report, revisions 1..4, none twice.

    Each thread drafts, then all store at once (a barrier), so every one of them first reads the same
    latest revision; the unique key makes all but one retry. Runs on SQLite and on PostgreSQL.
    """
    import threading

    from bot.reporting import report_store

    real_save, barrier = report_store.save, threading.Barrier(4)
    first_try: set[int] = set()

    def save_together(session, report, **kwargs):  # type: ignore[no-untyped-def]
        if threading.get_ident() not in first_try:  # only the first attempt waits for the others
            first_try.add(threading.get_ident())
            barrier.wait(timeout=60)
        return real_save(session, report, **kwargs)

    results, errors = [], []

    def ask() -> None:
        try:
            results.append(draft(core, month="2026-09"))  # a period without a report yet
        except Exception as exc:  # noqa: BLE001  (the assertion below shows it)
            errors.append(exc)

    report_store.save = save_together  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        report_store.save = real_save  # type: ignore[assignment]
    assert not errors, errors
    assert sorted(r.revision for r in results) == [1, 2, 3, 4]
    assert len({r.report_no for r in results}) == 1
    stored = sorted((r.report_no, r.revision) for r in rows(core, Report) if r.month == "2026-09")
    assert stored == [(results[0].report_no, n) for n in (1, 2, 3, 4)]
    assert all(r.markdown.count(f"Revision {r.revision} of report {r.report_no}.") == 1 for r in results)


def test_the_database_refuses_a_second_row_with_the_same_revision(core: Core) -> None:
    from sqlalchemy.exc import IntegrityError

    first = draft(core, month="2026-09")
    with pytest.raises(IntegrityError), core.session() as session:
        session.add(Report(tenant_id="acme", month="2026-09", requested_at=at("2026-11-01T09:00:00Z"), markdown="",
                           sources=[], report_no=first.report_no, revision=1, period_report=1))
        session.flush()
