"""Headless Chromium through Playwright, with a screenshot of every page a test visits.

The browser is Debian's `/usr/bin/chromium` (`make test` installs it, with `chromium-l10n`
for its French interface): Playwright never downloads one (no `playwright install`).
Chromium draws date fields in its interface language, taken from the environment
(`LANGUAGE`), not from Playwright's `locale` (which only sets `navigator.language` and
`Accept-Language`): both are French, so the screenshots show « 10/04/2027 ».
Each person in a test gets a fresh profile (user-data dir), so their cookies are their own.
Pages are saved as `var/screenshots/<test>/NN-<page>.png`, NN counting the test's pages in
order.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Locator, Page, Playwright, Response
from playwright.sync_api import Error as PlaywrightError

from tests.support.processes import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# the interface language (needs /usr/lib/chromium/locales/fr.pak, from chromium-l10n)
FRENCH = {"LANGUAGE": "fr_FR:fr", "LANG": "fr_FR.UTF-8"}
SCREENSHOTS = REPO / "var" / "screenshots"
PAGE_BUDGET = 100_000  # bytes of HTML before images (issue 7)
TRANSIENT = "Unable to capture screenshot"
CAPTURE_ATTEMPTS = 3


def file_name(text: str) -> str:
    """`/espace-ville/lettre` → `espace-ville-lettre`; nothing left → `accueil`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "accueil"


def page_name(url: str) -> str:
    """The name of the page at `url`: its path (`/` → `accueil`)."""
    return file_name(urlsplit(url).path)


@dataclass
class Screenshots:
    """Numbered full-page screenshots of one test, in `folder`."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{file_name(name)}.png"
        for attempt in range(CAPTURE_ATTEMPTS):
            try:
                page.screenshot(path=str(path), full_page=True)
                break
            except PlaywrightError as exc:
                # Chromium now and then refuses the first capture after a cold start
                # (`Page.captureScreenshot`: "Unable to capture screenshot", its compositor
                # has no frame yet) and takes the same picture a moment later; seen once in
                # a full `make test` (the journey's first page). Any other error is the test's.
                if TRANSIENT not in str(exc) or attempt == CAPTURE_ATTEMPTS - 1:
                    raise
                page.wait_for_timeout(250)  # Playwright's timer: the browser's events go on
        self.taken.append(path)
        return path


class Visitor:
    """One person's browser window; every navigation through it is screenshotted."""

    def __init__(self, context: BrowserContext, shots: Screenshots) -> None:
        self.context = context
        self.page = context.pages[0] if context.pages else context.new_page()
        self._shots = shots

    def open(self, url: str, name: str = "") -> Response:
        response = self.page.goto(url)
        assert response is not None, f"no response for {url}"
        self.shot(name)
        return response

    def submit(self, button: Locator | str, name: str = "") -> Response | None:
        """Click a submit button (or a link) and wait for the page it leads to."""
        target = self.page.get_by_role("button", name=button) if isinstance(button, str) else button
        with self.page.expect_navigation(wait_until="load") as navigation:
            target.click()
        self.shot(name)
        return navigation.value

    def fill(self, label: str, value: str) -> None:
        """Type into the one field whose label contains `label` (fails when none or several)."""
        self.page.get_by_label(label).fill(value)

    def shot(self, name: str = "") -> Path:
        html = self.page.content().encode()
        assert len(html) < PAGE_BUDGET, f"{self.page.url} is {len(html)} bytes of HTML"
        return self._shots.take(self.page, name or page_name(self.page.url))


class Browser:
    """Starts Chromium profiles (one per person) and closes them all at the end."""

    def __init__(self, playwright: Playwright, profiles: Path, shots: Screenshots) -> None:
        self._playwright = playwright
        self._profiles = profiles
        self.shots = shots
        self._contexts: list[BrowserContext] = []

    def visitor(self, who: str, *, javascript: bool = False) -> Visitor:
        """A fresh browser profile for `who`; JavaScript off by default (pages need none)."""
        if not CHROMIUM.exists():
            raise AssertionError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
        context = self._playwright.chromium.launch_persistent_context(
            str(self._profiles / who),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            java_script_enabled=javascript,
            locale="fr-FR",
            env={**os.environ, **FRENCH},
            timezone_id="Europe/Paris",
            viewport={"width": 1024, "height": 768},
        )
        context.set_default_timeout(15_000)
        self._contexts.append(context)
        return Visitor(context, self.shots)

    def close(self) -> None:
        for context in self._contexts:
            context.close()
