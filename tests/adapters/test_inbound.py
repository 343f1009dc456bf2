"""The inbound webhooks through the real aiohttp app, with the real Alertmanager examples."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func
from sqlmodel import Session, select

from adapters.inbound.app import make_app
from bench.support.shared_data import shared_path
from bot.config import Settings
from bot.core import Core
from bot.db.models import Alert, Signal
from bot.errors import ConfigError
from bot.ingest.loader import ingest_folder
from tests.harness.worlds import write_world

TOKEN = "s3cret-inbound-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def examples() -> list[Path]:
    folder = shared_path("alerts", "prometheus-msteams")
    if folder is None:
        return []
    return sorted(p for p in folder.glob("*.json") if json.loads(p.read_text()).get("version") == "4")


def example_ids() -> list[str]:
    return [p.stem for p in examples()] or ["absent"]


def example(name: str) -> dict[str, Any]:
    path = shared_path("alerts", "prometheus-msteams", f"{name}.json")
    if path is None:
        pytest.skip("Alertmanager examples absent: ../shared/data/alerts/prometheus-msteams (set HANDOFF_SHARED_DATA)")
    return json.loads(path.read_text())


@pytest.fixture
def core(settings: Settings, tmp_path: Path) -> Iterator[Core]:
    core = Core(settings.model_copy(update={"inbound_token": TOKEN}))
    write_world(tmp_path / "w", alerts_=[])
    assert ingest_folder(tmp_path / "w", engine=core.engine).ok
    yield core
    core.close()


@pytest.fixture
async def client(core: Core) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(core))) as c:
        c.core = core  # type: ignore[attr-defined]
        yield c


def stored(client: TestClient, tenant: str | None = None) -> list[Alert]:
    with Session(client.core.engine) as session:  # type: ignore[attr-defined]
        stmt = select(Alert)
        if tenant:
            stmt = stmt.where(Alert.tenant_id == tenant)
        return list(session.exec(stmt))


@pytest.mark.parametrize("name", example_ids())
async def test_each_alertmanager_example_is_stored_under_the_endpoint_tenant(client: TestClient, name: str) -> None:
    if name == "absent":
        pytest.skip("Alertmanager examples absent: ../shared/data/alerts/prometheus-msteams")
    body = example(name)
    raw = json.dumps(body)
    resp = await client.post("/alerts/alertmanager/ridge", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status == 200, await resp.text()
    result = await resp.json()
    n = len(body["alerts"])
    assert result["accepted"] == n and result["duplicate"] == 0 and result["tenants"] == ["ridge"]
    alerts = stored(client)
    assert len(alerts) == n and {a.tenant_id for a in alerts} == {"ridge"}
    assert all(a.signal_id is not None and a.classified_at is not None for a in alerts)
    assert {a.check_name for a in alerts} == {a["labels"].get("alertname") or body["commonLabels"]["alertname"]
                                              for a in body["alerts"]}

    again = await client.post("/alerts/alertmanager/ridge", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert (await again.json())["duplicate"] == n and len(stored(client)) == n


async def test_tenant_label_wins_and_the_same_alert_in_two_tenants_is_kept_apart(client: TestClient) -> None:
    body = example("alert_testdata_prom_post_request_2_alerts")
    for tenant in ("acme", "ridge"):
        resp = await client.post(f"/alerts/alertmanager/{tenant}", json=body, headers=AUTH)
        assert resp.status == 200 and (await resp.json())["accepted"] == 2
    labelled = json.loads(json.dumps(body))
    labelled["commonLabels"]["tenant"] = "acme"
    labelled["alerts"][0]["labels"]["tenant"] = "ridge"  # an alert's own label beats the common one
    resp = await client.post("/alerts/alertmanager", json=labelled, headers=AUTH)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["tenants"] == ["acme", "ridge"]
    assert len(stored(client, "acme")) == 3 and len(stored(client, "ridge")) == 3
    with Session(client.core.engine) as session:  # type: ignore[attr-defined]
        for signal in session.exec(select(Signal)):
            members = session.exec(select(Alert.tenant_id).where(Alert.signal_id == signal.pk)).all()
            assert set(members) == {signal.tenant_id}


async def test_body_without_tenant_is_422_logged_and_nothing_stored(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="handoff.inbound")
    resp = await client.post("/alerts/alertmanager", json=example("pkg_card_testdata_prom_post_request"), headers=AUTH)
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "no_tenant" and error["problems"][0]["field"] == "alerts[0].labels.tenant"
    assert "cannot tell which client" in error["message"]
    assert stored(client) == []
    assert any("refused POST /alerts/alertmanager" in r.getMessage() and "no_tenant" in r.getMessage()
               for r in caplog.records)


async def test_one_alert_without_tenant_rejects_the_whole_body(client: TestClient) -> None:
    body = example("alert_testdata_prom_post_request_2_alerts")
    body["alerts"][0]["labels"]["tenant"] = "acme"
    resp = await client.post("/alerts/alertmanager", json=body, headers=AUTH)
    assert resp.status == 422 and (await resp.json())["error"]["problems"][0]["field"] == "alerts[1].labels.tenant"
    assert stored(client) == []


async def test_unknown_and_mismatched_tenants_are_422(client: TestClient) -> None:
    body = example("pkg_card_testdata_prom_post_request")
    resp = await client.post("/alerts/alertmanager/globex", json=body, headers=AUTH)
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "unknown_tenant"
    body["commonLabels"]["tenant"] = "acme"
    resp = await client.post("/alerts/alertmanager/ridge", json=body, headers=AUTH)
    error = (await resp.json())["error"]
    assert resp.status == 422 and error["code"] == "tenant_mismatch" and "'acme'" in error["message"]
    assert stored(client) == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"version": "4", "alerts": [', "(body) line 1 column 29"),
        (b'{"version": "3", "alerts": []}', "version"),
        (b'{"version": "4", "alerts": [{"labels": {"tenant": "acme"}}]}', "alerts[0].startsAt"),
        (b'[1, 2]', "(body)"),
        (b'\xff\xfe', "(body) line 1 column 1"),
    ],
)
async def test_malformed_body_is_400_naming_the_field(client: TestClient, raw: bytes, field: str) -> None:
    resp = await client.post("/alerts/alertmanager", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "malformed" and error["problems"][0]["field"] == field
    assert stored(client) == []


async def test_teams_card_is_not_an_alertmanager_body(client: TestClient) -> None:
    card = example("alert_testdata_teams_post_request")
    resp = await client.post("/alerts/alertmanager/acme", json=card, headers=AUTH)
    assert resp.status == 400 and {p["field"] for p in (await resp.json())["error"]["problems"]} == {"version", "alerts"}


async def test_oversized_body_is_413_and_nothing_stored(core: Core) -> None:
    raw = json.dumps(example("pkg_card_testdata_prom_post_request_too_large")).encode()
    core.settings = core.settings.model_copy(update={"inbound_max_body_bytes": 8192})
    assert len(raw) > 8192
    async with TestClient(TestServer(make_app(core))) as client:
        client.core = core  # type: ignore[attr-defined]
        await _post_oversized(client, raw)


async def _post_oversized(client: TestClient, raw: bytes) -> None:
    resp = await client.post("/alerts/alertmanager/acme", data=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status == 413 and (await resp.json())["error"]["code"] == "too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: aiohttp's own limit must catch it
        for start in range(0, len(raw), 1000):
            yield raw[start : start + 1000]

    resp = await client.post("/alerts/alertmanager/acme", data=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert resp.status == 413
    assert stored(client) == []


async def test_token_is_required(client: TestClient) -> None:
    body = example("pkg_card_testdata_prom_post_request")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN}):
        resp = await client.post("/alerts/alertmanager/acme", json=body, headers=headers)
        assert resp.status == 401
    assert stored(client) == []
    assert (await client.get("/healthz")).status == 200


async def test_generic_alerts_single_and_list(client: TestClient) -> None:
    one = {"id": "rmm-1", "tenant": "acme", "device": "DC01", "source": "ninjaone", "check": "AD replication",
           "severity": "critical", "message": "Replication from DC02 failed (1722)", "at": "2026-11-24T01:58:00Z"}
    resp = await client.post("/alerts/generic", json=one, headers=AUTH)
    assert resp.status == 200 and (await resp.json())["accepted"] == 1
    two = [{**one, "id": "rmm-2"}, {**one, "id": "rmm-2"}, {**one, "id": "rmm-1"}]
    result = await (await client.post("/alerts/generic", json=two, headers=AUTH)).json()
    assert (result["accepted"], result["duplicate"]) == (1, 2)
    untenanted = {k: v for k, v in one.items() if k != "tenant"} | {"id": "rmm-3"}
    resp = await client.post("/alerts/generic", json=untenanted, headers=AUTH)
    assert resp.status == 422 and (await resp.json())["error"]["problems"][0]["field"] == "tenant"
    resp = await client.post("/alerts/generic/ridge", json=untenanted, headers=AUTH)
    assert resp.status == 200 and (await resp.json())["tenants"] == ["ridge"]
    resp = await client.post("/alerts/generic", json=[{**one, "id": "rmm-4", "at": "yesterday"}], headers=AUTH)
    error = (await resp.json())["error"]
    assert resp.status == 400 and error["problems"][0]["field"] == "[0].at"
    assert sorted((a.tenant_id, a.external_id) for a in stored(client)) == [
        ("acme", "rmm-1"), ("acme", "rmm-2"), ("ridge", "rmm-3")]


async def test_alert_id_of_another_tenant_is_409(client: TestClient) -> None:
    one = {"id": "rmm-9", "tenant": "acme", "message": "x", "at": "2026-11-24T01:58:00Z"}
    assert (await client.post("/alerts/generic", json=one, headers=AUTH)).status == 200
    resp = await client.post("/alerts/generic", json={**one, "tenant": "ridge"}, headers=AUTH)
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "conflict"
    assert [a.tenant_id for a in stored(client)] == ["acme"]


def test_app_refuses_to_start_without_a_token(settings: Settings) -> None:
    core = Core(settings.model_copy(update={"inbound_token": None}))
    with pytest.raises(ConfigError, match="HANDOFF_INBOUND_TOKEN"):
        make_app(core)
    assert make_app(core, insecure_no_auth=True) is not None


def test_alert_count_helper_matches(client: TestClient) -> None:  # guards the helper used above
    with Session(client.core.engine) as session:  # type: ignore[attr-defined]
        assert session.exec(select(func.count()).select_from(Alert)).one() == len(stored(client)) == 0
