"""``handoff serve web`` and its signed links, through the real core, the real aiohttp app and SQL.

The world (tests/harness/worlds.py) has two clients, acme and ridge, with a
device called DC01 each; links are minted by the core exactly as for a post
into a channel, then opened through the app.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader

from adapters.slack.blocks import packet_message
from adapters.teams import answer_cards, cards
from adapters.web.app import SECURITY_HEADERS, make_app
from bot.config import Settings
from bot.core import Core
from bot.tenancy.policy import Where
from bot.weblinks.signing import LinkSigner
from tests.harness.worlds import core_with_index, write_world

PUBLIC = "https://handoff.example.com"
KEY_OLD, KEY_NEW = "o" * 40, "n" * 40
ACME = Where("slack", "C0ACME", "U0ENG")
RIDGE = Where("slack", "C0RIDGE", "U0ENG")
NOC = Where("slack", "C0NOC", "U0ENG")


def web_settings(tmp_path: Path, db_url: str, **kw: object) -> Settings:
    return Settings(data_dir=tmp_path / "d", database_url=db_url, slack_noc_channels=["C0NOC"],
                    public_url=PUBLIC, web_secret=[KEY_NEW, KEY_OLD], **kw)  # type: ignore[arg-type]


@pytest.fixture
def core(tmp_path: Path, db_url: str, embedder) -> Iterator[Core]:  # type: ignore[no-untyped-def]
    c = core_with_index(web_settings(tmp_path, db_url), embedder, write_world(tmp_path / "w"))
    yield c
    c.close()


@pytest.fixture
async def web(core: Core) -> AsyncIterator[TestClient]:
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    yield client
    await client.close()


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC + "/v/"), url
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


async def get(web: TestClient, path: str) -> tuple[int, str]:
    response = await web.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    return response.status, await response.text()


# --- the signature itself ---------------------------------------------------------------------

def test_signer_rotation_expiry_and_binding() -> None:
    old = LinkSigner([KEY_OLD], validity_s=14 * 86400)
    rotated = LinkSigner([KEY_NEW, KEY_OLD], validity_s=14 * 86400)
    now = 1_800_000_000.0
    signed = old.sign("packet", "7", "acme", now=now)
    assert signed.expires == int(now) + 14 * 86400
    assert rotated.verify("packet", "7", "acme", signed.expires, signed.signature, now=now)  # old links still open
    assert not LinkSigner([KEY_NEW], validity_s=1).verify("packet", "7", "acme", signed.expires, signed.signature,
                                                         now=now)  # ...until the old key is dropped
    new = rotated.sign("packet", "7", "acme", now=now)
    assert new.signature != signed.signature  # the newest key signs
    for kind, object_id, tenant in [("packet", "8", "acme"), ("packet", "7", "ridge"), ("signal", "7", "acme")]:
        assert not rotated.verify(kind, object_id, tenant, new.expires, new.signature, now=now)
    assert not rotated.verify("packet", "7", "acme", new.expires + 1, new.signature, now=now)
    assert not rotated.verify("packet", "7", "acme", new.expires, new.signature, now=new.expires + 1)
    tampered = new.signature[:-1] + ("A" if new.signature[-1] != "A" else "B")
    assert not rotated.verify("packet", "7", "acme", new.expires, tampered, now=now)


def test_short_or_placeholder_secrets_are_refused(tmp_path: Path) -> None:
    from pydantic import ValidationError

    for bad in ("changeme", "short", f"{KEY_NEW},secret"):
        with pytest.raises(ValidationError, match="web_secret"):
            Settings(data_dir=tmp_path, web_secret=bad)  # type: ignore[arg-type]
    assert Settings(data_dir=tmp_path, web_secret=f"{KEY_NEW}, {KEY_OLD}").web_secret == [KEY_NEW, KEY_OLD]  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="public_url"):
        Settings(data_dir=tmp_path, public_url="handoff.example.com")


# --- links minted for a place -----------------------------------------------------------------

def test_links_are_minted_only_for_places_that_may_see_the_client(core: Core) -> None:
    packet = core.packet_for("4412", where=ACME)
    assert packet.web_url and packet.web_url.startswith(f"{PUBLIC}/v/packet/{packet.packet_id}?exp=")
    internal = {s.url for c in packet.claims for s in c.sources if s.url.startswith("handoff://")}
    assert internal and set(packet.links) >= {u for u in internal if u.startswith(("handoff://signals/",
                                                                                     "handoff://checklists/"))}
    # The same packet handed to another client's channel, or to a channel shared outside the MSP: no links.
    for place in (RIDGE, Where("slack", "C0ACME", "U0ENG", externally_shared=True), None):
        again = core.publish_packet(core.packet_for("4412", where=ACME), place)
        assert again.web_url is None and again.links == {}
    # Nothing posted carries a handoff:// URI, with links or without.
    for p in (packet, core.publish_packet(core.packet_for("4412", where=ACME), None)):
        posted = json.dumps(packet_message(p).blocks) + json.dumps(cards.packet_cards(p).first)
        assert "handoff://" not in posted
    assert packet.web_url in json.dumps(packet_message(packet).blocks)
    assert packet.web_url in json.dumps(cards.packet_cards(packet).first)


def test_without_settings_there_are_no_links(tmp_path: Path, db_url: str, embedder) -> None:  # type: ignore[no-untyped-def]
    core = core_with_index(Settings(data_dir=tmp_path / "d", database_url=db_url), embedder,
                           write_world(tmp_path / "w"))
    try:
        packet = core.packet_for("4412", where=ACME)
        assert packet.web_url is None and packet.links == {}
        assert "handoff://" not in json.dumps(packet_message(packet).blocks)
    finally:
        core.close()


# --- pages ------------------------------------------------------------------------------------

async def test_packet_page_shows_every_claim_with_sources_confidence_and_reason(core: Core, web: TestClient) -> None:
    packet = core.packet_for("4412", where=ACME)
    status, html = await get(web, path_of(packet.web_url or ""))
    assert status == 200
    assert "Escalation packet · Ticket #4412" in html and "Acme Dental Group" in html
    for claim in packet.claims:
        assert f'id="claim-{claim.id}"' in html
        assert f"confidence {claim.confidence.score:.2f}" in html
    assert "handoff://" not in html and "Ridgeline" not in html
    # Client-written text stays text.
    assert "ignore previous instructions" not in html or "&lt;" not in html


async def test_signal_checklist_report_and_metrics_pages_open(core: Core, web: TestClient) -> None:
    packet = core.packet_for("4412", where=ACME)
    signal = next(u for k, u in packet.links.items() if k.startswith("handoff://signals/"))
    status, html = await get(web, path_of(signal))
    assert status == 200 and "Replication from DC02 failed" in html and "access denied" not in html
    checklist = next(u for k, u in packet.links.items() if k.startswith("handoff://checklists/"))
    status, html = await get(web, path_of(checklist))
    assert status == 200 and "checklist" in html.lower()
    draft = core.report(where=NOC, client="acme", month="2026-11")
    assert draft.web_url
    status, html = await get(web, path_of(draft.web_url))
    assert status == 200 and "Internal review only" in html and "handoff://" not in html
    assert 'id="E1"' in html and "Left out of the client version" in html and "data:image/png;base64," in html
    # The same signed link opens its PDFs (Teams links here); a tampered or foreign one gets the 403 page.
    for audience in ("client", "internal"):
        response = await web.get(path_of(draft.web_url).replace("?", f"/{audience}.pdf?"))
        body = await response.read()
        assert response.status == 200 and response.content_type == "application/pdf" and body.startswith(b"%PDF-")
        text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
        assert ("Evidence" in text) == (audience == "internal") and "Ridgeline" not in text
    ridge = core.report(where=NOC, client="ridgeline", month="2026-11")
    assert ridge.web_url
    foreign = path_of(ridge.web_url).replace(f"/report/{ridge.report_id}?", f"/report/{draft.report_id}/client.pdf?")
    tampered = path_of(draft.web_url).replace("?", "/client.pdf?").replace("sig=", "sig=A")
    for path in (foreign, tampered):
        status, html = await get(web, path)
        assert status == 403 and "Acme" not in html
    metrics = core.metrics(where=ACME)
    assert metrics.web_url
    status, html = await get(web, path_of(metrics.web_url))
    assert status == 200 and "Handoff metrics: Acme Dental Group" in html and "Ridgeline" not in html
    chart = html.split('<img src="')[1].split('"')[0].replace("&amp;", "&")
    response = await web.get(chart)
    assert response.status == 200 and (await response.read()).startswith(b"\x89PNG")


async def test_tampered_expired_and_foreign_links_get_the_same_403(core: Core, web: TestClient) -> None:
    acme = core.packet_for("4412", where=ACME)
    ridge = core.packet_for("5001", where=RIDGE)
    assert acme.web_url and ridge.web_url
    sig = parse_qs(urlsplit(acme.web_url).query)["sig"][0]
    bad = [
        with_query(acme.web_url, sig=sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")),  # tampered
        with_query(acme.web_url, exp=str(int(parse_qs(urlsplit(acme.web_url).query)["exp"][0]) + 60)),
        # ridge's packet with acme's valid signature (for a different object)
        with_query(ridge.web_url, sig=sig, exp=parse_qs(urlsplit(acme.web_url).query)["exp"][0]),
        path_of(ridge.web_url).replace(f"/packet/{ridge.packet_id}", f"/packet/{acme.packet_id}"),
        path_of(acme.web_url).replace("/packet/", "/report/"),
        path_of(acme.web_url).replace("/packet/", "/signal/"),
        f"/v/packet/{acme.packet_id}", f"/v/packet/999999?exp=9999999999&sig={sig}",
        f"/v/checklist/end%0Apoint?exp=9999999999&sig={sig}", f"/v/metrics/acme?exp=x&sig={sig}",
        f"/v/nothing/1?exp=9999999999&sig={sig}",
    ]
    expired = core.web_links.url("packet", str(acme.packet_id), "acme", now=time.time() - 15 * 86400)
    assert expired is not None
    bad.append(path_of(expired))
    bodies = set()
    for path in bad:
        status, html = await get(web, path)
        assert status == 403, path
        assert "Acme" not in html and "Ridgeline" not in html and "4412" not in html and "5001" not in html
        bodies.add(html)
    assert len(bodies) == 1  # every refusal looks the same


async def test_a_link_minted_in_a_client_channel_never_opens_another_clients_page(core: Core, web: TestClient) -> None:
    acme = core.packet_for("4412", where=ACME)
    ridge = core.packet_for("5001", where=RIDGE)
    ridge_ids = {urlsplit(u).path for u in [ridge.web_url or "", *ridge.links.values()]}
    for url in [acme.web_url or "", *acme.links.values()]:
        status, html = await get(web, path_of(url))
        assert status == 200 and "Ridgeline" not in html and "access denied" not in html
        # The same signature pointed at each of ridge's objects opens nothing.
        query = urlsplit(url).query
        for other in ridge_ids:
            if other != urlsplit(url).path:
                status, _ = await get(web, f"{other}?{query}")
                assert status == 403


async def test_dashboard_is_off_unless_a_trusted_proxy_header_is_configured(
        tmp_path: Path, db_url: str, embedder, web: TestClient) -> None:  # type: ignore[no-untyped-def]
    assert (await web.get("/dashboard", headers={"X-Forwarded-User": "dana"})).status == 404
    core = core_with_index(web_settings(tmp_path / "p", db_url, web_trusted_user_header="X-Forwarded-User"),
                           embedder, write_world(tmp_path / "w2"))
    client = TestClient(TestServer(make_app(core)))
    await client.start_server()
    try:
        assert (await client.get("/dashboard")).status == 403
        status, html = await get(client, "/dashboard?x=1")
        assert status == 403
        response = await client.get("/dashboard", headers={"X-Forwarded-User": "dana@msp.example"})
        html = await response.text()
        assert response.status == 200 and "all clients" in html and "ridge" in html and "acme" in html
    finally:
        await client.close()
        core.close()


async def test_triage_links_each_signal_to_its_page(core: Core, web: TestClient) -> None:
    mine = core.triage(where=ACME)
    assert mine.signals and all(s.web_url and s.tenant == "acme" for s in mine.signals)
    status, html = await get(web, path_of(mine.signals[0].web_url or ""))
    assert status == 200 and "Acme Dental Group" in html and "access denied" not in html
    everyone = core.triage(where=NOC)
    assert {s.tenant for s in everyone.signals} == {"acme", "ridge"} and all(s.web_url for s in everyone.signals)
    assert "handoff://" not in json.dumps(answer_cards.triage_card(everyone))


async def test_report_charts_are_drawn_once_per_revision_and_read_by_every_front_end(
        core: Core, web: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Slack post draws a revision's charts and stores them; the web process (its own cache empty) then
    serves the page and the PDF from the database without drawing again (drawing takes 1 to 2 s)."""
    import base64

    from adapters.web import report_document
    from bot.db.models import Report
    from bot.reporting import report_charts

    draft = core.report(where=NOC, client="acme", month="2026-11")
    assert draft.web_url and draft.report_id is not None
    drawn = core.report_charts(draft.report_id, draft.review)  # what the Slack post does before its PDFs
    with core.session() as session:
        stored = session.get(Report, draft.report_id).charts  # type: ignore[union-attr]
    assert set(stored) == {"categories", "targets", "alerts"}
    assert base64.b64decode(stored["alerts"]) == drawn["alerts"] and drawn["alerts"].startswith(b"\x89PNG")

    def no_drawing(_review: object) -> dict[str, bytes]:
        raise AssertionError("the charts were drawn again")

    monkeypatch.setattr(report_charts, "all_charts", no_drawing)
    monkeypatch.setattr(report_document, "_CHARTS", {})  # another process: nothing in memory
    status, html = await get(web, path_of(draft.web_url))
    assert status == 200 and f"data:image/png;base64,{stored['categories']}" in html
    response = await web.get(path_of(draft.web_url).replace("?", "/client.pdf?"))
    assert response.status == 200 and (await response.read()).startswith(b"%PDF-")
    assert core.report_charts(draft.report_id, draft.review) == drawn
    # A new revision has none yet: it would be drawn (here: refused by the stand-in), never another's reused.
    again = core.report(where=NOC, client="acme", month="2026-11")
    with pytest.raises(AssertionError, match="drawn again"):
        core.report_charts(again.report_id, again.review)  # type: ignore[arg-type]
