"""Steps of the issue-7 journey in the browser, one function per person's errand."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import FilePayload

from tests.support.photos import phone_photo
from tests.support.processes import wait_until
from tests.web.browser import Visitor
from tests.web.platform import WebPlatform, link_in, text_of

PARIS = ZoneInfo("Europe/Paris")

CONTACT = "camille.martin@example.org"  # the private contact `register_association` types


def register_association(person: Visitor, platform: WebPlatform, name: str) -> str:
    """Fill the registration form from the home page (required fields only, the rest as
    shown); the identifier the thank-you page shows."""
    person.open(f"{platform.url('annuaire')}/", "accueil")
    person.submit(person.page.get_by_role("link", name="Espace association").first)
    person.submit(person.page.get_by_role("link", name="Inscrire votre association"))
    page = person.page
    page.fill("#f-name", name)
    page.fill("#f-purpose", "Chorale et ateliers de chant ouverts à tous, à Battant.")
    page.get_by_label("Culture et pratiques artistiques").check()
    page.fill("#f-contact-name", "Camille Martin")
    page.fill("#f-contact-email", CONTACT)
    person.submit("Envoyer l’inscription", "inscription-recue")
    shown = re.search(r"est <strong>([a-z0-9-]+)</strong>", page.content())
    assert shown is not None, "the thank-you page names no identifier"
    return shown.group(1)


def city_signs_in(city: Visitor, platform: WebPlatform) -> None:
    city.open(f"{platform.url('annuaire')}/espace-ville/connexion", "connexion-ville")
    city.page.fill("#f-token", platform.admin_token)
    city.submit("Se connecter", "espace-ville")
    assert "Associations à valider" in city.page.content()


def signs_out(person: Visitor, platform: WebPlatform, space: str) -> None:
    """From the space's dashboard, the « Se déconnecter » button; the space then asks to
    sign in again."""
    person.open(f"{platform.url('annuaire')}/{space}", f"{space}-avant-deconnexion")
    person.submit(person.page.get_by_role("button", name="Se déconnecter"), "deconnecte")
    person.open(f"{platform.url('annuaire')}/{space}", f"{space}-apres-deconnexion")
    assert "/connexion" in person.page.url


def city_validates(city: Visitor, name: str) -> str:
    """Validate the association from the list of pending ones; the token shown once."""
    city.submit(city.page.get_by_role("link", name="Associations à valider"))
    city.submit(city.page.get_by_role("button", name=f"Valider {name}"), "association-validee")
    return city.page.locator("#jeton").inner_text().strip()


def association_signs_in(person: Visitor, platform: WebPlatform, slug: str, token: str) -> None:
    """With the API token: the secondary form of the sign-in page (« J’ai un jeton d’API »)."""
    person.open(f"{platform.url('annuaire')}/espace-association/connexion", "connexion-asso")
    person.page.get_by_text("J’ai un jeton d’API").click()
    person.page.fill("#f-slug", slug)
    person.page.fill("#f-token", token)
    person.submit("Se connecter avec le jeton", "espace-association")


def mailed_link(platform: WebPlatform, subject_has: str, name: str, path: str) -> str:
    """The link to `path` of the mail the SMTP sink received for association `name` (sent by
    the newsletter on the annuaire's request; several associations share the contact)."""
    found: list[str] = []

    def arrived() -> bool:
        for mail in platform.mails_to(CONTACT):
            if subject_has in str(mail["Subject"]) and name in text_of(mail):
                found.append(link_in(mail, path))
        return bool(found)

    wait_until(arrived, timeout=30, interval=0.2, what=f"the mail « {subject_has} » for {name}")
    return found[-1]


POSTER_ALT = "Affiche : la chorale sur la scène du Kursaal"


def publish_event(person: Visitor, platform: WebPlatform, name: str, title: str) -> datetime:
    """Publish an event three days from now at 19:30 (Paris); its start."""
    events = f"{platform.url('agenda')}/espace-association/evenements"

    def space_ready() -> bool:  # the agenda learns of the validation through NATS
        person.page.goto(events)
        return f"Événements de {name}" in person.page.content()

    wait_until(space_ready, timeout=30, interval=0.5, what="the agenda's association space")
    person.shot("mes-evenements")
    person.submit(person.page.get_by_role("link", name="Publier un événement"))
    start = (datetime.now(PARIS) + timedelta(days=3)).replace(
        hour=19, minute=30, second=0, microsecond=0
    )
    page = person.page
    page.fill("#f-title", title)
    page.fill("#f-summary", "Le concert de fin d’année de la chorale.")
    page.fill("#f-start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#f-end", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#f-venue-id", index=1)
    page.get_by_label("Culture et pratiques artistiques").check()
    poster = FilePayload(name="affiche.jpg", mimeType="image/jpeg", buffer=phone_photo(1600, 1200))
    page.set_input_files("#f-affiche", files=[poster])
    page.fill("#f-image-alt", POSTER_ALT)
    person.submit("Publier l'événement", "evenement-publie")
    assert title in page.content()
    return start


def resident_subscribes(resident: Visitor, platform: WebPlatform, email: str) -> None:
    resident.open(f"{platform.url('agenda')}/agenda", "agenda")
    resident.submit(resident.page.get_by_role("link", name="Lettre d’information").first)
    resident.fill("Adresse électronique", email)
    resident.submit("Je m’abonne", "abonnement-envoye")
    mail = platform.wait_mail(email, "Confirmez votre abonnement")
    resident.open(link_in(mail, "/abonnement/confirmer"), "abonnement-a-confirmer")
    resident.submit("Confirmer mon abonnement", "abonnement-confirme")
    assert "Abonnement confirmé" in resident.page.content()


def city_sends_the_digest(city: Visitor, platform: WebPlatform) -> None:
    """Preview, send, then follow the progress page until the edition is sent."""
    city.open(f"{platform.url('annuaire')}/espace-ville", "espace-ville-retour")
    city.submit(city.page.get_by_role("link", name="Lettre d’information").last)
    send = city.page.get_by_role("button", name=re.compile("^Envoyer la lettre"))

    def ready() -> bool:  # the newsletter learns of facts and subscribers through NATS
        if send.count():
            return True
        city.page.reload()
        return False

    wait_until(ready, timeout=30, interval=0.5, what="the letter page's send button")
    city.submit(send, "envoi")

    def sent() -> bool:
        city.page.reload()
        return "Lettre envoyée" in city.page.content()

    wait_until(sent, timeout=60, interval=1.0, what="the edition's page to say it was sent")
    city.shot("lettre-envoyee")
