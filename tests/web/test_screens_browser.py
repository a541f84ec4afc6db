"""The city's screens in headless Chromium, JavaScript on as on a signage player (issue 14).

- each layout (maintenant/ensuite, aujourd'hui, cette semaine) in both orientations
  (1920×1080 and 1080×1920), screenshotted;
- the offline case: the agenda process stopped, the screen keeps its last content (no error
  page, the page's own script keeps it), then the agenda back, the page updates by itself.
Its own nats-server and agenda process (`screens_support.py`): stopping that agenda touches
no other test. Screenshots: var/screenshots/<test>/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.processes import wait_until
from tests.web.browser import Browser, Visitor
from tests.web.screens_support import ScreenPlatform, rows_of
from vieasso.agenda.domain.screens import Layout, Orientation

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PARIS = ZoneInfo("Europe/Paris")
TITLE_SIZE = "parseFloat(getComputedStyle(document.querySelector('.titre')).fontSize)"
FAILED = "Number(document.body.dataset.echecs || 0)"
SIZES = {Orientation.LANDSCAPE: (1920, 1080), Orientation.PORTRAIT: (1080, 1920)}


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScreenPlatform]:
    # The layouts « maintenant » and « aujourd'hui » show the current Paris day: the agenda
    # and the browser run at 14:00 today, whatever the hour the test runs at (from 23:15 the
    # cancelled loto, 45 min later, started tomorrow and was on no screen).
    today = datetime.now(PARIS).date()
    at = datetime.combine(today, time(14), tzinfo=PARIS)
    platform = ScreenPlatform(workdir=tmp_path_factory.mktemp("ecrans"), at=at).start()
    try:
        now = platform.now().astimezone(PARIS).replace(second=0, microsecond=0)
        platform.event("atelier", "Atelier chant pour débutants", now - timedelta(minutes=30), 2,
                       venue_id="kursaal")  # fmt: skip
        platform.event("loto", "Grand loto de printemps", now + timedelta(minutes=45), 1,
                       venue_id="kursaal", status="cancelled")  # fmt: skip
        platform.event("concert", "Concert de la chorale", now + timedelta(hours=1), 1.5,
                       venue_id="kursaal")  # fmt: skip
        platform.event("repair", "Repair café", now + timedelta(days=2), 3,
                       venue_id="maison-battant")  # fmt: skip

        def loaded() -> bool:
            answer = httpx.get(f"{platform.url}/feeds/agenda.jsonld", timeout=5)
            return answer.status_code == 200 and answer.text.count('"@type":"Event"') >= 4

        wait_until(loaded, timeout=30, interval=0.2, what="the four events in the agenda")
        yield platform
    finally:
        platform.stop()


def on_screen(browser: Browser, platform: ScreenPlatform, orientation: Orientation) -> Visitor:
    player = browser.visitor(f"ecran-{orientation.value}", javascript=True)
    player.page.clock.install(time=platform.now())  # the agenda's hour; time runs from there
    width, height = SIZES[orientation]
    player.page.set_viewport_size({"width": width, "height": height})
    return player


@pytest.mark.parametrize("orientation", list(Orientation))
def test_each_layout_in_each_orientation_is_legible_and_flags_the_cancelled_event(
    screens: ScreenPlatform, browser: Browser, orientation: Orientation
) -> None:
    player = on_screen(browser, screens, orientation)
    for layout in Layout:
        screen_id = f"{layout.value}-{orientation.value}"
        venues = ("kursaal",) if layout is Layout.NOW_NEXT else ()
        screens.screen(screen_id, f"Kursaal — {layout.value}", layout, orientation, venues)
        response = player.open(f"{screens.url}/ecran/{screen_id}", screen_id)
        assert response.status == 200
        page = player.page
        assert page.locator("h1").inner_text().startswith("Kursaal")
        first = page.locator(".ligne").first
        assert "Atelier chant pour débutants" in first.inner_text()
        # the title, five metres away: at least 4 % of the screen's shorter side
        size = float(page.evaluate(TITLE_SIZE))
        assert size >= 0.04 * min(SIZES[orientation]), size
        cancelled = page.locator(".ligne.annule")
        assert cancelled.locator(".etat-evenement").text_content() == "Annulé"
        assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
        if layout is Layout.WEEK:
            assert "Repair café" in page.content()
        else:
            assert "Repair café" not in page.content()


def test_offline_the_screen_keeps_its_content_then_updates_by_itself(
    screens: ScreenPlatform, browser: Browser
) -> None:
    screens.screen("hall", "Hall de la mairie", Layout.TODAY, Orientation.LANDSCAPE)
    player = on_screen(browser, screens, Orientation.LANDSCAPE)
    player.open(f"{screens.url}/ecran/hall?rafraichir=2", "en-ligne")
    page = player.page
    assert "Atelier chant pour débutants" in page.content()

    screens.stop_agenda()
    # three refreshes fail: the content stays, on our page (no browser error page)
    updated = page.evaluate("Number(document.body.dataset.misAJour || 0)")
    wait_until(lambda: page.evaluate(FAILED) >= 3,
               timeout=30, interval=0.2, what="three failed refreshes")  # fmt: skip
    assert page.evaluate("document.body.classList.contains('hors-ligne')")
    player.shot("hors-ligne")
    assert page.url == f"{screens.url}/ecran/hall?rafraichir=2"
    assert page.locator("h1").inner_text() == "Hall de la mairie"
    assert "Atelier chant pour débutants" in page.locator(".programme").inner_text()
    assert page.evaluate("Number(document.body.dataset.misAJour || 0)") == updated

    renamed = "Hall de la mairie — rez-de-chaussée"  # changed on NATS while the agenda is down
    screens.screen("hall", renamed, Layout.TODAY, Orientation.LANDSCAPE, served=False)
    screens.start_agenda()
    wait_until(lambda: page.locator("h1").inner_text() == renamed,
               timeout=30, interval=0.2, what="the page updating by itself")  # fmt: skip
    assert not page.evaluate("document.body.classList.contains('hors-ligne')")
    player.shot("de-retour")


def test_the_city_defines_a_screen_from_its_space(
    screens: ScreenPlatform, browser: Browser
) -> None:
    city = browser.visitor("ville")
    city.context.add_cookies([screens.city_cookie()])  # type: ignore[list-item]
    city.open(f"{screens.url}/ecrans", "ecrans")
    city.submit(city.page.get_by_role("link", name="Nouvel écran"), "nouvel-ecran")
    page = city.page
    page.fill("#f-nom", "Accueil du Kursaal")
    page.select_option("#f-disposition", "maintenant")
    refused = city.submit("Enregistrer", "sans-lieu")
    assert refused is not None
    assert refused.status == 422
    page.get_by_label("Kursaal").check()
    page.select_option("#f-orientation", "portrait")
    city.submit("Enregistrer", "ecran-cree")
    assert "L'écran est créé" in page.content() or "L&#39;écran est créé" in page.content()
    link = page.get_by_role("link", name=f"{screens.url}/ecran/accueil-du-kursaal")
    assert link.count() == 1
    data = httpx.get(f"{screens.url}/ecran/accueil-du-kursaal.json", timeout=5)
    assert rows_of(data.content)[0]["title"] == "Atelier chant pour débutants"
