"""No credential of the labelled note set reaches a packet, a Slack post, a Teams post, the model or a query.

Every line of ``bench/data/redaction_*.jsonl`` that holds a credential becomes
an L1 note of ticket 4412 (some also in its description and title). The packet
is built with a summary model (a local OpenAI-compatible stand-in), posted to a
fake Slack Web API through the real Bolt app and to a fake Bot Connector
through the real Teams adapter. Then every byte each of them received is
searched for the secrets.

The tuning half must leak nothing. The held-out half measures the redactor
(``bench/redaction.py``); here it checks the plumbing: a held-out secret may
appear only if ``redact`` misses it on its own line, never because some path
skipped redaction.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.main import make_app
from bot.tenancy.policy import Where
from bot.tenancy.secrets import REMOVED, redact
from tests.harness.fake_llm import FakeLlm, reply
from tests.harness.slack_harness import ACME, post_packet, start_harness
from tests.harness.teams_fakes import MSP_TENANT, FakeConnector, teams_activity
from tests.harness.worlds import tickets, write_world

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"


def labelled(name: str) -> list[dict[str, Any]]:
    path = DATA / f"redaction_{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def world_with_credentials(root: Path, lines: list[dict[str, Any]]) -> Path:
    ticket_rows = tickets()
    acme = ticket_rows[0]
    # Each line as an L1 work-log note ("Checked ..." makes it a step the packet shows).
    acme["notes"] = acme["notes"] + [
        {"id": f"4412-c{i}", "at": "2026-11-24T02:35:00Z", "author": "Sam (L1)", "visibility": "internal",
         "text": f"Checked the config: {row['text']}"} for i, row in enumerate(lines)
    ]
    acme["description"] = " ".join(row["text"] for row in lines[:3]) + " " + acme["description"]
    acme["title"] = f"DC01: AD replication failing ({lines[0]['text']})"
    return write_world(root, tickets_=ticket_rows)


async def test_no_credential_reaches_a_packet_a_post_or_the_model(tmp_path: Path, db_url: str, embedder: Any) -> None:
    tune, held = labelled("tune"), labelled("heldout")
    lines = [row for row in tune + held if row["secrets"]]
    llm = FakeLlm(script=[reply(("Replication from DC01 to DC02 fails since 24 November.", ["E1"]),
                                ("L1 checked the configuration and restarted DFSR.", ["E1"]))]).start()
    harness, close = await start_harness(
        tmp_path, db_url, world_with_credentials(tmp_path / "world", lines), embedder=embedder,
        microsoft_app_tenant_id=MSP_TENANT, llm_model="openai/gpt-4o-mini", llm_api_base=llm.api_base,
    )
    harness.core.llm_options = {"api_key": "sk-test"}
    queries: list[str] = []
    search = harness.core.retriever.search_knowledge

    def recording_search(**kwargs: Any) -> Any:
        queries.append(kwargs["query"])
        return search(**kwargs)

    harness.core.retriever.search_knowledge = recording_search  # type: ignore[method-assign]
    connector = FakeConnector()
    connector_server = TestServer(connector.app())
    await connector_server.start_server()
    connector.url = str(connector_server.make_url("/"))
    teams = TestClient(TestServer(make_app(harness.core)))
    await teams.start_server()
    try:
        # Built once up front (litellm's first import takes seconds); Slack and Teams post the stored packet.
        packet = await asyncio.to_thread(harness.core.packet_for, "4412", where=Where(platform="cli"))
        await post_packet(harness, "4412", channel=ACME)
        response = await teams.post("/api/messages", json=teams_activity(connector.url, text="packet 4412"))
        assert response.status in (200, 201), await response.text()
        answer = harness.core.ask(f"why does {lines[0]['text']} fail", where=Where(platform="cli"), client="acme")

        seen = {
            "packet": json.dumps(packet.to_json(), ensure_ascii=False),
            "slack": json.dumps([c.args for c in harness.fake.calls], ensure_ascii=False),
            "teams": json.dumps([c.body for c in connector.calls], ensure_ascii=False),
            "model": llm.prompt_text(),
            "queries": "\n".join(queries),
            "answer": answer.question + " ".join(h.text for h in answer.hits),
        }
        # Not vacuous: the credentials' notes are shown, redacted, and the model and Slack saw them.
        assert sum(REMOVED in c.text for c in packet.section("tried")) >= len(lines) // 2
        assert llm.requests and REMOVED in seen["model"] and REMOVED in seen["slack"] and REMOVED in seen["teams"]
        assert queries

        missed_by_redactor = {s for row in lines for s in row["secrets"] if s in redact(row["text"])}
        for where, text in seen.items():
            leaked = {s for row in lines for s in row["secrets"] if s in text}
            tune_secrets = {s for row in tune for s in row["secrets"]}
            assert not leaked & tune_secrets, f"{where} got credentials of the tuning half: {leaked & tune_secrets}"
            assert leaked <= missed_by_redactor, f"{where} skipped redaction: {leaked - missed_by_redactor}"
    finally:
        await teams.close()
        await connector_server.close()
        await close()
        llm.stop()
