"""Chromium's transient refusal of a capture (`Unable to capture screenshot`, seen once on
the first page of a full `make test`) is asked again; any other error fails the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.web.browser import Screenshots

REFUSED = "Page.screenshot: Protocol error (Page.captureScreenshot): Unable to capture screenshot"


class FakePage:
    """Refuses the first `refusals` captures with `message`, then writes the file."""

    def __init__(self, refusals: int, message: str = REFUSED) -> None:
        self.refusals = refusals
        self.message = message
        self.calls = 0
        self.waited = 0

    def screenshot(self, **options: Any) -> bytes:
        self.calls += 1
        if self.calls <= self.refusals:
            raise PlaywrightError(self.message)
        Path(options["path"]).write_bytes(b"png")
        return b"png"

    def wait_for_timeout(self, milliseconds: float) -> None:
        self.waited += 1


def test_a_transient_refusal_is_asked_again(tmp_path: Path) -> None:
    page = FakePage(refusals=1)
    path = Screenshots(tmp_path).take(cast(Page, page), "accueil")
    assert path.read_bytes() == b"png"
    assert (page.calls, page.waited) == (2, 1)


def test_other_errors_and_a_lasting_refusal_fail(tmp_path: Path) -> None:
    with pytest.raises(PlaywrightError, match="Target closed"):
        Screenshots(tmp_path).take(cast(Page, FakePage(1, "Target closed")), "accueil")
    lasting = FakePage(refusals=10)
    with pytest.raises(PlaywrightError, match="Unable to capture"):
        Screenshots(tmp_path).take(cast(Page, lasting), "accueil")
    assert lasting.calls == 3
