"""Issue 13's sign-in by mailed link, in headless Chromium with JavaScript off, on the real
platform: an association registers, the city validates it, the annuaire asks the newsletter
for the welcome mail, which reaches the SMTP sink; its link shows a button, the button signs the
association in (which then declines the associations' letter and issues itself an API
token), a second use is refused; asking a link answers the same for an association
that does not exist. Screenshots: var/screenshots/<test>/."""

from __future__ import annotations

import secrets

import pytest

from tests.web.browser import Browser
from tests.web.journey import city_signs_in, city_validates, mailed_link, register_association
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_welcome_link_signs_the_association_in_once(
    web_platform: WebPlatform, browser: Browser
) -> None:
    name = f"Les Jardins de Planoise {secrets.token_hex(3)}"
    volunteer = browser.visitor("association")
    city = browser.visitor("ville")
    stranger = browser.visitor("inconnu")

    slug = register_association(volunteer, web_platform, name)
    city_signs_in(city, web_platform)
    city_validates(city, name)

    link = mailed_link(web_platform, "Bienvenue", name, "/espace-association/lien/")
    volunteer.open(link, "lien-de-bienvenue")
    assert "Se connecter à l’espace association" in volunteer.page.content()
    assert name in volunteer.page.content()
    volunteer.open(link, "lien-de-bienvenue-encore")  # a GET (a mail scanner) uses nothing
    volunteer.submit("Se connecter", "espace-association")
    assert volunteer.page.url.endswith("/espace-association")
    assert name in volunteer.page.content()
    assert "Recevoir la lettre des associations" in volunteer.page.content()
    assert volunteer.page.get_by_label("Recevoir la lettre des associations").is_checked()

    volunteer.page.get_by_label("Recevoir la lettre des associations").uncheck()
    volunteer.submit("Enregistrer ce choix", "lettre-refusee")
    assert "Vous ne recevrez plus la lettre des associations" in volunteer.page.content()
    assert not volunteer.page.get_by_label("Recevoir la lettre des associations").is_checked()
    volunteer.submit("Émettre un nouveau jeton", "jeton-confirmer")
    volunteer.submit("Émettre un nouveau jeton", "jeton-emis")
    assert volunteer.page.locator("#jeton").inner_text().strip()
    assert "il ne sera plus jamais affiché" in volunteer.page.content()

    response = stranger.open(link, "lien-deja-utilise")
    assert response.status == 410
    assert "Demander un nouveau lien" in stranger.page.content()

    connexion = f"{web_platform.url('annuaire')}/espace-association/connexion"
    answers = []
    for typed in (slug, f"inconnue-{secrets.token_hex(4)}"):
        stranger.open(connexion, "connexion-asso")
        stranger.fill("Nom ou identifiant", typed)
        answer = stranger.submit("Recevoir un lien de connexion", "lien-demande")
        assert answer is not None
        assert answer.status == 200
        answers.append(stranger.page.locator("main").inner_text().replace(typed, ""))
    assert answers[0] == answers[1]
    assert "valable 15 minutes" in answers[0]
    asked = mailed_link(web_platform, "lien de connexion", name, "/espace-association/lien/")
    assert asked != link  # a new link, by mail to the association's contact only
    volunteer.open(asked, "lien-demande-ouvert")
    volunteer.submit("Se connecter", "espace-association-par-lien-demande")
    assert volunteer.page.url.endswith("/espace-association")
