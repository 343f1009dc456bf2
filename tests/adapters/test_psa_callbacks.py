"""``POST /hooks/connectwise`` through the real inbound aiohttp app and the stand-in ConnectWise API.

Signature scheme and key URL: NangoHQ/nango packages/server/lib/webhook/connectwise-psa-webhook-routing.ts
(citing developer.connectwise.com's developer guide); body shape: the real callback sample in
../shared/data/alerts/msp_psa/connectwise/ (amp-labs connectors test fixture, a contact callback).
Other sources: tests/unit/test_psa_connectwise.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import Session, select

from adapters.inbound.app import make_app
from bench.support import connectwise_standin as cw
from bench.support.psa_world import T0, callback_body, escalation_ticket, load_tenants, signed
from bench.support.shared_data import shared_path
from bot.config import Settings
from bot.core import Core
from bot.db import store as db
from bot.db.models import Ticket

TOKEN = "s3cret-inbound-token-for-tests"


@pytest.fixture
def standin() -> Iterator[cw.StandIn]:
    server = cw.StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def core(settings: Settings, tmp_path: Path, standin: cw.StandIn) -> Iterator[Core]:
    core = Core(settings.model_copy(update={
        "inbound_token": TOKEN, "connectwise_site": standin.url, "connectwise_company": cw.COMPANY,
        "connectwise_public_key": cw.PUBLIC, "connectwise_private_key": cw.PRIVATE,
        "connectwise_client_id": cw.CLIENT_ID, "psa_max_retries": 1}))
    load_tenants(tmp_path / "w", core.engine)
    yield core
    core.close()


@pytest.fixture
async def client(core: Core) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(core))) as c:
        yield c


async def test_signed_ticket_callback_stores_the_fresh_ticket(client: TestClient, core: Core,
                                                              standin: cw.StandIn) -> None:
    escalation_ticket(standin)
    standin.move(4412, board="Service Desk Tier 2", updated=T0 + timedelta(minutes=5))
    body = callback_body(standin, ticket_id=4412)
    resp = await client.post("/hooks/connectwise", data=body, headers=signed(body))  # no bearer token needed
    assert resp.status == 200, await resp.text()
    answer = await resp.json()
    assert answer["status"] == "stored" and answer["escalation"].startswith("connectwise:4412:")
    with Session(core.engine) as session:
        assert db.get_ticket(session=session, tenant_id="acme", ticket_id="4412").status == "escalated"
    resp = await client.post("/hooks/connectwise", data=body, headers=signed(body))
    assert (await resp.json())["status"] == "duplicate"
    assert standin.methods() == {"GET"}


async def test_bad_signature_and_foreign_key_url_get_401(client: TestClient, core: Core,
                                                          standin: cw.StandIn) -> None:
    escalation_ticket(standin)
    body = callback_body(standin, ticket_id=4412)
    resp = await client.post("/hooks/connectwise", data=body, headers=signed(body, key="guessed"))
    assert resp.status == 401 and (await resp.json())["error"]["code"] == "bad_signature"
    resp = await client.post("/hooks/connectwise", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 401

    # A key URL on a host the attacker controls (here: a second local server that counts hits).
    evil = cw.StandIn(signing_key="attacker-key").start()
    try:
        forged = callback_body(standin, ticket_id=4412, key_url=f"{evil.url}/v2025_1//system/callbackkey/index.rails")
        resp = await client.post("/hooks/connectwise", data=forged, headers=signed(forged, key="attacker-key"))
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "untrusted_key_url"
        assert evil.requests == []  # never fetched
    finally:
        evil.stop()
    with Session(core.engine) as session:
        assert session.exec(select(Ticket)).all() == []


async def test_malformed_callbacks_get_400(client: TestClient, standin: cw.StandIn) -> None:
    resp = await client.post("/hooks/connectwise", data=b"{not json", headers=signed(b"{not json"))
    assert resp.status == 400
    body = json.dumps({"Type": "ticket", "ID": 1, "Metadata": {"key_url": f"{standin.url}/v2025_1//system/callbackkey/index.rails"}}).encode()
    standin.signing_key = "k"
    resp = await client.post("/hooks/connectwise", data=body, headers=signed(body, key="k"))
    assert resp.status == 400 and "MessageId" in (await resp.json())["error"]["message"]


async def test_psa_down_answers_502_so_connectwise_retries(client: TestClient, core: Core,
                                                           standin: cw.StandIn) -> None:
    escalation_ticket(standin)
    body = callback_body(standin, ticket_id=4412, message_id="down-1")
    headers = signed(body)
    # The key is fetched first (public endpoint); then the ticket API fails on every attempt.
    standin.faults.errors_5xx = 1000
    resp = await client.post("/hooks/connectwise", data=body, headers=headers)
    assert resp.status == 502 and (await resp.json())["error"]["code"] == "psa_unavailable"
    standin.faults.errors_5xx = 0
    resp = await client.post("/hooks/connectwise", data=body, headers=headers)
    assert (await resp.json())["status"] == "stored"


async def test_the_real_contact_callback_sample_is_accepted_and_ignored(client: TestClient, core: Core,
                                                                         standin: cw.StandIn) -> None:
    path = shared_path("alerts", "msp_psa", "connectwise", "amp-labs_connectwise_callback_event.json")
    if path is None:
        pytest.skip("ConnectWise callback sample absent: ../shared/data/alerts/msp_psa/connectwise/")
    # The sample's key_url is a template ({{testServerURL}}) for the test server: fill it with the stand-in's
    # origin, as ConnectWise fills it with the site's, and sign the exact bytes as ConnectWise would.
    raw = path.read_bytes().replace(b"{{testServerURL}}", standin.url.encode())
    resp = await client.post("/hooks/connectwise", data=raw, headers=signed(raw))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "ignored"
    with Session(core.engine) as session:
        assert session.exec(select(Ticket)).all() == []
    # Unsigned, the same body is refused: being a contact callback does not skip verification.
    resp = await client.post("/hooks/connectwise", data=raw, headers={"Content-Type": "application/json"})
    assert resp.status == 401


async def test_alert_routes_still_need_the_bearer_token(client: TestClient) -> None:
    resp = await client.post("/alerts/generic", json={"id": "x"})
    assert resp.status == 401


async def test_the_server_syncs_on_an_interval(core: Core, standin: cw.StandIn) -> None:
    import asyncio

    escalation_ticket(standin, 31)
    core.settings.__dict__["psa_sync_interval_s"] = 0.2
    async with TestClient(TestServer(make_app(core))):
        for _ in range(100):
            with Session(core.engine) as session:
                if session.get(Ticket, "31") is not None:
                    break
            await asyncio.sleep(0.1)
        escalation_ticket(standin, 32)  # a ticket whose callback was lost: found by the next run
        for _ in range(100):
            with Session(core.engine) as session:
                if session.get(Ticket, "32") is not None:
                    break
            await asyncio.sleep(0.1)
    with Session(core.engine) as session:
        assert session.get(Ticket, "31") is not None and session.get(Ticket, "32") is not None


async def test_halopsa_webhook_route(settings: Settings, tmp_path: Path) -> None:
    import base64

    from tests.harness import halopsa_standin as halo

    server = halo.HaloStandIn().start()
    server.add_ticket(901, client_id=42, summary="Printer queue stuck", updated=T0, details="Queue stuck.")
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "tenants.yaml").write_text("tenants:\n  - id: acme\n    name: Acme\n    psa: {halopsa: 42}\n")
    core = Core(settings.model_copy(update={
        "inbound_token": TOKEN, "halopsa_site": server.url, "halopsa_client_id": halo.CLIENT_ID,
        "halopsa_client_secret": halo.CLIENT_SECRET, "halopsa_tenant": halo.TENANT,
        "halopsa_webhook_user": "halo", "halopsa_webhook_password": "hook-pass-123"}))
    from bot.ingest.loader import ingest_folder

    assert ingest_folder(tmp_path / "h", engine=core.engine).ok
    body = json.dumps({"event": "Ticket Updated", "ticket": {"id": 901}}).encode()
    good = {"Authorization": "Basic " + base64.b64encode(b"halo:hook-pass-123").decode()}
    try:
        async with TestClient(TestServer(make_app(core))) as client:
            resp = await client.post("/hooks/halopsa", data=body, headers={"Authorization": "Basic eDp5"})
            assert resp.status == 401
            resp = await client.post("/hooks/halopsa", data=body, headers=good)
            assert resp.status == 200 and (await resp.json())["status"] == "stored", await resp.text()
            resp = await client.post("/hooks/connectwise", data=body, headers=good)
            assert resp.status == 503  # ConnectWise not configured here
    finally:
        core.close()
        server.stop()
    assert server.methods() == {("POST", "/auth/token")}
