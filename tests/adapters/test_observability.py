"""``GET /metrics`` on every server, refusals counted by reason, request ids, and JSON log lines."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from adapters.inbound.app import make_app as inbound_app
from adapters.teams.main import make_app as teams_app
from bot.config import Settings
from bot.core import Core
from bot.ingest.loader import ingest_folder
from bot.runtime import telemetry
from bot.runtime.logs import JsonFormatter, apply_format, bind_tenant, request_id_var
from tests.harness.slack_harness import HOOK_TOKEN, Harness
from tests.harness.worlds import write_world

TOKEN = "s3cret-inbound-token-for-metrics"
ALERT = {"id": "rmm-1", "tenant": "acme", "device": "DC01", "source": "ninjaone", "check": "AD replication",
         "severity": "critical", "message": "Replication from DC02 failed (1722)", "at": "2026-11-24T01:58:00Z"}


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 if absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


async def scrape(client: TestClient) -> str:
    response = await client.get("/metrics")  # no Authorization: scrapers do not carry the webhook token
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    return await response.text()


@pytest.fixture
def core(settings: Settings, tmp_path: Path) -> Iterator[Core]:
    core = Core(settings.model_copy(update={"inbound_token": TOKEN}))
    write_world(tmp_path / "w", alerts_=[])
    assert ingest_folder(tmp_path / "w", engine=core.engine).ok
    yield core
    core.close()


@pytest.fixture
async def inbound(core: Core) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(inbound_app(core))) as client:
        yield client


async def test_inbound_metrics_count_requests_and_refusals_by_reason(inbound: TestClient) -> None:
    before = await scrape(inbound)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert (await inbound.post("/alerts/generic", json=ALERT, headers=auth)).status == 200
    assert (await inbound.post("/alerts/generic", json=ALERT, headers={"Authorization": "Bearer nope"})).status == 401
    big = {**auth, "Content-Type": "application/json"}
    assert (await inbound.post("/alerts/generic", data=b"[" + b" " * 2_000_000 + b"]", headers=big)).status == 413
    assert (await inbound.post("/alerts/generic", data=b"{oops", headers=big)).status == 400
    assert (await inbound.get("/no/such/route", headers=auth)).status == 404
    after = await scrape(inbound)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    route = "/alerts/{source}"  # the pattern, never the raw path
    assert delta("handoff_http_requests_total", server="inbound", route=route, status="200") == 1
    assert delta("handoff_http_request_seconds_count", server="inbound", route=route) == 4
    assert delta("handoff_http_request_seconds_sum", server="inbound", route=route) > 0
    for reason in ("unauthorized", "too_large", "malformed", "http_404"):
        assert delta("handoff_webhook_rejections_total", server="inbound", reason=reason) == 1, reason
    assert 'route="/no/such/route"' not in after  # unmatched paths do not grow the label set
    assert delta("handoff_http_requests_total", server="inbound", route="unmatched", status="404") == 1


async def test_request_id_is_echoed_and_carried_by_json_log_lines(inbound: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("handoff")
    logger.addHandler(handler)
    try:
        response = await inbound.post("/alerts/generic", json=ALERT, headers={
            "Authorization": "Bearer xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "X-Request-Id": "req-42"})
        assert response.status == 401 and response.headers["X-Request-Id"] == "req-42"
        made_up = (await inbound.get("/healthz")).headers["X-Request-Id"]
        assert len(made_up) == 16
        evil = (await inbound.get("/healthz", headers={"X-Request-Id": "a\" b" * 30})).headers["X-Request-Id"]
        assert evil != "a\" b" * 30  # not a sane token: replaced, never copied into headers or logs
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    refused = [line for line in lines if line["msg"].startswith("refused POST /alerts/generic")]
    assert refused and refused[0]["request_id"] == "req-42" and refused[0]["level"] == "warning"
    assert "xoxb-" not in stream.getvalue()


def test_json_lines_name_the_tenant_and_redact_secrets() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("handoff.test_json")
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(stream))
    apply_format("json", logger=logger)
    token = request_id_var.set("abc")
    try:
        bind_tenant("acme")
        logger.warning("posting with password=Hunter2Hunter2! for %s", "#4412")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    finally:
        request_id_var.reset(token)
        bind_tenant(None)
        logger.handlers.clear()
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["tenant"] == "acme" and first["request_id"] == "abc" and "#4412" in first["msg"]
    assert "Hunter2Hunter2!" not in first["msg"]
    assert second["exc_type"] == "ValueError" and "boom" in second["traceback"]


async def test_teams_server_exposes_metrics(core: Core) -> None:
    async with TestClient(TestServer(teams_app(core))) as client:
        bad = await client.post("/api/messages", data="x", headers={"Content-Type": "text/plain"})
        assert bad.status == 415
        text = await scrape(client)
    assert sample(text, "handoff_webhook_rejections_total", server="teams", reason="unsupported_media_type") >= 1
    assert sample(text, "handoff_http_requests_total", server="teams", route="/api/messages", status="415") >= 1


async def test_slack_server_counts_packets_built_and_reused(slack: Harness) -> None:
    before = await scrape(slack.http)
    headers = {"Authorization": f"Bearer {HOOK_TOKEN}", "Content-Type": "application/json"}
    first = await slack.http.post("/hooks/escalation", data=json.dumps({"ticket_id": "4412"}), headers=headers)
    assert first.status == 200
    again = await slack.http.post("/hooks/escalation", data=json.dumps({"ticket_id": "4412"}),
                                  headers={**headers, "Idempotency-Key": "second-delivery"})
    assert again.status == 200
    after = await scrape(slack.http)
    built = (sample(after, "handoff_packets_built_total", writer="extractive", outcome="ok")
             - sample(before, "handoff_packets_built_total", writer="extractive", outcome="ok"))
    assert built == 1
    assert sample(after, "handoff_packets_reused_total") - sample(before, "handoff_packets_reused_total") >= 1
    assert (sample(after, "handoff_packet_build_seconds_count", writer="extractive")
            - sample(before, "handoff_packet_build_seconds_count", writer="extractive")) == 1
    assert sample(after, "handoff_http_requests_total", server="slack", route="/hooks/escalation", status="200") >= 2


def test_outbox_hooks_reach_the_exposition() -> None:
    telemetry.set_outbox_probe(lambda: (7, 42.5))
    try:
        text = telemetry.render().decode()
        assert sample(text, "handoff_outbox_depth") == 7 and sample(text, "handoff_outbox_oldest_age_seconds") == 42.5

        def broken() -> tuple[int, float]:
            raise ConnectionError("database down")

        telemetry.set_outbox_probe(broken)
        errors = sample(text, "handoff_outbox_probe_errors_total")
        text = telemetry.render().decode()  # the scrape still answers
        assert sample(text, "handoff_outbox_probe_errors_total") == errors + 1
    finally:
        telemetry.set_outbox_probe(None)
    telemetry.delivery_failed("teams")
    assert sample(telemetry.render().decode(), "handoff_deliveries_failed_total", platform="teams") >= 1
