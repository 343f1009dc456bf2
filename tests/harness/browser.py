"""A real headless Chromium from the system packages (Debian's chromium + chromium-driver), via Selenium.

Never downloads a browser: the binary and driver must be on the machine
(``.ci/run`` installs them with apt). ``chromium_or_skip`` skips the test with
the reason when they are not.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--window-size=1200,1600")


def chromium_or_skip() -> Any:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("no system Chromium/chromedriver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    try:
        return webdriver.Chrome(service=Service(executable_path=driver), options=options)
    except Exception as exc:  # e.g. a driver that doesn't match the browser
        pytest.skip(f"Chromium would not start: {str(exc).splitlines()[0][:200]}")
