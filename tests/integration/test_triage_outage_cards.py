"""The demo's Elm St site outage (tests/integration/test_demo_outage.py builds it the same way) in the Slack
and Teams triage cards: the correlated signal shows its probable root and its effects, like ``handoff
triage``; in Acme's channel nothing of Ridgeline's (whose DC01 failed in the same minutes) appears, and in
a NOC channel each client's signals stay their own (Ridgeline's has no root).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.cli.commands.demo import demo_folder
from adapters.slack.blocks import triage_message
from adapters.slack.validate import problems
from adapters.teams.answer_cards import triage_card
from bot.chat.views import TriageView
from bot.config import Settings
from bot.core import Core
from bot.ingest.demo.outage import START
from bot.ingest.loader import ingest_folder
from bot.tenancy.policy import Where
from tests.harness.teams_harness import card_schema

AT = START + timedelta(minutes=40)
ACME_SLACK, ACME_TEAMS, NOC = "C0ACME01", "19:acme-ops@thread.tacv2", "C0MSPNOC"
EFFECTS = ("ACME-ELM-MX", "ACME-HQ-MX", "DC03", "ACME-ELM-PRN01")


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Core]:
    root = tmp_path_factory.mktemp("outage-cards")
    c = Core(Settings(data_dir=root / "data", database_url=f"sqlite:///{root / 'h.db'}", slack_noc_channels=[NOC]))
    summary = ingest_folder(demo_folder(), engine=c.engine)
    assert summary.ok, summary.errors[:5]
    yield c
    c.close()


def outage_of(view: TriageView) -> list:  # type: ignore[type-arg]
    return [s for s in view.signals if s.root]


def test_slack_triage_in_acmes_channel_shows_root_and_effects_and_nothing_of_ridgeline(core: Core) -> None:
    view = core.triage(where=Where("slack", ACME_SLACK, "U0ENG1"), now=AT)
    assert {s.tenant for s in view.signals} == {"acme"}
    [outage] = outage_of(view)
    message = triage_message(view)
    assert problems(message) == []
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert "Probable root: `ACME-ELM-UPS` (failed first) · then: `ACME-ELM-MX`" in text
    assert all(f"`{d}`" in text for d in EFFECTS if d in outage.effects[:6])
    assert "Ridgeline" not in text and "ridgeline" not in text


def test_teams_triage_card_shows_root_and_effects(core: Core) -> None:
    view = core.triage(where=Where("teams", ACME_TEAMS, "29:eng"), now=AT)
    assert {s.tenant for s in view.signals} == {"acme"}
    card = triage_card(view)
    schema = card_schema()
    if schema is not None:
        assert list(schema.iter_errors(card)) == []
    text = json.dumps(card, ensure_ascii=False)
    assert "Probable root: ACME-ELM-UPS (failed first) · then: ACME-ELM-MX" in text
    assert "Ridgeline" not in text


def test_in_a_noc_channel_each_clients_signals_stay_their_own(core: Core) -> None:
    view = core.triage(where=Where("slack", NOC, "U0ENG1"), now=AT)
    by_client = {s.tenant for s in view.signals}
    assert {"acme", "ridgeline"} <= by_client
    [outage] = outage_of(view)
    assert outage.tenant == "acme" and outage.root == "ACME-ELM-UPS"
    assert all(not s.root for s in view.signals if s.tenant == "ridgeline")
    blocks = triage_message(view).blocks
    [root_block] = [b for b in blocks if "Probable root" in json.dumps(b)]
    # The root line sits in the Acme signal's block, whose meta line names Acme, never Ridgeline.
    meta = blocks[blocks.index(root_block) + 1]
    assert "Acme" in json.dumps(meta) and "Ridgeline" not in json.dumps(meta)
