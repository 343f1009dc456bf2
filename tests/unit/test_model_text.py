"""Model text is untrusted input: hostile sentences with valid citations, garbage, hangs and errors.

The model is a local OpenAI-compatible stand-in (tests/harness/fake_llm.py)
reached through litellm's real OpenAI client (``api_base`` points at it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core import Core
from bot.tenancy.policy import Where
from tests.harness.fake_llm import HANG, FakeLlm, reply
from tests.harness.worlds import core_with_index, write_world

CLI = Where(platform="cli", user_id="test")
ROOT = Path(__file__).resolve().parents[2]
GOOD = [("DC01 at Acme Dental has failed to replicate to DC02 since early on 24 November.", ["E1"]),
        ("L1 checked replication and restarted DFSR without effect.", ["E1"])]


@pytest.fixture
def llm() -> Iterator[FakeLlm]:
    fake = FakeLlm()
    yield fake
    fake.stop()


@pytest.fixture
def make_core(tmp_path: Path, embedder: Any, llm: FakeLlm):  # type: ignore[no-untyped-def]
    cores: list[Core] = []

    def make(*script: Any, timeout_s: float = 5.0) -> Core:
        llm.script = list(script)
        llm.start()
        settings = Settings(data_dir=tmp_path / "d", llm_model="openai/gpt-4o-mini", llm_timeout_s=timeout_s,
                            llm_api_base=llm.api_base)
        core = core_with_index(settings, embedder, write_world(tmp_path / "w"))
        core.llm_options = {"api_key": "sk-test"}
        cores.append(core)
        return core

    yield make
    for core in cores:
        core.close()


def test_hostile_sentences_with_valid_citations_never_reach_the_packet(make_core) -> None:  # type: ignore[no-untyped-def]
    hostile = ["The admin password is hunter2.", "Ridgeline Manufacturing had the same failure last month.",
               "Close the ticket now.", "The engineer should email the customer the DSRM password."]
    core = make_core(reply(*GOOD, *((h, ["E1"]) for h in hostile)))
    packet = core.packet_for("4412", where=CLI)
    texts = [c.text for c in packet.claims]
    assert packet.writer == "llm:openai/gpt-4o-mini"
    assert [c.text for c in packet.section("summary")] == [t for t, _ in GOOD]
    for sentence in hostile:
        assert sentence not in texts
    assert not any("hunter2" in t or "Ridgeline" in t for t in texts)
    assert packet.notes == ["4 model sentence(s) were dropped: 1 with a credential, 1 naming another client, "
                            "2 telling the reader to act."]


def test_non_string_values_are_rejected_not_stringified(make_core) -> None:  # type: ignore[no-untyped-def]
    odd = json.dumps({"sentences": [
        {"text": {"injected": True}, "cites": ["E1"]}, {"text": 42, "cites": ["E1"]},
        {"text": "A sentence citing a number.", "cites": [1]}, {"text": ["a", "list"], "cites": ["E1"]},
        *({"text": t, "cites": c} for t, c in GOOD)]})
    core = make_core(odd)
    packet = core.packet_for("4412", where=CLI)
    assert [c.text for c in packet.section("summary")] == [t for t, _ in GOOD]
    assert packet.notes == ["4 model sentence(s) were dropped: 4 not a sentence with a list of citations."]


def test_a_hanging_model_gives_the_extractive_summary_within_the_timeout(make_core, llm: FakeLlm) -> None:  # type: ignore[no-untyped-def]
    core = make_core(HANG, timeout_s=1.0)
    core.packet_for("4412", where=CLI, rebuild=True)  # warm: litellm's import is not the model's time
    llm.requests.clear()
    started = time.monotonic()
    packet = core.packet_for("4412", where=CLI, rebuild=True)
    elapsed = time.monotonic() - started
    assert packet.writer == "extractive"
    assert packet.notes == ["The summary model timed out; the summary below is extractive."]
    assert elapsed < 1.0 + 2.0, f"a hanging model held the packet for {elapsed:.1f} s"
    assert len(llm.requests) == 1, "a timeout is not retried (litellm's own retries are off too)"


def test_a_server_error_is_retried_once_then_the_packet_is_extractive(make_core, llm: FakeLlm) -> None:  # type: ignore[no-untyped-def]
    core = make_core(("status", 500))
    packet = core.packet_for("4412", where=CLI)
    assert len(llm.requests) == 2  # the first try and one retry, nothing more
    assert packet.writer == "extractive" and "failed" in packet.notes[0]


def test_one_server_error_then_an_answer_uses_the_answer(make_core, llm: FakeLlm) -> None:  # type: ignore[no-untyped-def]
    core = make_core(("status", 503), reply(*GOOD))
    packet = core.packet_for("4412", where=CLI)
    assert len(llm.requests) == 2
    assert [c.text for c in packet.section("summary")] == [t for t, _ in GOOD]


@pytest.mark.parametrize("script", [("status", 500), "not json at all {", HANG])
def test_json_output_stays_valid_whatever_the_model_does(tmp_path: Path, embedder: Any, llm: FakeLlm,
                                                         script: Any) -> None:
    llm.script = [script]
    llm.start()
    data = tmp_path / "d"
    core_with_index(Settings(data_dir=data), embedder, write_world(tmp_path / "w")).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDOFF_LLM_MODEL": "openai/gpt-4o-mini",
           "HANDOFF_LLM_API_BASE": llm.api_base, "HANDOFF_LLM_TIMEOUT_S": "1", "OPENAI_API_KEY": "sk-test",
           "LITELLM_LOG": "DEBUG"}
    result = subprocess.run([sys.executable, "-m", "adapters.cli.main", "--data-dir", str(data), "packet", "4412",
                             "--json"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    packet = json.loads(result.stdout)  # nothing but the packet on stdout
    assert packet["writer"] == "extractive" and packet["notes"]
