"""Issue 14's announcement journey on the real platform, in headless Chromium: an
association publishes an event with its poster and asks for it on a screen of the city; the
city defines that screen and accepts; the association is mailed; the screen (JavaScript on,
1920×1080) shows the announcement with its poster beside the automatic listing.
Screenshots: var/screenshots/<test>/."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest

from tests.support.processes import wait_until
from tests.web.browser import Browser
from tests.web.journey import (
    CONTACT,
    PARIS,
    POSTER_ALT,
    association_signs_in,
    city_signs_in,
    city_validates,
    publish_event,
    register_association,
)
from tests.web.platform import WebPlatform, text_of
from tests.web.test_accessibility import UNLABELLED

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_an_association_asks_the_city_accepts_and_the_screen_shows_the_poster(
    web_platform: WebPlatform, browser: Browser
) -> None:
    suffix = secrets.token_hex(3)
    name, title = f"Chorale de Velotte {suffix}", f"Concert de printemps {suffix}"
    screen = f"Hall de la mairie {suffix}"
    volunteer = browser.visitor("association")
    city = browser.visitor("ville")
    agenda = web_platform.url("agenda")

    slug = register_association(volunteer, web_platform, name)
    city_signs_in(city, web_platform)
    token = city_validates(city, name)
    association_signs_in(volunteer, web_platform, slug, token)
    publish_event(volunteer, web_platform, name, title)

    city.open(f"{web_platform.url('annuaire')}/espace-ville", "espace-ville")
    city.submit(city.page.get_by_role("link", name="Écrans de la ville"), "ecrans")
    city.submit(city.page.get_by_role("link", name="Nouvel écran"), "nouvel-ecran")
    assert city.page.evaluate(UNLABELLED) == []
    city.page.fill("#f-nom", screen)
    city.submit("Enregistrer", "ecran-cree")
    link = city.page.locator(f'td a[href$="/ecran/hall-de-la-mairie-{suffix}"]')
    address = link.inner_text()

    volunteer.open(f"{web_platform.url('annuaire')}/espace-association", "espace-association")
    volunteer.submit(volunteer.page.get_by_role("link", name="Annonces sur les écrans de la ville"),
                     "annonces")  # fmt: skip
    page = volunteer.page
    assert page.evaluate(UNLABELLED) == []
    page.select_option("#f-evenement", label=title)
    page.get_by_label(screen).check()
    today = datetime.now(PARIS).date()
    page.fill("#f-du", today.isoformat())
    page.fill("#f-au", (today + timedelta(days=5)).isoformat())
    volunteer.submit("Demander l'annonce", "annonce-demandee")
    assert "Votre demande est envoyée" in page.content()
    assert "En attente de la Ville" in page.content()

    city.open(f"{agenda}/ecrans", "annonce-en-attente")
    city.submit(city.page.get_by_role("button", name=f"Accepter « {title} »"), "annonce-acceptee")
    assert "Aucune annonce en attente." in city.page.content()

    mailed: list[str] = []

    def answered() -> bool:
        subject = "Réponse à votre demande d’annonce"
        mailed[:] = [text_of(m) for m in web_platform.mails_to(CONTACT)
                     if subject in str(m["Subject"]) and title in text_of(m)]  # fmt: skip
        return bool(mailed)

    wait_until(answered, timeout=30, interval=0.2, what="the mail of the city's answer")
    assert "accepte votre annonce" in mailed[0]
    assert screen in mailed[0]

    player = browser.visitor("ecran", javascript=True)
    player.page.set_viewport_size({"width": 1920, "height": 1080})
    player.open(address, "ecran-avec-annonce")
    announcement = player.page.locator("article.annonce").first
    assert title in announcement.inner_text()
    poster = announcement.locator("img")
    assert poster.get_attribute("alt") == POSTER_ALT
    loaded = "img => img.complete && img.naturalWidth > 0"
    assert player.page.evaluate(loaded, poster.element_handle())
