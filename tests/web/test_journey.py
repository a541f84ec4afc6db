"""Issue 7's journey, in headless Chromium with JavaScript off, on the real platform: an
association registers, the city validates it, the association publishes an event, the event
is on the agenda and in its feed, a resident subscribes and confirms from the mail, and the
digest the city sends from its page reaches them; the city and the association sign out.
Screenshots: var/screenshots/<test>/."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from tests.support.processes import wait_until
from tests.web.browser import Browser
from tests.web.journey import (
    POSTER_ALT,
    association_signs_in,
    city_sends_the_digest,
    city_signs_in,
    city_validates,
    publish_event,
    register_association,
    resident_subscribes,
    signs_out,
)
from tests.web.platform import WebPlatform, link_in, text_of

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_association_to_agenda_to_digest_in_the_browser(
    web_platform: WebPlatform, browser: Browser
) -> None:
    name = f"Chorale du Battant {secrets.token_hex(3)}"
    title = f"Concert de Noël {secrets.token_hex(3)}"
    email = f"habitante-{secrets.token_hex(4)}@example.org"
    volunteer = browser.visitor("association")
    city = browser.visitor("ville")
    resident = browser.visitor("habitante")

    slug = register_association(volunteer, web_platform, name)
    city_signs_in(city, web_platform)
    token = city_validates(city, name)
    association_signs_in(volunteer, web_platform, slug, token)
    assert name in volunteer.page.content()
    publish_event(volunteer, web_platform, name, title)

    agenda = f"{web_platform.url('agenda')}/agenda"
    wait_until(
        lambda: resident.page.goto(agenda) is not None and title in resident.page.content(),
        timeout=30,
        interval=0.5,
        what="the event on /agenda",
    )
    resident.shot("agenda")
    resident.submit(resident.page.get_by_role("link", name=title), "evenement")
    jsonld = json.loads(resident.page.locator('script[type="application/ld+json"]').inner_text())
    assert (jsonld["@type"], jsonld["name"]) == ("Event", title)
    poster = resident.page.get_by_alt_text(POSTER_ALT)  # shown by the browser, CSP included
    assert poster.evaluate("image => image.complete && image.naturalWidth") > 0
    assert jsonld["image"]["caption"] == POSTER_ALT
    feed = httpx.get(f"{web_platform.url('agenda')}/feeds/agenda.ics", timeout=10)
    assert feed.status_code == 200
    assert f"SUMMARY:{title}" in feed.text.replace("\r\n ", "")
    assert f"UID:{slug}." in feed.text

    resident_subscribes(resident, web_platform, email)
    city_sends_the_digest(city, web_platform)

    signs_out(city, web_platform, "espace-ville")
    signs_out(volunteer, web_platform, "espace-association")

    digest = web_platform.wait_mail(email, "La lettre de la vie associative")
    body = text_of(digest)
    assert title in body
    assert name in body
    resident.open(link_in(digest, f"/associations/{slug}"), "association-depuis-la-lettre")
    assert resident.page.get_by_role("heading", name=name).count()  # its page, not JSON
    resident.open(link_in(digest, f"/events/{slug}/"), "evenement-depuis-la-lettre")
    assert resident.page.get_by_role("heading", name=title).count()
    resident.open(link_in(digest, "/archives/"), "lettre-en-ligne")
    assert title in resident.page.content()
    resident.submit(resident.page.get_by_role("link", name=name), "association-depuis-l-archive")
    assert resident.page.get_by_role("heading", name=name).count()
    resident.open(link_in(digest, "/archives/"), "lettre-en-ligne")
    unsubscribe = str(digest["List-Unsubscribe"]).split(",")[0].strip("<> ")
    resident.open(unsubscribe, "desabonnement")  # a GET shows a button, changes nothing
    resident.open(link_in(digest, "/preferences"), "preferences")
    assert "état : actif" in resident.page.content()
    resident.open(unsubscribe, "desabonnement")
    resident.submit("Me désabonner", "desabonne")
    assert "Vous êtes désabonné·e" in resident.page.content()
