"""Issue 16's journey, in headless Chromium with JavaScript off, on the real platform (the
aides service as a process beside the others): the city creates an aid scheme, previews and
publishes it; an association answers the questions, sees the aid matched with its deadline
and follows it. Screenshots: var/screenshots/<test>/."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

import pytest

from tests.web.browser import Browser, Visitor
from tests.web.journey import (
    PARIS,
    association_signs_in,
    city_signs_in,
    city_validates,
    register_association,
)
from tests.web.platform import WebPlatform
from tests.web.test_accessibility import UNLABELLED
from vieasso.common.web.dates import date_fr

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def city_publishes_a_scheme(city: Visitor, platform: WebPlatform, name: str, deadline: str) -> None:
    city.open(f"{platform.url('annuaire')}/espace-ville", "espace-ville")
    city.submit(city.page.get_by_role("link", name="Dispositifs d’aide"), "dispositifs")
    city.submit(city.page.get_by_role("link", name="Ajouter un dispositif"), "nouveau")
    page = city.page
    assert page.evaluate(UNLABELLED) == []
    page.fill("#f-name", name)
    page.fill("#f-short-description", "Des petits projets culturels dans les quartiers.")
    page.get_by_label("Aide au projet", exact=True).check()
    page.get_by_label("Culture et pratiques artistiques").check()
    page.fill("#f-eligibility-budget-max", "10000")
    page.fill("#f-amounts-max-eur", "1500")
    page.select_option("#f-deadlines-kind", "date")
    refused = city.submit("Enregistrer", "date-manquante")  # no deadline typed yet
    assert refused is not None
    assert refused.status == 422
    assert "Ce champ est obligatoire." in page.content()
    page.fill("#f-deadlines-deadline", deadline)
    city.submit("Enregistrer", "apercu")
    assert "Aperçu — état : Brouillon" in page.content()
    city.submit("Publier", "publie")
    assert "Le dispositif est publié" in page.content()


def association_follows(volunteer: Visitor, platform: WebPlatform, name: str, day: str) -> None:
    volunteer.submit(volunteer.page.get_by_role("link", name="Les aides pour votre association"),
                     "aides")  # fmt: skip
    page = volunteer.page
    aid = page.locator("li", has=page.get_by_role("link", name=name, exact=True)).first
    assert "À vérifier" in aid.inner_text()
    assert "Indiquez votre budget annuel." in aid.inner_text()
    page.select_option("#f-budget", "moins-10k")
    page.fill("#f-volunteers", "12")
    start = (datetime.now(PARIS).date() + timedelta(days=90)).isoformat()
    page.fill("#f-project-start", start)
    volunteer.submit("Enregistrer mes réponses", "reponses")
    aid = page.locator("li", has=page.get_by_role("link", name=name, exact=True)).first
    text = aid.inner_text()
    assert "Éligible" in text
    assert f"Jusqu'au {day}" in text
    assert "Thème : Culture et pratiques artistiques." in text
    volunteer.submit(aid.get_by_role("button", name=re.compile("^Suivre cette aide")), "suivie")
    assert "Vous suivez cette aide" in page.content()
    assert name in page.locator("#suivies + ul").inner_text()
    assert "calendrier des aides" in page.content()


def test_the_city_publishes_an_aid_and_an_association_sees_it_matched_and_follows_it(
    web_platform: WebPlatform, browser: Browser
) -> None:
    suffix = secrets.token_hex(3)
    scheme = f"Coup de pouce culture {suffix}"
    deadline = datetime.now(PARIS).date() + timedelta(days=45)
    city = browser.visitor("ville")
    volunteer = browser.visitor("association")

    city_signs_in(city, web_platform)
    city_publishes_a_scheme(city, web_platform, scheme, deadline.isoformat())
    slug = register_association(volunteer, web_platform, f"Chorale de Battant {suffix}")
    city.open(f"{web_platform.url('annuaire')}/espace-ville", "espace-ville-retour")
    token = city_validates(city, f"Chorale de Battant {suffix}")
    association_signs_in(volunteer, web_platform, slug, token)
    association_follows(volunteer, web_platform, scheme, date_fr(deadline))

    volunteer.open(f"{web_platform.url('aides')}/aides", "recherche-publique")
    assert scheme in volunteer.page.content()
