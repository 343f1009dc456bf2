"""The Teams test world and the calls a test makes into the real Teams app (aiohttp + CloudAdapter).

The shared world (``worlds.TENANTS_YAML``) with Ridgeline given a Teams channel too, the escalation
hook's token, and helpers that post an activity or an escalation and read rows back. The fixtures
that start the app (``teams``) and the fake Bot Connector (``connector``) are in
``tests/adapters/conftest.py``; the fakes themselves in ``teams_fakes.py``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from jsonschema import Draft6Validator
from sqlmodel import select

from bench.support.shared_data import shared_path
from bot.core import Core
from tests.harness.worlds import TENANTS_YAML

ACME, RIDGE, NOC = "19:acme@thread.tacv2", "19:ridge@thread.tacv2", "19:noc@thread.tacv2"
TOKEN = "escalation-hook-t0ken-for-tests"
TENANTS = TENANTS_YAML.replace("      slack: [C0RIDGE]\n", f'      slack: [C0RIDGE]\n      teams: ["{RIDGE}"]\n')


def card_schema() -> Draft6Validator | None:
    """Microsoft's Adaptive Card 1.5 schema from ../shared/data, or None when it is absent."""
    path = shared_path("teams", "adaptive_cards", "schemas", "adaptive-card.1.5.0.json")
    return Draft6Validator(json.loads(path.read_text())) if path else None


async def send(teams: TestClient, activity: dict[str, Any]) -> Any:
    response = await teams.post("/api/messages", json=activity)
    assert response.status in (200, 201), await response.text()
    return await response.json() if response.status == 200 else None


async def escalate(teams: TestClient, body: dict[str, Any], token: str | None = TOKEN, **headers: str) -> Any:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await teams.post("/hooks/escalation", json=body, headers=headers)


def rows(core: Core, model: Any) -> list[Any]:
    with core.session() as session:
        return list(session.exec(select(model)))
