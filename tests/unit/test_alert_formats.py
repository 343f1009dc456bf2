"""The intake converters on real vendor bodies (tests/harness/vendor_bodies.py says where each is from)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bench.support.shared_data import shared_path
from bot.alerts.formats import FORMATS, Endpoint, decode_xml
from bot.alerts.formats.common import Converted
from tests.harness import vendor_bodies as vb

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def convert(fmt: str, body: object, endpoint: Endpoint | None = None) -> Converted:
    return FORMATS[fmt].convert(body, endpoint or Endpoint(), NOW)


def grafana_example() -> dict:
    path = shared_path("alerts", "grafana", "grafana_webhook_payload_example.json")
    if path is None:
        pytest.skip("Grafana example absent: ../shared/data/alerts/grafana (set HANDOFF_SHARED_DATA)")
    return json.loads(path.read_text())


def test_grafana_example_maps_every_alert_to_the_endpoint_tenant() -> None:
    body = grafana_example()
    out = convert("grafana", body, Endpoint(tenant="acme"))
    assert out.problems == [] and len(out.records) == 2
    first = out.records[0]
    assert (first.tenant, first.source, first.check) == ("acme", "grafana", "High memory usage")
    assert first.message == "This alert was triggered for zone us-1: The system has high memory usage"
    assert first.id == "c6eadffa33fcdf37@2021-10-12T09:51:03.157076+02:00" and first.resolved_at is None
    assert first.labels["team"] == "blue" and first.url == "https://play.grafana.org/alerting/1afz29v7z/edit"


def test_grafana_without_tenant_names_the_label_and_a_label_wins() -> None:
    body = grafana_example()
    out = convert("grafana", body)
    assert out.records == [] and {p.field for p in out.problems} == {"alerts[0].labels.tenant", "alerts[1].labels.tenant"}
    body["commonLabels"]["tenant"] = "ridge"
    assert {r.tenant for r in convert("grafana", body, Endpoint(tenant="acme")).records} == {"ridge"}


def test_grafana_and_alertmanager_versions_are_not_interchangeable() -> None:
    body = grafana_example()
    out = convert("alertmanager", body, Endpoint(tenant="acme"))
    assert [p.field for p in out.problems] == ["version"]
    body["alerts"][0]["startsAt"] = "0001-01-01T00:00:00Z"
    assert [p.field for p in convert("grafana", body, Endpoint(tenant="acme")).problems] == ["alerts[0].startsAt"]


def test_grafana_resolved_alert_carries_its_end() -> None:
    body = grafana_example()
    body["alerts"][1].update(status="resolved", endsAt="2021-10-12T10:06:03+02:00")
    records = convert("grafana", body, Endpoint(tenant="acme")).records
    assert records[0].resolved_at is None and records[1].resolved_at == datetime(2021, 10, 12, 8, 6, 3, tzinfo=UTC)


def test_ninjaone_captured_body_with_its_organization_mapped() -> None:
    endpoint = Endpoint(clients={"Country Consulting": "acme"})
    out = convert("ninjaone", vb.NINJAONE_CAPTURED, endpoint)
    assert out.problems == []
    (alert,) = out.records
    assert (alert.tenant, alert.source, alert.device, alert.check) == ("acme", "ninjaone", "ccesxi03",
                                                                        "vmm_cond_memory_usage_ge")
    assert alert.message == "Memory Utilization is greater than or equal to 80% for 5 minutes"
    assert alert.at == datetime(2025, 3, 19, 13, 41, 15, 556000, tzinfo=UTC)
    assert alert.id == f"e6b0b0bd-5753-445d-9e4a-71c08983cbd5@{alert.at.isoformat()}"
    assert alert.labels["organization"] == "Country Consulting" and out.closes == [False]


def test_ninjaone_unmapped_organization_is_never_guessed() -> None:
    out = convert("ninjaone", vb.NINJAONE_CAPTURED, Endpoint(clients={"Other": "acme"}))
    (problem,) = out.problems
    assert problem.field == "device.references.organization.name" and "Country Consulting" in problem.message
    assert convert("ninjaone", vb.NINJAONE_CAPTURED, Endpoint(tenant="ridge")).records[0].tenant == "ridge"


def test_ninjaone_documented_body_and_a_reset_that_closes_its_series() -> None:
    (alert,) = convert("ninjaone", vb.NINJAONE_SPIKE, Endpoint(tenant="acme")).records
    assert (alert.device, alert.check, alert.severity) == ("WORKSTATION-001", "CPU Usage Alert", "critical")
    reset = {**vb.NINJAONE_SPIKE, "id": 12346, "statusCode": "RESET", "activityTime": 1703124000}
    out = convert("ninjaone", reset, Endpoint(tenant="acme"))
    assert out.closes == [True] and out.records[0].id == "uuid-string"
    assert out.records[0].resolved_at == datetime(2023, 12, 21, 2, 0, tzinfo=UTC)


def test_ninjaone_activity_without_device_or_severity() -> None:
    (alert,) = convert("ninjaone", vb.NINJAONE_PIPEDREAM, Endpoint(tenant="acme")).records
    assert (alert.id, alert.device, alert.check, alert.severity) == ("26", None, "agent_act_sys_reboot", "info")


@pytest.mark.parametrize(("change", "field"), [
    ({"activityTime": "soon"}, "activityTime"), ({"id": None, "seriesUid": None}, "id")])
def test_ninjaone_malformed_names_the_field(change: dict, field: str) -> None:
    out = convert("ninjaone", {**vb.NINJAONE_SPIKE, **change}, Endpoint(tenant="acme"))
    assert out.records == [] and [p.field for p in out.problems] == [field]
    assert [p.field for p in convert("ninjaone", "text").problems] == ["(body)"]


def test_datto_integration_payload_uses_the_receipt_time() -> None:
    (alert,) = convert("datto-rmm", vb.DATTO_HALOPSA, Endpoint(tenant="acme")).records
    assert (alert.id, alert.message, alert.at, alert.device) == (
        "fa9b26c0-3761-4927-9412-e9f4a5db38d1", "Process 'AdobeARMservice' isStopped", NOW, None)
    assert alert.labels["platform"] == "Pinotage"


def test_datto_recommended_payload_with_site_mapped_and_its_resolution() -> None:
    body = vb.datto_filled(alert_uid="a1b2", alert_message_en="Disk C: 95% used", alert_priority="High",
                           alert_type="Disk Usage", device_hostname="ACME-FS01", site_name="Acme Main St",
                           timestamp="2026-11-24T01:58:00Z", platform="Pinotage")
    endpoint = Endpoint(clients={"Acme Main St": "acme"})
    (alert,) = convert("datto-rmm", body, endpoint).records
    assert (alert.tenant, alert.device, alert.check, alert.severity) == ("acme", "ACME-FS01", "Disk Usage", "critical")
    assert alert.at == datetime(2026, 11, 24, 1, 58, tzinfo=UTC)
    out = convert("datto-rmm", {**body, "resolved": True, "timestamp": "1795917600000"}, endpoint)
    assert out.closes == [True] and out.records[0].resolved_at == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_datto_unfilled_variables_count_as_absent() -> None:
    out = convert("datto-rmm", vb.datto_filled(alert_message_en="x"), Endpoint(tenant="acme"))
    assert [p.field for p in out.problems] == ["alertUID"]
    out = convert("datto-rmm", vb.datto_filled(alert_uid="u", alert_message_en="x", timestamp="Tuesday"),
                  Endpoint(tenant="acme"))
    assert [p.field for p in out.problems] == ["timestamp"]
    out = convert("datto-rmm", vb.datto_filled(alert_uid="u", alert_message_en="x", site_name="Nowhere"))
    assert [p.field for p in out.problems] == ["site"]


def test_ncentral_sample_and_its_return_to_normal() -> None:
    root, problem = decode_xml(vb.NCENTRAL_SAMPLE)
    assert problem is None
    out = convert("n-able", root, Endpoint(clients={"Jasons Deli > Morrisville": "acme"}))
    (alert,) = out.records
    assert (alert.tenant, alert.device, alert.check, alert.severity) == ("acme", "SLS-2189 - JD's Probe", "CPU", "critical")
    assert alert.message == "CPU: Normal -> Failed: CPU Usage: 14.00 %"
    assert alert.at == datetime(2025, 5, 29, 22, 5, 10, tzinfo=UTC)
    normal = vb.NCENTRAL_SAMPLE.replace(b"<QualitativeOldState>Normal", b"<QualitativeOldState>Failed").replace(
        b"<QualitativeNewState>Failed", b"<QualitativeNewState>Normal")
    out = convert("n-able", decode_xml(normal)[0], Endpoint(tenant="acme", timezone="America/Chicago"))
    assert out.closes == [True] and out.records[0].id == "SLS-2189 - JD's Probe|CPU"
    assert out.records[0].resolved_at == datetime(2025, 5, 30, 3, 5, 10, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "field"), [
    (b"<notification><DeviceName>x</DeviceName>", "(body) line 1 column 40"),
    (b"<alert/>", "(body)"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><notification/>', "(body)"),
])
def test_ncentral_bad_xml_names_the_place(raw: bytes, field: str) -> None:
    assert decode_xml(raw)[1].field == field


def test_ncentral_missing_element_is_named() -> None:
    body = vb.NCENTRAL_SAMPLE.replace(b"<AffectedService>CPU</AffectedService>", b"")
    assert [p.field for p in convert("n-able", decode_xml(body)[0], Endpoint(tenant="acme")).problems] == ["AffectedService"]


ZABBIX_LIKE = {"event": {"id": "9001", "time": "2026-11-24T01:58:00Z", "status": "PROBLEM"},
               "host": {"name": "RL-NAS01", "group": "Ridgeline"},
               "trigger": {"name": "Free disk space is less than 10% on /backup", "severity": "High",
                           "description": "Free disk space is less than 10% on volume /backup"}}
MAPPING = {"id": "event.id", "client": "host.group", "device": "host.name", "check": "trigger.name",
           "severity": "trigger.severity", "message": "trigger.description", "time": "event.time",
           "resolved": "event.status", "resolved_values": ["RESOLVED", "OK"], "source": "zabbix"}


def test_mapped_json_follows_the_endpoint_mapping() -> None:
    endpoint = Endpoint(clients={"Ridgeline": "ridge"}, mapping=MAPPING)
    (alert,) = convert("mapped", ZABBIX_LIKE, endpoint).records
    assert (alert.id, alert.tenant, alert.source, alert.device, alert.severity) == (
        "9001", "ridge", "zabbix", "RL-NAS01", "critical")
    resolved = {**ZABBIX_LIKE, "event": {**ZABBIX_LIKE["event"], "status": "OK"}}
    out = convert("mapped", resolved, endpoint)
    assert out.closes == [True] and out.records[0].resolved_at is not None
    listed = convert("mapped", {"items": [ZABBIX_LIKE, ZABBIX_LIKE]}, Endpoint(tenant="ridge", mapping={
        **MAPPING, "items": "items"}))
    assert len(listed.records) == 2


def test_mapped_json_names_the_missing_path() -> None:
    endpoint = Endpoint(tenant="ridge", mapping=MAPPING)
    out = convert("mapped", {**ZABBIX_LIKE, "event": {"id": "1"}}, endpoint)
    assert [p.field for p in out.problems] == ["event.time"]
    out = convert("mapped", {"items": [ZABBIX_LIKE, {"event": {"time": 1795917600}}]},
                  Endpoint(tenant="ridge", mapping={**MAPPING, "items": "items"}))
    assert [p.field for p in out.problems] == ["items[1].trigger.description"]
    assert [p.field for p in convert("mapped", ZABBIX_LIKE, Endpoint(tenant="ridge")).problems] == ["(endpoint)"]
