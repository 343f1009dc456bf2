"""Grafana, NinjaOne, Datto RMM, N-central and mapped JSON through the real aiohttp app.

Bodies are the vendors' published ones (tests/harness/vendor_bodies.py, the
Grafana example in ../shared/data). Each source: stored and classified,
malformed bodies 4xx naming the field, repeated deliveries idempotent,
and an endpoint's own token good on that endpoint only.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import Session, select

from adapters.inbound.app import make_app
from bench.support.shared_data import shared_path
from bot.alerts.endpoints import load_endpoints
from bot.config import Settings
from bot.core import Core
from bot.db.models import Alert
from bot.errors import ConfigError
from bot.ingest.loader import ingest_folder
from tests.harness import vendor_bodies as vb
from tests.harness.worlds import write_world

TOKEN = "s3cret-inbound-token-for-tests"
ACME_NINJA_TOKEN = "acme-ninjaone-endpoint-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENDPOINTS = """
endpoints:
  ninjaone/acme:
    token_env: TEST_ACME_NINJA_TOKEN
  ninjaone:
    clients: {"Country Consulting": ridge}
  datto-rmm:
    clients: {"Acme Main St": acme}
  n-able:
    clients: {"Jasons Deli > Morrisville": acme}
  zabbix/ridge:
    format: mapped
    mapping: {id: event.id, device: host.name, check: trigger.name, severity: trigger.severity,
              message: trigger.description, time: event.time, resolved: event.status}
"""


@pytest.fixture
def core(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Core]:
    monkeypatch.setenv("TEST_ACME_NINJA_TOKEN", ACME_NINJA_TOKEN)
    (tmp_path / "endpoints.yaml").write_text(ENDPOINTS)
    core = Core(settings.model_copy(update={"inbound_token": TOKEN, "inbound_endpoints": tmp_path / "endpoints.yaml"}))
    write_world(tmp_path / "w", alerts_=[])
    assert ingest_folder(tmp_path / "w", engine=core.engine).ok
    yield core
    core.close()


@pytest.fixture
async def client(core: Core) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(core))) as c:
        c.core = core  # type: ignore[attr-defined]
        yield c


def stored(client: TestClient) -> list[Alert]:
    with Session(client.core.engine) as session:  # type: ignore[attr-defined]
        return list(session.exec(select(Alert).order_by(Alert.pk)))


async def post(client: TestClient, path: str, body: object, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    if isinstance(body, bytes):
        return await client.post(path, data=body, headers={**(headers or AUTH), "Content-Type": "application/xml"})
    return await client.post(path, json=body, headers=headers or AUTH)


async def test_grafana_example_stored_classified_and_idempotent(client: TestClient) -> None:
    path = shared_path("alerts", "grafana", "grafana_webhook_payload_example.json")
    if path is None:
        pytest.skip("Grafana example absent: ../shared/data/alerts/grafana (set HANDOFF_SHARED_DATA)")
    body = json.loads(path.read_text())
    resp = await post(client, "/alerts/grafana/acme", body)
    assert resp.status == 200, await resp.text()
    result = await resp.json()
    assert (result["accepted"], result["tenants"], result["classified"]) == (2, ["acme"], True)
    alerts = stored(client)
    assert {a.source for a in alerts} == {"grafana"} and all(a.classified_at and a.signal_id for a in alerts)
    again = await (await post(client, "/alerts/grafana/acme", body)).json()
    assert (again["accepted"], again["duplicate"]) == (0, 2) and len(stored(client)) == 2
    resp = await post(client, "/alerts/grafana", body)  # no tenant label, no endpoint tenant
    assert resp.status == 422 and (await resp.json())["problems"][0]["field"] == "alerts[0].labels.tenant"
    resp = await post(client, "/alerts/grafana/acme", {**body, "version": "4"})
    assert resp.status == 400 and (await resp.json())["problems"][0]["field"] == "version"


async def test_ninjaone_reset_closes_the_trigger_and_the_organization_names_the_client(client: TestClient) -> None:
    resp = await post(client, "/alerts/ninjaone", vb.NINJAONE_CAPTURED)
    assert resp.status == 200 and (await resp.json())["tenants"] == ["ridge"]
    reset = {**vb.NINJAONE_CAPTURED, "id": 177300, "statusCode": "RESET", "status": "Reset",
             "activityTime": 1742392275.0}
    result = await (await post(client, "/alerts/ninjaone", reset)).json()
    assert (result["accepted"], result["updated"]) == (0, 1)
    (alert,) = stored(client)
    assert alert.resolved_at is not None and alert.message.startswith("Memory Utilization")
    result = await (await post(client, "/alerts/ninjaone", reset)).json()
    assert (result["accepted"], result["updated"], result["duplicate"]) == (0, 0, 1)
    resp = await post(client, "/alerts/ninjaone", {**vb.NINJAONE_CAPTURED, "activityTime": None})
    assert resp.status == 400 and (await resp.json())["problems"][0]["field"] == "activityTime"


async def test_an_endpoint_token_is_good_on_its_own_endpoint_only(client: TestClient) -> None:
    own = {"Authorization": f"Bearer {ACME_NINJA_TOKEN}"}
    resp = await post(client, "/alerts/ninjaone/acme", vb.NINJAONE_SPIKE, own)
    assert resp.status == 200 and (await resp.json())["tenants"] == ["acme"]
    for path in ("/alerts/ninjaone/ridge", "/alerts/ninjaone", "/alerts/generic/acme"):
        assert (await post(client, path, vb.NINJAONE_SPIKE, own)).status == 401, path
    assert (await post(client, "/alerts/ninjaone/acme", vb.NINJAONE_SPIKE)).status == 200  # the global token
    assert [a.tenant_id for a in stored(client)] == ["acme"]


async def test_datto_payload_site_mapped_resolution_and_duplicates(client: TestClient) -> None:
    body = vb.datto_filled(alert_uid="a1b2", alert_message_en="Disk C: 95% used", alert_priority="High",
                           alert_type="Disk Usage", device_hostname="ACME-FS01", site_name="Acme Main St",
                           timestamp="2026-11-24T01:58:00Z", platform="Pinotage")
    assert (await (await post(client, "/alerts/datto-rmm", body)).json())["accepted"] == 1
    assert (await (await post(client, "/alerts/datto-rmm", body)).json())["duplicate"] == 1
    resolved = {**body, "resolved": True, "timestamp": "2026-11-24T02:30:00Z"}
    assert (await (await post(client, "/alerts/datto-rmm", resolved)).json())["updated"] == 1
    (alert,) = stored(client)
    assert (alert.tenant_id, alert.device) == ("acme", "ACME-FS01") and alert.resolved_at is not None
    resp = await post(client, "/alerts/datto-rmm/acme", vb.DATTO_HALOPSA)
    assert resp.status == 200 and len(stored(client)) == 2
    resp = await post(client, "/alerts/datto-rmm", {**body, "site": "Elsewhere", "alertUID": "z"})
    problem = (await resp.json())["problems"][0]
    assert resp.status == 422 and problem["field"] == "site" and "Elsewhere" in problem["message"]


async def test_ncentral_xml_stored_closed_and_refused_when_not_xml(client: TestClient) -> None:
    resp = await post(client, "/alerts/n-able", vb.NCENTRAL_SAMPLE)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["tenants"] == ["acme"]
    assert (await (await post(client, "/alerts/n-able", vb.NCENTRAL_SAMPLE)).json())["duplicate"] == 1
    normal = vb.NCENTRAL_SAMPLE.replace(b"<QualitativeNewState>Failed", b"<QualitativeNewState>Normal").replace(
        b"22:05:10", b"22:15:10")
    assert (await (await post(client, "/alerts/n-able", normal)).json())["updated"] == 1
    (alert,) = stored(client)
    assert alert.check_name == "CPU" and alert.resolved_at is not None
    resp = await client.post("/alerts/n-able", json={"a": 1}, headers=AUTH)
    assert resp.status == 415
    resp = await post(client, "/alerts/n-able", b"<notification><DeviceName>x")
    assert resp.status == 400 and (await resp.json())["problems"][0]["field"].startswith("(body) line 1")


async def test_mapped_source_and_unknown_source(client: TestClient) -> None:
    body = {"event": {"id": "9001", "time": "2026-11-24T01:58:00Z", "status": "PROBLEM"},
            "host": {"name": "RL-NAS01"},
            "trigger": {"name": "Low disk", "severity": "High", "description": "Free disk space below 10% on /backup"}}
    resp = await post(client, "/alerts/zabbix/ridge", body)
    assert resp.status == 200 and (await resp.json())["tenants"] == ["ridge"]
    assert (await post(client, "/alerts/zabbix/acme", body)).status == 404  # configured for ridge only
    resp = await post(client, "/alerts/zabbix/ridge", {**body, "trigger": {"name": "x"}})
    assert resp.status == 400 and (await resp.json())["problems"][0]["field"] == "trigger.description"
    resp = await post(client, "/alerts/nagios", body)
    assert resp.status == 404 and "grafana" in (await resp.json())["message"]
    assert [(a.source, a.device) for a in stored(client)] == [("zabbix", "RL-NAS01")]


@pytest.mark.parametrize(("text", "problem"), [
    ("endpoints: {ninjaone/acme: {token_env: NOT_SET_ANYWHERE}}", "NOT_SET_ANYWHERE is not set"),
    ("endpoints: {zabbix: {format: mapped, mapping: {device: h}}}", "'message' is required"),
    ("endpoints: {nagios: {}}", "unknown format 'nagios'"),
    ("endpoints: {n-able: {timezone: Mars/Base}}", "unknown time zone"),
    ("endpoints: {ninjaone: {token_env: X}}", "only '<source>/<tenant>' endpoints"),
    ("endpoints: [1]", "expected a mapping under 'endpoints:'"),
])
def test_endpoints_file_problems_are_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "endpoints.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        load_endpoints(path, {"X": "x"})
