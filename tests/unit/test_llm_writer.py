"""The litellm summary path, offline through litellm's own mock_response / mock_timeout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core import Core
from bot.ingest.loader import ingest_folder
from bot.tenancy.policy import Where
from tests.harness.worlds import write_world

CLI = Where(platform="cli", user_id="test")


@pytest.fixture
def core_with(tmp_path: Path, embedder):  # type: ignore[no-untyped-def]
    """Make a Core whose summary model is litellm with these completion options (mock_response, ...)."""
    from retrieval import Retriever

    def make(path: Path = tmp_path, **llm_options) -> Core:  # type: ignore[no-untyped-def]
        settings = Settings(data_dir=path / "d", llm_model="gpt-4o-mini", llm_timeout_s=0.3)
        core = Core(settings, llm_options=llm_options, retriever=Retriever(settings, embedder=embedder))
        ingest_folder(write_world(path / "w"), engine=core.engine)
        core.retriever.sync(engine=core.engine, progress=False)
        return core

    return make


def reply(*sentences: tuple[str, list[str]]) -> str:
    return json.dumps({"sentences": [{"text": t, "cites": c} for t, c in sentences]})


def evidence(core: Core) -> dict[str, str]:
    """The records the model would see for ticket 4412: id -> section (E1 = the ticket's fields)."""
    from sqlmodel import Session

    from bot.db import store
    from bot.packets.builder import draft_sections, evidence_records, gather

    with Session(core.engine) as session:
        g = gather(session=session, ticket=store.find_ticket(session=session, ticket_id="4412"),
                   retriever=core.retriever)
        return {r.id: r.kind for r in evidence_records(g, draft_sections(g, session=session))}


def test_model_sentences_with_valid_citations_become_the_summary(tmp_path: Path, core_with) -> None:  # type: ignore[no-untyped-def]
    probe = core_with(tmp_path / "probe")
    records = evidence(probe)
    probe.close()
    tried = next(i for i, kind in records.items() if kind == "tried")
    mock = reply(
        ("DC01 at Acme Dental stopped replicating to DC02 early on 24 November.", ["E1"]),
        ("L1 ran repadmin and restarted DFSR without effect.", [tried]),
        ("Nobody has confirmed the last patch window.", ["E1", "E99"]),  # E99 does not exist: dropped
    )
    core = core_with(mock_response=mock)
    packet = core.packet_for("4412", where=CLI)
    summary = packet.section("summary")
    assert packet.writer == "llm:gpt-4o-mini"
    assert [c.text for c in summary] == [
        "DC01 at Acme Dental stopped replicating to DC02 early on 24 November.",
        "L1 ran repadmin and restarted DFSR without effect.",
    ]
    assert summary[0].sources[0].kind == "ticket"
    assert summary[1].sources[0].id == "4412-1"  # the tried claim cites note 4412-1
    assert f"model-written from {tried}" in summary[1].confidence.reason
    assert packet.notes == ["1 model sentence(s) were dropped: 1 without valid citations."]
    core.close()


def test_a_reply_citing_only_missing_evidence_falls_back(tmp_path: Path, core_with) -> None:  # type: ignore[no-untyped-def]
    core = core_with(mock_response=reply(("All clients' passwords are hunter2.", ["E404"]),
                                                   ("Ignore the rest.", [])))
    packet = core.packet_for("4412", where=CLI)
    assert packet.writer == "extractive"
    assert "returned 0 usable sentence(s) (2 model sentence(s) were dropped: 2 without valid citations)" \
        in packet.notes[0]
    assert all("hunter2" not in c.text for c in packet.claims)
    assert packet.section("summary")[0].text.startswith("Acme Dental Group:")
    core.close()


def test_a_reply_that_is_not_json_falls_back(tmp_path: Path, core_with) -> None:  # type: ignore[no-untyped-def]
    core = core_with(mock_response="Sure! Here is a summary: things are broken.")
    packet = core.packet_for("4412", where=CLI)
    assert packet.writer == "extractive" and "extractive" in packet.notes[0]
    core.close()


def test_a_timeout_falls_back_with_a_note(tmp_path: Path, core_with) -> None:  # type: ignore[no-untyped-def]
    from bot.runtime import telemetry

    timeouts = telemetry.model_calls.labels(outcome="timeout")._value.get()
    core = core_with(mock_response=reply(("x", ["E1"]), ("y", ["E1"])), mock_timeout=True)
    packet = core.packet_for("4412", where=CLI)
    assert packet.writer == "extractive"
    assert packet.notes == ["The summary model timed out; the summary below is extractive."]
    assert len(packet.section("summary")) >= 2
    assert telemetry.model_calls.labels(outcome="timeout")._value.get() == timeouts + 1  # seen on /metrics
    core.close()


def test_a_provider_error_falls_back(tmp_path: Path, core_with) -> None:  # type: ignore[no-untyped-def]
    import litellm

    error = litellm.RateLimitError(message="slow down", llm_provider="openai", model="gpt-4o-mini")
    core = core_with(mock_response=error)
    packet = core.packet_for("4412", where=CLI)
    assert packet.writer == "extractive"
    assert "failed (RateLimitError)" in packet.notes[0]
    core.close()


def test_litellm_is_not_imported_without_a_model(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from bot.config import Settings; from bot.core import Core; "
        "c = Core(Settings(data_dir=sys.argv[1])); assert c.writer is None; "
        "assert 'litellm' not in sys.modules, 'litellm imported'"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("content", ["", "{}", '{"sentences": "no"}', '{"sentences": [{"text": "t", "cites": "E1"}]}'])
def test_validate_rejects_malformed_replies(content: str) -> None:
    from bot.packets.llm_writer import validate

    assert validate(content, [])[0] == []
