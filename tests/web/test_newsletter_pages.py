"""The newsletter's pages in a real browser (JavaScript off): subscribe, confirm through
the mailed link, change one's preferences, unsubscribe, erase one's data (after a confirmation
page); a refused form keeps what was typed."""

from __future__ import annotations

import secrets

import pytest

from tests.web.browser import Browser
from tests.web.platform import WebPlatform, link_in

pytestmark = pytest.mark.e2e


def test_resident_subscribes_confirms_changes_preferences_unsubscribes_and_erases(
    web_platform: WebPlatform, browser: Browser
) -> None:
    email = f"habitant-{secrets.token_hex(4)}@example.org"
    resident = browser.visitor("habitant")
    resident.open(f"{web_platform.url('newsletter')}/abonnement")
    resident.fill("Adresse électronique", email)
    resident.page.get_by_label("Les événements à venir").check()
    resident.submit("Je m’abonne", "abonnement-envoye")
    assert "Vérifiez votre messagerie" in resident.page.content()

    mail = web_platform.wait_mail(email, "Confirmez votre abonnement")
    resident.open(link_in(mail, "/abonnement/confirmer"), "abonnement-a-confirmer")
    resident.submit("Confirmer mon abonnement", "abonnement-confirme")
    assert "Abonnement confirmé" in resident.page.content()

    preferences = resident.page.get_by_role("link", name="Changer mes préférences")
    resident.submit(preferences, "preferences")
    assert email in resident.page.content()
    assert "actif" in resident.page.content()
    manage_url = resident.page.url

    resident.page.get_by_label("Chaque mois").check()
    resident.submit("Enregistrer", "preferences-enregistrees")
    assert "Vos préférences sont enregistrées" in resident.page.content()
    assert resident.page.get_by_label("Chaque mois").is_checked()

    resident.submit("Me désabonner", "desabonnement-fait")
    assert "Vous êtes désabonné·e" in resident.page.content()
    resident.open(manage_url, "preferences-apres-desabonnement")
    assert "état : désabonné" in resident.page.content()

    resident.submit(resident.page.get_by_role("link", name="Effacer toutes mes données"))
    resident.open(manage_url, "preferences-avant-effacement")  # the confirmation erased nothing
    assert email in resident.page.content()
    resident.submit(resident.page.get_by_role("link", name="Effacer toutes mes données"))
    resident.submit("Effacer mes données", "donnees-effacees")
    assert "Données effacées" in resident.page.content()
    resident.open(manage_url, "preferences-apres-effacement")
    assert "Lien invalide" in resident.page.content()


def test_refused_subscription_keeps_the_typed_address_and_marks_the_field(
    web_platform: WebPlatform, browser: Browser
) -> None:
    resident = browser.visitor("habitant")
    resident.open(f"{web_platform.url('newsletter')}/abonnement")
    resident.fill("Adresse électronique", "pas-une-adresse")
    for topic in ("Les nouvelles associations", "Les missions de bénévolat"):
        resident.page.get_by_label(topic).uncheck()
    resident.page.get_by_label("Les événements à venir").uncheck()
    resident.submit("Je m’abonne", "abonnement-refuse")
    email = resident.page.get_by_label("Adresse électronique")
    assert email.input_value() == "pas-une-adresse"
    assert email.get_attribute("aria-invalid") == "true"
    described = email.get_attribute("aria-describedby") or ""
    assert (
        "Saisissez une adresse électronique valide"
        in resident.page.locator(f"#{described}").inner_text()
    )
    assert "Cochez au moins un sujet." in resident.page.locator("#f-topics-erreur").inner_text()
