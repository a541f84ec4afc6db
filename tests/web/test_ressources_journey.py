"""Issue 15's reservation journey, in headless Chromium with JavaScript off, on the real
platform (the ressources service as a process beside the others): an association picks a
date, sees what the city can lend then, asks for two barnums and a room; the city grants one
barnum and the room, saying why; the association sees « accordée en partie » and the reason.
Screenshots: var/screenshots/<test>/."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

import httpx
import pytest

from tests.support.processes import wait_until
from tests.web.browser import Browser, Visitor
from tests.web.journey import (
    association_signs_in,
    city_signs_in,
    city_validates,
    register_association,
)
from tests.web.platform import WebPlatform
from tests.web.test_accessibility import UNLABELLED
from vieasso.ressources.domain.calendar import PARIS, Calendar

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

VENUE = "maison-de-quartier-battant"  # one of the reference venues the annuaire seeds
SATURDAY = 6


def lending_day() -> date:
    """A weekday about a month ahead (21 to 92 days' notice), neither a holiday nor closed."""
    day = datetime.now(PARIS).date() + timedelta(days=30)
    while day.isoweekday() >= SATURDAY or Calendar().closed(day):
        day += timedelta(days=1)
    return day


def city_lends(platform: WebPlatform, barnum: str, room: str) -> None:
    """Three barnums and a room in the catalogue, through the API (the catalogue's own
    journey is in its tests); the room waits for the annuaire's venues to reach the service."""
    api = f"{platform.url('ressources')}/api/catalogue"
    admin = {"Authorization": f"Bearer {platform.admin_token}"}
    model = {
        "name": barnum, "category": "barnums", "stock": 3, "deposit_eur": 200,
        "max_loan_days": 4, "storage_place": "Centre technique municipal",
        "notice": {"min_days": 21, "max_days": 92},
    }  # fmt: skip
    put = httpx.put(f"{api}/materiel/{slug_of(barnum)}", json=model, headers=admin, timeout=10)
    assert put.status_code == 200, put.text
    salle = {"name": room, "venue_id": VENUE, "capacity": 40, "accessible": True}

    def room_saved() -> bool:
        answer = httpx.put(f"{api}/salles/{slug_of(room)}", json=salle, headers=admin, timeout=10)
        return answer.status_code == 200

    wait_until(room_saved, timeout=30, interval=0.5, what="the room saved on a known venue")


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def association_reserves(volunteer: Visitor, day: date, barnum: str, room: str) -> None:
    volunteer.submit(volunteer.page.get_by_role("link", name="Réserver du matériel ou une salle"),
                     "reserver")  # fmt: skip
    page = volunteer.page
    assert "1. Vos dates" in page.content()
    page.fill("#f-du", day.isoformat())
    page.fill("#f-au", day.isoformat())
    page.select_option("#f-debut", "matin")
    page.select_option("#f-fin", "apres-midi")
    volunteer.submit("Voir ce qui est disponible", "disponible-ce-jour-la")
    assert "3 sur 3" in page.content()
    assert page.evaluate(UNLABELLED) == []  # every field of the basket has its label
    refused = volunteer.submit("Envoyer la demande", "panier-vide")  # nothing chosen yet
    assert refused is not None
    assert refused.status == 422
    assert "Choisissez au moins un matériel" in page.content()
    page.get_by_label(f"Quantité de « {barnum} »").fill("2")
    page.get_by_label(re.compile(re.escape(room))).check()
    volunteer.submit("Envoyer la demande", "demande-envoyee")
    assert "Votre demande est envoyée" in page.content()
    assert "demandée" in page.locator("#mes-demandes ~ article .etat").first.inner_text()


def city_grants_one_barnum(city: Visitor, platform: WebPlatform, name: str, barnum: str) -> None:
    city.open(f"{platform.url('annuaire')}/espace-ville", "espace-ville")
    city.submit(city.page.get_by_role("link", name="Prêts de matériel et de salles"), "prets")
    assert city.page.evaluate(UNLABELLED) == []
    request = city.page.locator("article.demande", has_text=name)
    request.get_by_label(f"Unités de « {barnum} » à accorder").fill("1")
    request.get_by_label(re.compile("^Motif")).fill(
        "Deux barnums servent au marché de Noël ce jour-là : nous vous en prêtons un."
    )
    city.submit(request.get_by_role("button", name=re.compile("^Enregistrer la décision")),
                "accord-partiel-enregistre")  # fmt: skip
    assert "accordée en partie" in city.page.content()


def test_an_association_reserves_two_barnums_and_a_room_and_sees_the_partial_approval(
    web_platform: WebPlatform, browser: Browser
) -> None:
    suffix = secrets.token_hex(3)
    name = f"Comité des fêtes de Velotte {suffix}"
    barnum, room = f"Barnum 3 × 3 m {suffix}", f"Salle de la Grette {suffix}"
    city_lends(web_platform, barnum, room)
    volunteer = browser.visitor("association")
    city = browser.visitor("ville")

    slug = register_association(volunteer, web_platform, name)
    city_signs_in(city, web_platform)
    token = city_validates(city, name)
    association_signs_in(volunteer, web_platform, slug, token)
    association_reserves(volunteer, lending_day(), barnum, room)
    city_grants_one_barnum(city, web_platform, name, barnum)

    volunteer.open(f"{web_platform.url('ressources')}/espace-association/reservations", "reponse")
    mine = volunteer.page.locator("article.demande").first
    assert mine.locator(".etat").inner_text() == "accordée en partie"
    rows = [r.inner_text().split("\t") for r in mine.locator("tbody tr").all()]
    assert [row[1:] for row in rows] == [["2", "1"], ["matin → après-midi", "oui"]], rows
    assert "marché de Noël" in mine.inner_text()
