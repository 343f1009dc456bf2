"""The ConnectWise connector against a local stand-in of the documented REST API.

Sources the stand-in (bench/support/connectwise_standin.py) and these tests follow:
  * Pagination (page/pageSize <= 1000, Link rel="next"): ConnectWise developer guide
    "PSA Pagination" (https://developer.connectwise.com/Best_Practices/PSA_Pagination) and
    https://www.thelazyadministrator.com/2024/06/06/how-the-connectwise-manage-api-handles-pagination-with-powershell/
  * Auth (Basic company+public:private, clientId header): developer.connectwise.com "ClientID";
    slartimitvar/zabbix-connectwise-webhook README.md.
  * Codebase: GET /login/companyinfo/{company} -> {"Codebase": ...}.
  * Ticket / ServiceNote / ConfigurationReference fields: HealthITAU/pyconnectwise generated models
    (TicketNoteModel: detailDescriptionFlag, internalAnalysisFlag, resolutionFlag, internalFlag, externalFlag).
  * Callback signatures: NangoHQ/nango packages/server/lib/webhook/connectwise-psa-webhook-routing.ts
    (base64 HMAC-SHA256 keyed with SHA256(signing_key); key from Metadata.key_url as {"signing_key"}).
  * 429 + Retry-After (seconds or HTTP date): RFC 9110 section 10.2.3.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bench.support import connectwise_standin as cw
from bench.support.psa_world import T0, callback_body, connector, escalation_ticket, signed
from bot.config import Settings
from bot.errors import ConfigError
from bot.psa.base import WebhookRejected
from bot.psa.connectwise import ConnectWiseConnector
from bot.psa.http import PsaError, PsaHttp, PsaUnavailable, RetryPolicy, link_next, retry_after_seconds


@pytest.fixture
def standin() -> Iterator[cw.StandIn]:
    server = cw.StandIn().start()
    yield server
    server.stop()


def test_fetch_ticket_with_notes_devices_and_codebase(standin: cw.StandIn) -> None:
    escalation_ticket(standin)
    conn = connector(standin)
    ticket = conn.fetch_ticket("4412")
    assert ticket is not None
    assert (ticket.id, ticket.company, ticket.board, ticket.status) == ("4412", "AcmeDental", "Service Desk Tier 1",
                                                                      "In Progress")
    assert ticket.priority == "Priority 3 - Normal" and ticket.type == "Incident"
    assert ticket.updated_at == T0 and ticket.created_at == T0 - timedelta(hours=2)
    assert [d.name for d in ticket.devices] == ["DC01"]
    kinds = [(n.id, n.kind, n.customer_visible) for n in ticket.notes]
    assert kinds == [("1", "discussion", True), ("2", "internal", False), ("3", "discussion", True),
                     ("4", "internal", False)]
    assert ticket.notes[0].author == "Dana Whitfield" and ticket.notes[1].author == "Jamie L1"
    # The codebase came from companyinfo, and every API call used it.
    assert ("GET", f"/login/companyinfo/{cw.COMPANY}") in standin.requests
    assert all(p.startswith(f"/{cw.CODEBASE}apis/3.0/") for m, p in standin.requests if "companyinfo" not in p)
    assert ticket.url and "service_recid=4412" in ticket.url
    conn.close()


def test_resolution_note_and_missing_ticket(standin: cw.StandIn) -> None:
    standin.add_ticket(7, company="AcmeDental", summary="x", updated=T0, closed=True, status="Closed")
    standin.add_note(7, 70, "Replaced the PSU.", kind="resolution", at=T0)
    conn = connector(standin)
    ticket = conn.fetch_ticket("7")
    assert ticket is not None and ticket.closed and ticket.resolved_at == T0
    assert [(n.kind, n.customer_visible) for n in ticket.notes] == [("resolution", True)]
    assert conn.fetch_ticket("999") is None  # 404 {"code": "NotFound"} is an answer, not an error
    assert conn.fetch_ticket("../etc") is None  # not a number: never sent
    conn.close()


def test_codebase_defaults_when_companyinfo_has_none(standin: cw.StandIn) -> None:
    conn = connector(standin, codebase=None)
    conn.company = "x"  # the stand-in answers any company; simulate an empty answer instead
    conn.http.get = lambda url, params=None, allow_404=False: type("R", (), {"data": {}, "status": 200})()  # type: ignore[method-assign]
    assert conn.codebase == "v4_6_release/"


def test_changed_pages_follow_link_header_and_watermark(standin: cw.StandIn) -> None:
    for n in range(25):
        standin.add_ticket(100 + n, company="AcmeDental", summary=f"t{n}", updated=T0 + timedelta(minutes=n))
    conn = connector(standin)
    pages = list(conn.changed_pages(None, page_size=10))
    assert [len(p.tickets) for p in pages] == [10, 10, 5]
    assert [p.has_next for p in pages] == [True, True, False]
    since = T0 + timedelta(minutes=20)
    later = [t.id for p in conn.changed_pages(since, page_size=10) for t in p.tickets]
    assert later == [str(100 + n) for n in range(20, 25)]  # >= the watermark: its own second included
    resumed = list(conn.changed_pages(None, start_page=3, page_size=10))
    assert [p.page for p in resumed] == [3]
    conn.close()


def test_wrong_keys_are_a_clear_error(standin: cw.StandIn) -> None:
    conn = ConnectWiseConnector(site=standin.url, company=cw.COMPANY, public_key="nope", private_key="bad",
                                client_id=cw.CLIENT_ID, policy=RetryPolicy(max_retries=0))
    with pytest.raises(PsaError) as err:
        conn.fetch_ticket("1")
    assert err.value.status == 401 and "API keys" in err.value.message and "Authentication failed" in err.value.message
    conn.close()


def test_settings_name_what_is_missing() -> None:
    with pytest.raises(ConfigError) as err:
        ConnectWiseConnector.from_settings(Settings(connectwise_site="api-na.myconnectwise.net"))
    assert "HANDOFF_CONNECTWISE_COMPANY" in err.value.message and "HANDOFF_CONNECTWISE_SITE" not in err.value.message
    assert Settings(connectwise_site="api-na.myconnectwise.net/").connectwise_site == "https://api-na.myconnectwise.net"


# --- the retry policy: each failure kind, then giving up ------------------------------------

def _client(standin: cw.StandIn, sleeps: list[float], max_retries: int = 4,
            max_retry_after_s: float = 120.0) -> ConnectWiseConnector:
    policy = RetryPolicy(max_retries=max_retries, base_delay_s=0.001, max_delay_s=0.01,
                         max_retry_after_s=max_retry_after_s)
    conn = connector(standin, policy=policy, timeout_s=0.5)
    conn.http._sleep = sleeps.append  # record the waits instead of sleeping
    return conn


def test_429_waits_for_retry_after(standin: cw.StandIn) -> None:
    escalation_ticket(standin)
    sleeps: list[float] = []
    conn = _client(standin, sleeps)
    conn.codebase  # noqa: B018  (the lookup is not behind the fault)
    standin.faults.storm_429, standin.faults.retry_after = 2, "3"
    assert conn.fetch_ticket("4412") is not None
    assert sleeps == [3.0, 3.0]


def test_429_storm_longer_than_the_budget_gives_up(standin: cw.StandIn) -> None:
    sleeps: list[float] = []
    conn = _client(standin, sleeps, max_retries=2)
    conn.codebase  # noqa: B018
    standin.faults.storm_429 = 10
    with pytest.raises(PsaUnavailable, match="429"):
        conn.fetch_ticket("1")
    assert len(sleeps) == 2


def test_retry_after_beyond_the_cap_is_not_slept(standin: cw.StandIn) -> None:
    sleeps: list[float] = []
    conn = _client(standin, sleeps, max_retry_after_s=60)
    conn.codebase  # noqa: B018
    standin.faults.storm_429, standin.faults.retry_after = 1, "3600"
    with pytest.raises(PsaUnavailable, match="3600s"):
        conn.fetch_ticket("1")
    assert sleeps == []


@pytest.mark.parametrize("fault", ["errors_5xx", "drops", "slow"])
def test_5xx_drops_and_timeouts_are_retried(standin: cw.StandIn, fault: str) -> None:
    escalation_ticket(standin)
    sleeps: list[float] = []
    conn = _client(standin, sleeps)
    conn.codebase  # noqa: B018
    setattr(standin.faults, fault, 2)
    standin.faults.slow_s = 1.5  # > the client's 0.5 s timeout
    assert conn.fetch_ticket("4412") is not None
    assert len(sleeps) == 2 and conn.http.retries == 2


@pytest.mark.parametrize("fault", ["errors_5xx", "drops", "slow"])
def test_persistent_failure_ends_in_psa_unavailable(standin: cw.StandIn, fault: str) -> None:
    sleeps: list[float] = []
    conn = _client(standin, sleeps, max_retries=1)
    conn.codebase  # noqa: B018
    setattr(standin.faults, fault, 5)
    standin.faults.slow_s = 1.5
    with pytest.raises(PsaUnavailable, match="after 2 attempts"):
        conn.fetch_ticket("1")


def test_connection_refused_is_retried_then_reported() -> None:
    sleeps: list[float] = []
    http = PsaHttp("http://127.0.0.1:9", policy=RetryPolicy(max_retries=2), sleep=sleeps.append, timeout_s=1)
    with pytest.raises(PsaUnavailable, match="ConnectError"):
        http.get("/x")
    assert len(sleeps) == 2


def test_retry_after_and_link_parsing() -> None:
    now = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Sun, 06 Dec 2026 04:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    headers = httpx.Headers({"Link": '<https://x/a?page=2>; rel="next", <https://x/a?page=9>; rel="last"'})
    assert link_next(headers) == "https://x/a?page=2"
    assert link_next(httpx.Headers({"Link": '<https://x/a?page=9>; rel="last"'})) is None


# --- callback verification ---------------------------------------------------------------

def test_callback_signature_is_verified_with_the_sites_key(standin: cw.StandIn) -> None:
    conn = connector(standin)
    body = callback_body(standin, ticket_id=4412)
    event = conn.verify_webhook(body, signed(body))
    assert (event.kind, event.action, event.ticket_id, event.delivery_id) == ("ticket", "updated", "4412", "m-1")
    conn.verify_webhook(body, signed(body))
    assert conn.callbacks.key_fetches == 1  # cached
    with pytest.raises(WebhookRejected) as err:
        conn.verify_webhook(body + b" ", signed(body))  # body changed after signing
    assert err.value.status == 401 and err.value.reason == "bad_signature"
    assert conn.callbacks.key_fetches == 2  # one fresh look in case the key rotated, then refused
    with pytest.raises(WebhookRejected) as err:
        conn.verify_webhook(body, signed(body, key="attacker-key"))
    assert err.value.status == 401
    with pytest.raises(WebhookRejected) as err:
        conn.verify_webhook(body, {})
    assert (err.value.status, err.value.reason) == (401, "unsigned")


@pytest.mark.parametrize("key_url", [
    "http://127.0.0.2:{port}/v2025_1//system/callbackkey/index.rails",  # another host
    "https://127.0.0.1:{port}/v2025_1//system/callbackkey/index.rails",  # another scheme
    "http://127.0.0.1:1/v2025_1//system/callbackkey/index.rails",  # another port
    "http://127.0.0.1:{port}@evil.example/key",  # userinfo trick: the host is evil.example
    "/v2025_1//system/callbackkey/index.rails",  # relative
])
def test_key_url_off_the_site_is_never_fetched(standin: cw.StandIn, key_url: str) -> None:
    port = standin.url.rsplit(":", 1)[1]
    conn = connector(standin)
    body = callback_body(standin, ticket_id=4412, key_url=key_url.format(port=port))
    before = len(standin.requests)
    with pytest.raises(WebhookRejected) as err:
        conn.verify_webhook(body, signed(body))
    assert (err.value.status, err.value.reason) == (401, "untrusted_key_url")
    assert len(standin.requests) == before and conn.callbacks.key_fetches == 0
