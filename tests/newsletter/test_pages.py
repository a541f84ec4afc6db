"""The newsletter's pages on the shared layout: per-field French errors with the typed values
kept, Post/Redirect/Get, and the city's digest pages behind the admin cookie."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from tests.newsletter import facts
from tests.newsletter.conftest import App, mails_to, random_email, until
from tests.newsletter.digest_support import active_subscriber, publish_facts
from tests.support.sessions import session_cookie
from tests.support.smtp import SmtpServer
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.web import ADMIN_COOKIE, Kind, cookie_name
from vieasso.newsletter.domain.edition import Edition, EditionState

pytestmark = [pytest.mark.nats, pytest.mark.smtp]

LETTER = "/espace-ville/lettre"


async def admin(app: App) -> dict[str, str]:
    """A city session, as the annuaire's sign-in opens it."""
    newsletter = app.newsletter
    token = newsletter.settings.admin_token.get_secret_value()
    return await session_cookie(
        newsletter.js, Kind.CITY, token, clock=newsletter.clock, settings=newsletter.settings
    )


async def test_pages_use_the_shared_layout_and_stylesheet(newsletter_app: App) -> None:
    page = await newsletter_app.client.get("/abonnement")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert 'href="#contenu"' in page.text
    assert '<main id="contenu"' in page.text
    assert 'aria-current="page"' in page.text  # the nav marks « Lettre d’information »
    css = await newsletter_app.client.get("/static/site.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_refused_subscription_shows_each_error_next_to_its_field_and_keeps_the_input(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    page = await newsletter_app.client.post(
        "/abonnement",
        data={"email": "pas-une-adresse", "themes": ["sport", "pas-un-theme"], "quartiers": []},
    )
    assert page.status_code == 422
    html = page.text
    assert 'id="f-email-erreur"' in html
    assert "Saisissez une adresse électronique valide" in html
    assert 'value="pas-une-adresse"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="f-topics-erreur">Cochez au moins un sujet.' in html
    assert 'id="f-themes-erreur">Thème inconnu : pas-un-theme' in html
    assert 'value="sport" checked' in html  # what was ticked stays ticked
    assert smtp_server.messages() == []


async def test_accepted_subscription_redirects_to_the_check_your_mail_page(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    email = random_email()
    answer = await newsletter_app.client.post(
        "/abonnement", data={"email": email, "topics": ["evenements"], "frequency": "mensuelle"}
    )
    assert answer.status_code == 303
    shown = await newsletter_app.client.get(answer.headers["Location"])
    assert "Vérifiez votre messagerie" in shown.text
    await newsletter_app.newsletter.subscriptions.drain()
    await until(lambda: mails_to(smtp_server, email))


async def test_city_letter_pages_send_to_the_annuaire_sign_in_without_the_admin_cookie(
    newsletter_app: App,
) -> None:
    settings = newsletter_app.newsletter.settings
    token = settings.admin_token.get_secret_value()
    for path in (LETTER, f"{LETTER}/apercu", f"{LETTER}/2026-w48"):
        # a wrong value, or the admin token itself (what the cookie held before sessions)
        for value in ("faux", token):
            for name in (ADMIN_COOKIE, cookie_name(Kind.CITY, settings)):
                cookie = {"Cookie": f"{name}={value}"}
                answer = await newsletter_app.client.get(path, headers=cookie)
                assert answer.status_code == 303, path
                assert answer.headers["Location"].endswith("/espace-ville/connexion")
    sent = await newsletter_app.client.post(f"{LETTER}/envoyer", data={"frequence": "mensuelle"})
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith("/espace-ville/connexion")


async def test_city_previews_sends_and_follows_the_edition_until_sent(
    newsletter_app: App, smtp_server: SmtpServer
) -> None:
    now = newsletter_app.newsletter.clock.now()
    name = f"Chorale {secrets.token_hex(3)}"
    await publish_facts(
        newsletter_app,
        facts.association_validated(now - timedelta(days=1), name=name, themes=(), quartier=None),
    )
    email = random_email()
    await active_subscriber(newsletter_app, email)
    page = await newsletter_app.client.get(LETTER, headers=await admin(newsletter_app))
    assert page.status_code == 200
    assert "Envoyer la lettre à" in page.text
    assert "/espace-ville/deconnexion" in page.text  # the « Se déconnecter » button
    monthly = await newsletter_app.client.get(
        LETTER, params={"frequence": "mensuelle"}, headers=await admin(newsletter_app)
    )
    assert '<option value="mensuelle" selected>' in monthly.text
    unknown = await newsletter_app.client.get(
        LETTER, params={"frequence": "quotidienne"}, headers=await admin(newsletter_app)
    )
    assert '<option value="hebdomadaire" selected>' in unknown.text
    city = await admin(newsletter_app)
    preview = await newsletter_app.client.get(f"{LETTER}/apercu", headers=city)
    assert name in preview.text
    assert "token=" not in preview.text  # the generic version has no personal link
    assert mails_to(smtp_server, email) == []  # previewing sends nothing

    sent = await newsletter_app.client.post(
        f"{LETTER}/envoyer", data={"frequence": "hebdomadaire"}, headers=await admin(newsletter_app)
    )
    assert sent.status_code == 303
    progress_url = sent.headers["Location"]
    first = await newsletter_app.client.get(progress_url, headers=await admin(newsletter_app))
    assert ('http-equiv="refresh"' in first.text) == ("envoi en cours" in first.text)

    async def finished() -> bool:
        shown = await newsletter_app.client.get(progress_url, headers=await admin(newsletter_app))
        return "Lettre envoyée" in shown.text and 'http-equiv="refresh"' not in shown.text

    deadline_checks = 300
    while not await finished():
        deadline_checks -= 1
        assert deadline_checks, "the edition never showed as sent"
        await until(lambda: True, 0.05)
    assert len(mails_to(smtp_server, email)) == 1
    again = await newsletter_app.client.get(LETTER, headers=await admin(newsletter_app))
    assert "Envoyer la lettre à" not in again.text  # one edition per period
    assert "Suivre son envoi" in again.text


async def test_progress_page_of_an_edition_being_sent_reloads_itself(newsletter_app: App) -> None:
    now = newsletter_app.newsletter.clock.now()
    edition = Edition(
        id=f"{now.year}-w{secrets.randbelow(10**6)}",
        frequency=Frequency.HEBDOMADAIRE,
        state=EditionState.SENDING,
        period_start=now - timedelta(days=7),
        period_end=now,
        created_at=now,
        subject="Lettre en cours",
        recipients=3,
    )
    await newsletter_app.newsletter.editions.store.create(edition)
    city = await admin(newsletter_app)
    page = await newsletter_app.client.get(f"{LETTER}/{edition.id}", headers=city)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "envoi en cours" in page.text
    assert "Avancement : 0 sur 3" in page.text


async def test_nothing_new_means_no_send_button_and_no_edition(
    newsletter_app: App, clock: FrozenClock
) -> None:
    clock.advance(timedelta(days=366 * (1000 + secrets.randbelow(6000))))  # no one else's facts
    page = await newsletter_app.client.get(
        LETTER, params={"frequence": "mensuelle"}, headers=await admin(newsletter_app)
    )
    assert "Rien de nouveau depuis la dernière lettre" in page.text
    assert "Envoyer la lettre à" not in page.text
    sent = await newsletter_app.client.post(
        f"{LETTER}/envoyer", data={"frequence": "mensuelle"}, headers=await admin(newsletter_app)
    )
    assert sent.status_code == 303
    assert sent.headers["Location"] == f"{LETTER}?frequence=mensuelle"
    now = newsletter_app.newsletter.clock.now()
    eid, _ = await newsletter_app.newsletter.editions.period(Frequency.MENSUELLE, now)
    assert await newsletter_app.newsletter.editions.store.get(eid) is None
