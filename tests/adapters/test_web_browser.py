"""Each page type in a real headless Chromium: what a person sees, with the keyboard, in print.

Runs the real aiohttp app on a local port with the real core; the links are
the ones the core mints for a post into acme's channel. Skips with the reason
when the system Chromium is absent (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from adapters.web.app import make_app
from bot.core import Core
from tests.adapters.test_web_pages import ACME, NOC, web_settings
from tests.harness.browser import chromium_or_skip
from tests.harness.worlds import core_with_index, write_world


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = chromium_or_skip()
    yield driver
    driver.quit()


@pytest.fixture
def site(tmp_path: Path, embedder) -> Iterator[tuple[Core, str]]:  # type: ignore[no-untyped-def]
    core = core_with_index(web_settings(tmp_path, f"sqlite:///{tmp_path / 'h.db'}"), embedder,
                           write_world(tmp_path / "w"))
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(make_app(core))
    loop.run_until_complete(runner.setup())
    site_ = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site_.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield core, f"http://127.0.0.1:{port}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.run_until_complete(runner.cleanup())
    loop.close()
    core.close()


def local(base: str, url: str) -> str:
    parts = urlsplit(url)
    return f"{base}{parts.path}?{parts.query}" + (f"#{parts.fragment}" if parts.fragment else "")


def test_pages_read_right_in_a_real_browser(browser: Any, site: tuple[Core, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    core, base = site
    packet = core.packet_for("4412", where=ACME)
    browser.get(local(base, packet.web_url or ""))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Escalation packet · Ticket #4412"
    sections = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section h2")]
    assert sections[0].startswith("Summary") and any(s.startswith("Still unknown") for s in sections)
    first = packet.claims[0]
    claim = browser.find_element(By.ID, f"claim-{first.id}")
    assert first.text in claim.text
    # Confidence is a word and a score, not a colour alone; the reason and the sources are there.
    assert f"{first.confidence.label.capitalize()} confidence {first.confidence.score:.2f}" in claim.text
    links = claim.find_elements(By.CSS_SELECTOR, ".sources a")
    assert links and all(a.get_attribute("href").startswith(("https://", "http://")) for a in links)
    assert "handoff://" not in browser.page_source and "Ridgeline" not in browser.find_element(By.TAG_NAME, "body").text
    # The keyboard: the first Tab lands on "Skip to content", which is visible when focused.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.text == "Skip to content" and focused.is_displayed()
    # Print: the table of contents is hidden, the claims stay.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not browser.find_element(By.CSS_SELECTOR, "nav.toc").is_displayed()
    assert browser.find_element(By.ID, f"claim-{first.id}").is_displayed()
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    shots = Path("/work/screens")
    if shots.is_dir():
        browser.save_screenshot(str(shots / "packet-page.png"))

    signal = next(u for k, u in packet.links.items() if k.startswith("handoff://signals/"))
    browser.get(local(base, signal))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Alert signal · ")
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert rows and "Replication from DC02 failed" in rows[0].text

    checklist = next(u for k, u in packet.links.items() if k.startswith("handoff://checklists/"))
    browser.get(local(base, checklist))
    fragment = urlsplit(checklist).fragment
    item = browser.find_element(By.ID, fragment)
    assert item.text and item.find_element(By.TAG_NAME, "strong").text.endswith("?")

    draft = core.report(where=NOC, client="acme", month="2026-11")
    browser.get(local(base, draft.web_url or ""))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Acme Dental Group: service report, November 2026"
    assert "Internal review only." in browser.find_element(By.CSS_SELECTOR, ".notice").text

    metrics = core.metrics(where=ACME)
    browser.get(local(base, metrics.web_url or ""))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Handoff metrics: Acme Dental Group"
    image = browser.find_element(By.CSS_SELECTOR, "figure img")
    assert image.get_attribute("alt") and browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", image)

    # A tampered link: the refusal page, nothing else.
    browser.get(local(base, (packet.web_url or "").replace("sig=", "sig=x")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "This link doesn't open anything"
    assert "4412" not in browser.find_element(By.TAG_NAME, "body").text


def test_compact_slack_mockup_screenshot(browser: Any, site: tuple[Core, str], tmp_path: Path) -> None:
    """The glance drawn by the mock-up renderer: one screen, every section's top claim visible."""
    from selenium.webdriver.common.by import By

    from adapters.slack.blocks import packet_message
    from tests.harness.slack_mockup import page

    core, _ = site
    packet = core.packet_for("4412", where=ACME)
    path = tmp_path / "slack.html"
    path.write_text(page(packet_message(packet).blocks), encoding="utf-8")
    browser.set_window_size(900, 1000)
    browser.get(path.as_uri())
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Ticket #4412 · Acme Dental Group · DC01" in text and "Summary · " in text
    assert "Open the full packet" in text and "handoff://" not in text
    height = browser.execute_script("return document.body.scrollHeight")
    assert height < 1400  # one screen-ish, not the 1,400 px of the old per-claim layout
    if Path("/work/screens").is_dir():
        browser.save_screenshot(str(Path("/work/screens") / "slack-compact.png"))
