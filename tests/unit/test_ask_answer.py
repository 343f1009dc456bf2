"""``ask`` that answers: with a model, a short answer citing the excerpts and checked like the summary;
without one, or when the model fails, the best distinct excerpts.

The model is the local OpenAI-compatible stand-in (tests/harness/fake_llm.py),
reached through litellm's real OpenAI client (``api_base`` points at it), as in
test_model_text.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core import Core
from bot.tenancy.policy import Where
from tests.harness.fake_llm import FakeLlm, reply
from tests.harness.worlds import DOCS, core_with_index, write_world

CLI = Where(platform="cli", user_id="test")
QUESTION = "which firewall exception does the imaging server need"
ANSWER = "The imaging server needs TCP 8443 allowed from 10.1.2.3 through the firewall."


@pytest.fixture
def llm() -> Iterator[FakeLlm]:
    fake = FakeLlm()
    yield fake
    fake.stop()


@pytest.fixture
def make_core(tmp_path: Path, embedder: Any, llm: FakeLlm):  # type: ignore[no-untyped-def]
    cores: list[Core] = []

    def make(*script: Any, model: bool = True) -> Core:
        settings = Settings(data_dir=tmp_path / f"d{len(cores)}")
        if model:
            llm.script = list(script)
            llm.start()
            settings = Settings(data_dir=tmp_path / f"d{len(cores)}", llm_model="openai/gpt-4o-mini",
                                llm_timeout_s=5.0, llm_api_base=llm.api_base)
        core = core_with_index(settings, embedder, write_world(tmp_path / f"w{len(cores)}", docs=DOCS))
        core.llm_options = {"api_key": "sk-test"}
        cores.append(core)
        return core

    yield make
    for core in cores:
        core.close()


def test_the_written_answer_cites_the_excerpts_it_rests_on(make_core, llm: FakeLlm) -> None:  # type: ignore[no-untyped-def]
    core = make_core(reply((ANSWER, ["X1"])))
    answer = core.ask(QUESTION, where=CLI, client="acme")
    assert [s.text for s in answer.written] == [ANSWER]
    assert answer.written[0].cites == (1,)
    assert answer.hits[0].tenant == "acme" and "8443" in answer.hits[0].text
    # A written sentence is no surer than the excerpt it cites.
    assert answer.written[0].confidence.score < answer.hits[0].confidence.score
    assert answer.note is None
    # The model saw the question and this client's excerpts only, as records to cite.
    sent = llm.prompt_text()
    assert QUESTION in sent and '"id": "X1"' in sent
    assert "Ridgeline" not in sent and "plant flaps" not in sent


def test_hostile_answer_sentences_are_dropped(make_core) -> None:  # type: ignore[no-untyped-def]
    hostile = [("The imaging server is at 10.1.2.3.", []),  # cites nothing
               ("Ridgeline Manufacturing has the same exception.", ["X1"]),  # another client
               ("The admin password is hunter2.", ["X1"]),  # a credential
               ("Close the ticket once the port is open.", ["X1"]),  # an order
               ("Port 8443 is also in X9.", ["X9"])]  # an excerpt that does not exist
    core = make_core(reply((ANSWER, ["X1"]), *hostile))
    answer = core.ask(QUESTION, where=CLI, client="acme")
    assert [s.text for s in answer.written] == [ANSWER]
    assert answer.note == ("5 model sentence(s) were dropped: 2 without valid citations, 1 naming another client, "
                           "1 with a credential, 1 telling the reader to act.")


def test_an_all_hostile_answer_leaves_the_excerpts_and_says_why(make_core) -> None:  # type: ignore[no-untyped-def]
    core = make_core(reply(("Close the ticket now.", ["X1"])))
    answer = core.ask(QUESTION, where=CLI, client="acme")
    assert answer.written == [] and answer.hits
    assert answer.note == "1 model sentence(s) were dropped: 1 telling the reader to act. Below are the best excerpts."


def test_a_failing_model_leaves_the_excerpts(make_core, llm: FakeLlm) -> None:  # type: ignore[no-untyped-def]
    core = make_core(("status", 500))
    answer = core.ask(QUESTION, where=CLI, client="acme")
    assert len(llm.requests) == 2  # one retry of a server error, as for the summary
    assert answer.written == [] and answer.hits
    assert answer.note is not None and "failed" in answer.note


def test_without_a_model_the_answer_is_the_distinct_excerpts(make_core, llm: FakeLlm) -> None:  # type: ignore[no-untyped-def]
    core = make_core(model=False)
    answer = core.ask(QUESTION, where=CLI, client="acme")
    assert answer.written == [] and answer.note is None and not llm.requests
    assert "8443" in answer.hits[0].text
    assert len({h.url for h in answer.hits}) == len(answer.hits)


def test_a_multi_word_client_name_then_the_question(make_core) -> None:  # type: ignore[no-untyped-def]
    core = make_core(reply((ANSWER, ["X1"])))
    answer = core.ask(f"Acme Dental Group {QUESTION}", where=CLI, client_first=True)
    assert answer.tenant == "acme" and answer.question == QUESTION
    assert [s.text for s in answer.written] == [ANSWER]


def test_renderers_show_the_answer_with_its_excerpt_numbers(make_core) -> None:  # type: ignore[no-untyped-def]
    from adapters.slack.blocks import answer_message
    from adapters.teams.answer_cards import answer_card

    core = make_core(reply((ANSWER, ["X1"])))
    answer = core.ask(QUESTION, where=CLI, client="acme")
    slack = json.dumps(answer_message(answer).blocks)
    assert "*Answer:* " + ANSWER + " [1]" in slack and "\"*[1] " in slack
    teams = json.dumps(answer_card(answer))
    assert ANSWER + " [1]" in teams and '"text": "[1] ' in teams
