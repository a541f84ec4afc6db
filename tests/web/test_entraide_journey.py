"""Issue 17's entraide journey, in headless Chromium with JavaScript off, on the real
platform: an association posts a need for equipment, another finds it on `/entraide` and
answers it; both see the conversation in their association space, and the author answers
back. No address is shown on any page. Screenshots: var/screenshots/<test>/."""

from __future__ import annotations

import secrets

import pytest

from tests.web.browser import Browser, Visitor
from tests.web.journey import (
    CONTACT,
    association_signs_in,
    city_signs_in,
    city_validates,
    register_association,
)
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def joins(person: Visitor, city: Visitor, platform: WebPlatform, name: str) -> None:
    slug = register_association(person, platform, name)
    city.open(f"{platform.url('annuaire')}/espace-ville", "espace-ville")
    token = city_validates(city, name)
    association_signs_in(person, platform, slug, token)


def posts_a_need(author: Visitor, platform: WebPlatform, title: str) -> None:
    author.open(f"{platform.url('annuaire')}/espace-association", "espace-association")
    author.submit(author.page.get_by_role("link", name="Entraide entre associations"),
                  "entraide-espace")  # fmt: skip
    page = author.page
    page.select_option("#f-direction", "besoin")
    page.select_option("#f-kind", "materiel")
    page.fill("#f-title", title)
    page.fill("#f-description", "Pour la fête de quartier du 14 juin : un barnum et des tables.")
    author.submit("Publier", "annonce-publiee")
    assert "Votre annonce est publiée" in page.content()


def answers(replier: Visitor, platform: WebPlatform, title: str, message: str) -> None:
    replier.open(f"{platform.url('annuaire')}/", "accueil-repondant")
    nav = replier.page.get_by_role("navigation").get_by_role("link", name="Entraide")
    replier.submit(nav, "entraide")
    replier.submit(replier.page.get_by_role("link", name=title), "annonce")
    replier.page.get_by_label("Votre message").fill(message)
    replier.submit("Envoyer", "conversation-replier")
    assert message in replier.page.content()


def test_one_association_posts_a_need_another_answers_and_both_see_the_thread(
    web_platform: WebPlatform, browser: Browser
) -> None:
    suffix = secrets.token_hex(3)
    author_name, replier_name = f"Comité de Velotte {suffix}", f"Jardins de Planoise {suffix}"
    title = f"Nous cherchons un barnum {suffix}"
    message, back = "Nous pouvons prêter un barnum 3 × 3 m.", "Merci ! Samedi 10 h ?"
    author, replier, city = (browser.visitor(w) for w in ("auteur", "repondant", "ville"))
    city_signs_in(city, web_platform)
    joins(author, city, web_platform, author_name)
    joins(replier, city, web_platform, replier_name)

    posts_a_need(author, web_platform, title)
    answers(replier, web_platform, title, message)

    author.open(f"{web_platform.url('ressources')}/espace-association/entraide", "conversations")
    author.submit(author.page.get_by_role("link", name=title).first, "conversation-auteur")
    assert message in author.page.content()
    assert replier_name in author.page.content()
    author.page.get_by_label("Répondre").fill(back)
    author.submit("Envoyer", "reponse-auteur")

    replier.open(replier.page.url.split("#")[0], "conversation-repondant")
    seen = replier.page.content()
    assert message in seen
    assert back in seen
    for person in (author, replier):
        assert CONTACT not in person.page.content()
    web_platform.wait_mail(CONTACT, "Entraide")  # the relay reached the contact
