"""The client version under attack: ticket titles and customer-visible notes carrying commands, paths,
links, credentials, another client's name or an internal note's words are left out (the internal version
says which and why); the model-written summary is checked the same way; the CLI's formats and errors."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from adapters.cli.main import main
from bot.config import Settings
from bot.core import Core
from bot.db.models import Ticket, TicketNote
from bot.reporting.client_check import ClientGate, is_command
from bot.tenancy.policy import Where
from tests.harness import metrics_world
from tests.harness.fake_llm import HANG, FakeLlm, reply
from tests.harness.metrics_world import at

NOC = "C0NOC"
WHERE = Where("slack", NOC, "U0ENG1")
NOTE = "Pushed the signature update through the RMM and rebooted the front desk machine twice."
HOSTILE = {
    "901": "Ran Set-MpPreference -DisableRealtimeMonitoring on FRONT-PC",
    "902": "Share \\\\ACME-FS01\\scans missing for Ridgeline too",
    "903": "See https://rmm.example-msp.com/alerts/1 and handoff://signals/3",
    "904": "pushed the signature update through the RMM and rebooted",  # 9 words of an internal note
}


@pytest.fixture
def core(tmp_path: Path) -> Iterator[Core]:
    c = Core(Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{tmp_path / 'h.db'}",
                      slack_noc_channels=NOC, msp_name="Northwind IT"))
    metrics_world.build(tmp_path / "w", c.engine)
    with c.session() as session:
        for i, (tid, title) in enumerate(HOSTILE.items()):
            opened = at("2026-10-20T09:00:00Z") + timedelta(hours=i)
            session.add(Ticket(id=tid, tenant_id="acme", title=title, status="in_progress", priority="P1",
                               category="endpoint", created_at=opened, content_hash=tid, updated_at=opened))
            session.add(TicketNote(tenant_id="acme", ticket_id=tid, note_id=f"n{tid}", at=opened, author="Sam (MSP)",
                                   visibility="internal", text=NOTE))
        # Sam is MSP staff (writes internal notes on 101), so the customer-visible note is the MSP's update.
        session.add(TicketNote(tenant_id="acme", ticket_id="101", note_id="n101i", at=at("2026-10-05T11:00:00Z"),
                               author="Sam (MSP)", visibility="internal", text="Looking at the mapped drive."))
        session.add(TicketNote(tenant_id="acme", ticket_id="101", note_id="n101c", at=at("2026-10-05T12:00:00Z"),
                               author="Sam (MSP)", visibility="customer",
                               text="Fixed: we ran gpupdate /force on your PC and the drive is back."))
    yield c
    c.close()


def test_gate_names_what_is_wrong() -> None:
    gate = ClientGate.build(internal_notes=[NOTE], other_names=["Ridgeline Manufacturing", "Ridgeline"],
                            own_names=["Acme Dental Group", "Acme"])
    assert gate.problem("The printer on the Main St desk jammed twice.") is None
    assert gate.problem("We ran Get-ADUser for you") == "contains a command line or a path"
    assert gate.problem("Use the -Force switch") == "contains a command line or a path"
    assert gate.problem("Files are in C:\\Scans now") == "contains a command line or a path"
    assert gate.problem("run handoff report --show 3") == "contains a command line or a path"
    assert gate.problem("Details: https://psa.example.com/t/1") == "contains a link"
    assert gate.problem("Same as at Ridgeline last week") == "names another client"
    assert gate.problem("We pushed the signature update through the RMM for you") == "quotes an internal note"
    assert gate.problem("The new password is Winter2026!") == "contains a credential"
    # Plain words that merely look like flags or tools stay: hyphenated words, "e-mail", dates.
    assert not is_command("A follow-up on the e-mail from Oct 3 - Oct 5 about the Wi-Fi set-up")


def test_hostile_titles_and_notes_are_left_out_of_the_client_version_and_listed_internally(core: Core) -> None:
    draft = core.report(where=WHERE, client="acme", month="2026-10")
    client = draft.client_markdown
    for title in HOSTILE.values():
        assert title not in client
    for leak in ("Set-MpPreference", "-Disable", "\\\\", "Ridgeline", "https://", "handoff://", "gpupdate",
                 "/force", "signature update through the RMM"):
        assert leak not in client, leak
    assert "A problem with computers and laptops" in client  # the plain phrase in place of a title
    reasons = {(item["what"], item["why"]) for item in draft.review.left_out}
    assert ("the title of ticket #901", "contains a command line or a path") in reasons
    assert ("the title of ticket #902", "contains a command line or a path") in reasons  # the path is found first
    assert ("the title of ticket #903", "contains a link") in reasons
    assert ("the title of ticket #904", "quotes an internal note") in reasons
    assert ("the update to the client on #101", "contains a command line or a path") in reasons
    internal = draft.markdown.split("## Left out of the client version", 1)[1]
    assert "the title of ticket \\#901: contains a command line or a path (E" in internal  # Markdown-escaped


def test_the_model_summary_is_checked_like_everything_the_client_reads(core: Core) -> None:
    llm = FakeLlm(script=[reply(
        ("October was a busy month with twelve new requests, most about backups.", ["F1", "F2"]),
        ("Every request was answered on time.", ["F4"]),
        ("Ridgeline had the same problem.", ["F1"]),  # another client
        ("We ran Get-MpComputerStatus on every PC.", ["F1"]),  # a command
        ("Nothing else happened.", ["F99"]),  # cites nothing given
    )]).start()
    try:
        core.settings.llm_model, core.settings.llm_api_base = "openai/gpt-4o-mini", llm.api_base
        core.llm_options = {"api_key": "sk-test"}
        draft = core.report(where=WHERE, client="acme", month="2026-10")
    finally:
        llm.stop()
    narrative = draft.review.narrative
    assert narrative["writer"] == "llm:openai/gpt-4o-mini"
    assert [s["text"] for s in narrative["happened"]] == [
        "October was a busy month with twelve new requests, most about backups.",
        "Every request was answered on time."]
    assert all(s["cites"] and all(c.startswith("E") for c in s["cites"]) for s in narrative["happened"])
    assert "Ridgeline" not in draft.client_markdown and "Get-Mp" not in draft.client_markdown
    seen = llm.prompt_text()
    assert NOTE not in seen and "Set-MpPreference" not in seen and "https://" not in seen  # only client facts


def test_a_hanging_model_keeps_the_plain_summary_and_says_why(core: Core) -> None:
    llm = FakeLlm(script=[HANG]).start()
    try:
        core.settings.llm_model, core.settings.llm_api_base = "openai/gpt-4o-mini", llm.api_base
        core.settings.llm_timeout_s = 1.0
        core.llm_options = {"api_key": "sk-test"}
        draft = core.report(where=WHERE, client="acme", month="2026-10")
    finally:
        llm.stop()
    assert draft.review.narrative["writer"] == "plain" and draft.review.narrative["did"]
    assert any(i["what"] == "the model-written summary" and "timed out" in i["why"] for i in draft.review.left_out)


def _cli(tmp_path: Path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path / "d"), "--database-url", f"sqlite:///{tmp_path / 'h.db'}",
                 "report", *args])


def test_cli_formats_audiences_and_the_old_out_flag(core: Core, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "acme.pdf"
    assert _cli(tmp_path, "--tenant", "acme", "--month", "2026-10", "--format", "pdf", "--audience", "client",
                "--output", str(pdf)) == 0
    out = capsys.readouterr().out
    assert "Wrote the client version (pdf" in out
    revision = int(re.search(r"revision (\d+), for internal review", out).group(1))  # type: ignore[union-attr]
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Acme Dental Group: service report, October 2026" in " ".join(text.split())
    html = tmp_path / "acme.html"
    assert _cli(tmp_path, "--tenant", "acme", "--month", "2026-10", "--format", "html", "--out", str(html)) == 0
    page = html.read_text()
    # Standalone (stylesheet inlined), the internal version, and a new revision of the same report.
    assert "<style>" in page and 'id="E1"' in page and f"revision {revision + 1}" in page
    assert _cli(tmp_path, "--tenant", "acme", "--quarter", "2026-Q4", "--audience", "client") == 0
    assert "# Acme Dental Group: service report, Q4 2026" in capsys.readouterr().out


@pytest.mark.parametrize("args, says", [
    (["--tenant", "acme", "--month", "2026-10", "--format", "pdf"], "--format pdf needs --output FILE"),
    (["--tenant", "acme", "--quarter", "2026-Q5"], "YYYY-Qn"),
    (["--tenant", "acme"], "needs --tenant and --month or --quarter"),
    (["--tenant", "acme", "--month", "2026-10", "--output", "/nonexistent/dir/x.md"], "--output: cannot write"),
])
def test_cli_bad_input_exits_2_naming_it(core: Core, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         args: list[str], says: str) -> None:
    assert _cli(tmp_path, *args) == 2
    assert says in capsys.readouterr().err


def test_no_transaction_is_held_while_the_model_writes(core: Core, tmp_path: Path) -> None:
    """Issue #12: while the model is being asked (held open here until released), another writer of the
    same SQLite database gets its write lock; the draft is stored after the model answered."""
    import threading

    from sqlmodel import Session, select

    from bot.db.engine import make_engine
    from bot.db.models import Alert, Report

    called, release, written = threading.Event(), threading.Event(), threading.Event()

    def held_model() -> str:
        called.set()
        release.wait(timeout=60)
        return reply(("October brought twelve new requests.", ["F1"]), ("Most were about backups.", ["F2"]))

    with core.session() as session:  # an alert triage has not classified yet: the draft's read writes
        session.add(Alert(tenant_id="acme", source="rmm", external_id="pending-1", device="FRONT-PC",
                          check_name="Disk", message="C: 95% used", at=at("2026-10-21T10:00:00Z"),
                          content_hash="p1", received_at=at("2026-10-21T10:00:05Z")))
    llm = FakeLlm(script=[held_model]).start()
    core.settings.llm_model, core.settings.llm_api_base = "openai/gpt-4o-mini", llm.api_base
    core.settings.llm_timeout_s = 60.0
    core.llm_options = {"api_key": "sk-test"}
    outcome: dict[str, object] = {}
    asking = threading.Thread(target=lambda: outcome.update(draft=core.report(where=WHERE, client="acme",
                                                                             month="2026-10")))
    other = make_engine(core.settings.database_url, busy_timeout_s=2.0)  # a locked database fails, not waits
    try:
        asking.start()
        assert called.wait(timeout=60), "the model was never asked"
        with Session(other) as session:  # an alert arriving while the model writes
            session.add(Alert(tenant_id="acme", source="rmm", external_id="during-model", device="FRONT-PC",
                              check_name="Disk", message="C: 96% used", at=at("2026-10-22T10:00:00Z"),
                              content_hash="p2", received_at=at("2026-10-22T10:00:05Z")))
            session.commit()
            written.set()
        with Session(other) as session:  # and nothing of this request is stored yet
            assert session.exec(select(Report).where(Report.month == "2026-10",
                                                     Report.requested_by == "U0ENG1")).first() is None
    finally:
        release.set()
        asking.join(timeout=120)
        llm.stop()
        other.dispose()
    assert written.is_set()
    draft = outcome["draft"]
    assert draft.review.narrative["writer"] == "llm:openai/gpt-4o-mini" and draft.report_id is not None
