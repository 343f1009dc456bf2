"""Who may call /api/messages: Bot Framework JWT validation through the real CloudAdapter.

With an app id the adapter validates every token against Microsoft's OpenID
signing keys. Those cannot be reached here, so a local OpenID server stands in
for them (``ChannelValidation.open_id_metadata_endpoint``, the SDK's own
override for sovereign clouds) and tokens are signed with its key. What this
cannot show is Microsoft's real keys and issuer working end to end.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import ChannelValidation
from sqlmodel import select

from adapters.teams.main import UNAUTHENTICATED_WARNING, make_app
from bot.config import Settings
from bot.core import Core
from bot.db.models import ConversationRef
from bot.errors import ConfigError
from bot.ingest.loader import ingest_folder
from tests.harness.teams_fakes import (
    MSP_TENANT,
    FakeConnector,
    OpenIdServer,
    bot_added,
    other_key,
    sign,
    teams_activity,
)
from tests.harness.worlds import write_world

APP_ID = "0b7a2c3d-1111-4222-8333-944455566677"
PASSWORD = "a-real-looking-client-secret-9f8e7d"


def make_core(tmp_path: Path, **settings: Any) -> Core:
    core = Core(Settings(data_dir=tmp_path / "d", **settings))
    ingest_folder(write_world(tmp_path / "w"), engine=core.engine)
    return core


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenIdServer]:
    server = OpenIdServer()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", server.metadata_url)
    yield server
    server.close()


@pytest.fixture
async def secured(tmp_path: Path, openid: OpenIdServer) -> AsyncIterator[tuple[TestClient, Core]]:
    core = make_core(tmp_path, microsoft_app_id=APP_ID, microsoft_app_password=PASSWORD,
                     microsoft_app_tenant_id=MSP_TENANT)
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    yield client, core
    await client.close()
    core.close()


@pytest.fixture
async def open_bot(tmp_path: Path) -> AsyncIterator[TestClient]:
    core = make_core(tmp_path, microsoft_app_tenant_id=MSP_TENANT)
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    yield client
    await client.close()
    core.close()


MALFORMED = [
    "Bearer not-a-jwt",
    "Bearer a.b.c",  # three parts, none of them base64 JSON: PyJWT's DecodeError inside the SDK
    "Bearer " + "x" * 40 + "." + "y" * 40 + ".",
    "Basic dXNlcjpwYXNzd29yZA==",
    "Bearer",
    "",
    "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig extra",
]


async def _post(client: TestClient, activity: dict[str, Any], header: str | None) -> Any:
    headers = {"Authorization": header} if header is not None else {}
    return await client.post("/api/messages", json=activity, headers=headers)


async def test_with_an_app_id_a_request_without_a_token_is_401(
        secured: tuple[TestClient, Core], connector: FakeConnector) -> None:
    client, core = secured
    response = await _post(client, teams_activity(connector.url, text="packet 4412"), None)
    assert response.status == 401
    assert connector.calls == []


@pytest.mark.parametrize("header", MALFORMED)
async def test_with_an_app_id_a_malformed_header_is_401_not_500(
        secured: tuple[TestClient, Core], connector: FakeConnector, header: str) -> None:
    client, _ = secured
    response = await _post(client, teams_activity(connector.url, text="packet 4412"), header)
    assert response.status == 401
    assert connector.calls == []


@pytest.mark.parametrize("header", MALFORMED)
async def test_without_an_app_id_a_malformed_header_is_401_not_500(
        open_bot: TestClient, connector: FakeConnector, header: str) -> None:
    response = await _post(open_bot, teams_activity(connector.url, text="packet 4412"), header)
    assert response.status == 401
    assert connector.calls == []


async def test_a_token_signed_by_the_channel_key_is_accepted(
        secured: tuple[TestClient, Core], openid: OpenIdServer, connector: FakeConnector) -> None:
    client, core = secured
    # A conversationUpdate: it needs no reply, so the test never needs an outbound token from Entra ID.
    activity = bot_added(connector.url, channel="19:acme@thread.tacv2")
    token = sign(openid.key, audience=APP_ID, service_url=connector.url)
    response = await _post(client, activity, f"Bearer {token}")
    assert response.status in (200, 201), await response.text()
    with core.session() as session:
        assert [r.channel_id for r in session.exec(select(ConversationRef))] == ["19:acme@thread.tacv2"]


@pytest.mark.parametrize("case", ["other_key", "wrong_audience", "expired", "wrong_service_url", "unknown_kid",
                                  "other_issuer"])
async def test_tokens_that_fail_validation_are_401(
        secured: tuple[TestClient, Core], openid: OpenIdServer, connector: FakeConnector, case: str) -> None:
    client, core = secured
    activity = bot_added(connector.url, channel="19:acme@thread.tacv2")
    kw: dict[str, Any] = {"audience": APP_ID, "service_url": connector.url}
    key = openid.key
    if case == "other_key":
        key = other_key()
    elif case == "wrong_audience":
        kw["audience"] = "11111111-2222-4333-8444-555555555555"
    elif case == "expired":
        kw["expires_in"] = -3600
    elif case == "wrong_service_url":
        kw["service_url"] = "https://attacker.example.com/"
    elif case == "unknown_kid":  # the SDK would raise IndexError looking it up: still a 401
        kw["kid"] = "k-unknown"
    else:
        kw["issuer"] = "https://sts.windows.net/somebody/"
    response = await _post(client, activity, f"Bearer {sign(key, **kw)}")
    assert response.status == 401
    with core.session() as session:
        assert list(session.exec(select(ConversationRef))) == []


async def test_without_an_app_id_requests_work_and_startup_says_unauthenticated(
        tmp_path: Path, connector: FakeConnector, caplog: pytest.LogCaptureFixture) -> None:
    core = make_core(tmp_path, microsoft_app_tenant_id=MSP_TENANT)
    with caplog.at_level(logging.WARNING, logger="handoff.teams"):
        app = make_app(core)
    assert any("UNAUTHENTICATED" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert UNAUTHENTICATED_WARNING.startswith("UNAUTHENTICATED")
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        response = await _post(client, teams_activity(connector.url, text="packet 4412"), None)
        assert response.status == 201
        assert len(connector.cards()) == 1
    finally:
        await client.close()
        core.close()


async def test_with_an_app_id_startup_does_not_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    core = make_core(tmp_path, microsoft_app_id=APP_ID, microsoft_app_password=PASSWORD,
                     microsoft_app_tenant_id=MSP_TENANT)
    with caplog.at_level(logging.INFO, logger="handoff.teams"):
        make_app(core)
    assert not any("UNAUTHENTICATED" in r.getMessage() for r in caplog.records)
    core.close()


@pytest.mark.parametrize("missing", ["microsoft_app_password", "microsoft_app_tenant_id"])
def test_a_half_configured_production_setup_refuses_to_start(tmp_path: Path, missing: str) -> None:
    values = {"microsoft_app_id": APP_ID, "microsoft_app_password": PASSWORD, "microsoft_app_tenant_id": MSP_TENANT}
    values[missing] = ""
    core = Core(Settings(data_dir=tmp_path / "d", **values))
    with pytest.raises(ConfigError, match="MicrosoftApp"):
        make_app(core)


def test_settings_read_the_bot_frameworks_usual_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": PASSWORD, "MicrosoftAppTenantId": MSP_TENANT,
                        "MicrosoftAppType": "SingleTenant",
                        "HANDOFF_TEAMS_NOC_CHANNELS": "19:noc@thread.tacv2, 19:noc2@thread.tacv2"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings(data_dir=tmp_path)
    assert (settings.microsoft_app_id, settings.microsoft_app_password, settings.microsoft_app_tenant_id,
            settings.microsoft_app_type) == (APP_ID, PASSWORD, MSP_TENANT, "SingleTenant")
    assert settings.teams_noc_channels == ["19:noc@thread.tacv2", "19:noc2@thread.tacv2"]


async def test_wrong_content_and_bodies_are_4xx(open_bot: TestClient) -> None:
    assert (await open_bot.post("/api/messages", data=b"hello", headers={"Content-Type": "text/plain"})).status == 415
    assert (await open_bot.post("/api/messages", data=b"{not json",
                                headers={"Content-Type": "application/json"})).status == 400
    assert (await open_bot.post("/api/messages", json={"text": "no type"})).status == 400
    assert (await open_bot.post("/api/messages", json=[1, 2])).status == 400


@pytest.mark.parametrize("app_id", ["00000000-0000-0000-0000-000000000000", "your-app-id", "not a guid"])
def test_a_placeholder_app_id_refuses_to_start(tmp_path: Path, app_id: str) -> None:
    core = Core(Settings(data_dir=tmp_path / "d", microsoft_app_id=app_id, microsoft_app_password=PASSWORD,
                         microsoft_app_tenant_id=MSP_TENANT))
    with pytest.raises(ConfigError, match="not a bot's app id"):
        make_app(core)


async def test_the_env_example_single_tenant_type_without_an_app_id_still_starts_unauthenticated(
        tmp_path: Path, connector: FakeConnector) -> None:
    """deploy/handoff.env.example presets MicrosoftAppType=SingleTenant; with the id still empty that is dev mode."""
    core = make_core(tmp_path, microsoft_app_type="SingleTenant", microsoft_app_tenant_id=MSP_TENANT)
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    try:
        assert (await _post(client, teams_activity(connector.url, text="help"), None)).status == 201
        assert len(connector.cards()) == 1
    finally:
        await client.close()
        core.close()
