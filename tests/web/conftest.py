"""Fixtures of the browser tests (marker `e2e`).

- `web_platform` — session: its own nats-server, the SMTP sink and the four services
  (tests/web/platform.py), healthy, linking to each other.
- `browser` — per test: headless Chromium profiles with screenshots saved under
  `var/screenshots/<test>/` (tests/web/browser.py).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.web.browser import SCREENSHOTS, Browser, Screenshots
from tests.web.platform import WebPlatform


@pytest.fixture(scope="session")
def web_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebPlatform]:
    platform = WebPlatform(workdir=tmp_path_factory.mktemp("web"))
    try:
        yield platform.start()
    finally:
        platform.stop()


@pytest.fixture
def browser(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Browser]:
    folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)  # only this test's pictures of an earlier run
    folder.mkdir(parents=True)
    with sync_playwright() as playwright:
        opened = Browser(playwright, tmp_path / "profiles", Screenshots(folder))
        try:
            yield opened
        finally:
            opened.close()
