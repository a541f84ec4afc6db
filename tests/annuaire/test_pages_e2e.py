"""The annuaire's pages on the real processes (`vieasso-annuaire serve` and the agenda), over
real HTTP: a registration through the page, validation by the city through its page, the
association's sign-in cookie, and an event it publishes on the agenda showing on its page."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.pages import assert_french_page
from tests.support.services import Services

pytestmark = [pytest.mark.e2e, pytest.mark.nats]


def _poll(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {within} s")


def test_registration_validation_sign_in_and_an_agenda_event_on_the_page(
    services: Services,
) -> None:
    annuaire, agenda = services.url("annuaire"), services.url("agenda")
    name = f"Compagnie {secrets.token_hex(4)}"
    with httpx.Client(base_url=annuaire, follow_redirects=False, timeout=10) as person:
        registered = person.post(
            "/associations/inscription",
            data={
                "name": name,
                "purpose": "Du théâtre pour tous les âges, à Battant.",
                "themes": ["culture"],
                "contact.name": "Alex Durand",
                "contact.email": "alex@exemple.fr",
            },
        )
        assert registered.status_code == 303, registered.text
        thanks = assert_french_page(person.get(registered.headers["location"]))
        found = re.search(r"<strong>([a-z0-9-]+)</strong>", thanks)
        assert found is not None
        slug = found.group(1)

    with httpx.Client(base_url=annuaire, follow_redirects=False, timeout=10) as city:
        signed = city.post("/espace-ville/connexion", data={"token": services.admin_token})
        assert signed.status_code == 303
        validated = city.post(f"/espace-ville/associations/{slug}/valider")
        page = assert_french_page(validated)
        token = re.search(r'<dd class="jeton" id="jeton">([^<]+)</dd>', page)
        assert token is not None

    with httpx.Client(base_url=annuaire, follow_redirects=False, timeout=10) as association:
        wrong = association.post(
            "/espace-association/connexion", data={"slug": slug, "token": "pas-le-bon"}
        )
        assert wrong.status_code == 401
        assert not association.cookies
        signed = association.post(
            "/espace-association/connexion", data={"slug": slug, "token": token.group(1)}
        )
        assert signed.status_code == 303
        assert "httponly" in signed.headers["set-cookie"].lower()
        assert name in assert_french_page(association.get("/espace-association"))

    start = datetime.now(UTC) + timedelta(days=10)
    event = {
        "event_id": "premiere",
        "title": "Première de la saison",
        "start": start.isoformat(timespec="seconds"),
        "end": (start + timedelta(hours=2)).isoformat(timespec="seconds"),
        "place": {"name": "Salle", "address": "1 rue Battant", "postal_code": "25000"},
    }
    auth = {"Authorization": f"Bearer {token.group(1)}"}
    url = f"{agenda}/api/associations/{slug}/events"

    def accepted() -> bool:  # the agenda learns of the validation through NATS
        return httpx.post(url, json=event, headers=auth, timeout=10).status_code == 202

    _poll(accepted, within=30, what="the agenda accepting the association's event")
    _poll(
        lambda: "Première de la saison" in httpx.get(f"{annuaire}/associations/{slug}").text,
        within=30,
        what="the event showing on the association's page",
    )
    html = assert_french_page(httpx.get(f"{annuaire}/associations/{slug}"))
    assert f"/events/{slug}/premiere" in html


def test_one_sign_in_works_on_the_three_services_and_one_sign_out_ends_it_everywhere(
    services: Services,
) -> None:
    """The session opened by the annuaire is read from NATS by the agenda and the newsletter;
    the cookie copied before signing out opens nothing anywhere afterwards."""
    annuaire, agenda, newsletter = (services.url(s) for s in ("annuaire", "agenda", "newsletter"))
    admin = {"Authorization": f"Bearer {services.admin_token}"}
    body = {
        "name": f"Chorale {secrets.token_hex(4)}",
        "purpose": "Chanter ensemble à Battant.",
        "themes": ["culture"],
        "email": "chorale@exemple.fr",
        "contact": {"name": "Alex Durand", "email": "alex@exemple.fr"},
    }
    created = httpx.post(f"{annuaire}/api/associations", json=body, timeout=10)
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    validated = httpx.post(f"{annuaire}/api/associations/{slug}/validate", headers=admin)
    assert validated.status_code == 200, validated.text
    signed_in_pages = (
        f"{annuaire}/espace-association",
        f"{annuaire}/espace-ville",
        f"{agenda}/espace-association/evenements",
        f"{agenda}/espace-ville/evenements",
        f"{newsletter}/espace-ville/lettre",
    )
    with httpx.Client(follow_redirects=False, timeout=10) as person:
        signed = person.post(
            f"{annuaire}/espace-association/connexion",
            data={"slug": slug, "token": validated.json()["token"]},
        )
        assert signed.status_code == 303
        signed = person.post(
            f"{annuaire}/espace-ville/connexion", data={"token": services.admin_token}
        )
        assert signed.status_code == 303
        for url in signed_in_pages:
            assert person.get(url).status_code == 200, url
        copied = dict(person.cookies)
        assert len(copied) == 2
        assert person.post(f"{annuaire}/espace-ville/deconnexion").status_code == 303
    with httpx.Client(follow_redirects=False, timeout=10, cookies=copied) as thief:
        for url in signed_in_pages:
            assert thief.get(url).status_code in (303, 403), url
