"""The catalogue's pages over real HTTP on the in-process service: the public catalogue
(French, accessible, with the next closed days and « Réserver »), and the city's forms
(session required, 422 with French messages per field and nothing stored)."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from tests.ressources.catalogue_app import (
    Client,
    model_body,
    new_id,
    put_venue,
    room_body,
    running_ressources,
)
from tests.support.pages import assert_french_page
from tests.support.sessions import session_cookie
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.web import Kind
from vieasso.ressources.adapters.catalogue import BUCKET

pytestmark = pytest.mark.nats


async def _city(js: JetStreamContext, client: Client) -> dict[str, str]:
    token = client.settings.admin_token.get_secret_value()
    return await session_cookie(js, Kind.CITY, token, clock=client.clock, settings=client.settings)


async def test_public_pages_show_models_rooms_closed_days_and_lead_to_reservations(
    nats_url: str, js: JetStreamContext
) -> None:
    model_id, room_id = new_id("barnum"), new_id("salle")
    async with running_ressources(nats_url) as client:
        venue = await put_venue(js, client)
        for path, body in (
            (f"materiel/{model_id}", model_body(name=f"Barnum {model_id}")),
            (f"salles/{room_id}", room_body(venue.id, name=f"Salle {room_id}")),
        ):
            put = await client.http.put(f"/api/catalogue/{path}", json=body, headers=client.admin)
            assert put.status_code == 200, put.text

        listing = assert_french_page(await client.http.get("/materiel"))
        assert f'href="/materiel/{model_id}"' in listing
        assert "Barnums et tonnelles" in listing
        assert "Caution : 300 €" in listing
        assert 'href="/espace-association/reservations"' in listing
        # the clock is 15 March 2027: Easter Monday is the next closed day
        assert "lundi 29 mars 2027 — Jour férié : Lundi de Pâques" in listing

        page = assert_french_page(await client.http.get(f"/materiel/{model_id}"))
        for text in (
            "12",
            "300 €",
            "4 jours au plus",
            "Centre technique municipal",
            "À retirer, ou livré par les agents de la Ville",
            "Réserver",
        ):
            assert text in page, text  # fmt: skip

        rooms = assert_french_page(await client.http.get("/salles"))
        assert f"Salle {room_id}" in rooms
        assert f"{venue.name}, 31 rue Brulard, 25000 Besançon" in rooms
        room = assert_french_page(await client.http.get(f"/salles/{room_id}"))
        assert "60 personnes" in room
        assert "Accessible en fauteuil roulant." in room
        assert "Lundi : matin et après-midi<br>Samedi : matin" in room
        assert "Jour férié : Lundi de Pâques" in room

        missing = await client.http.get(f"/materiel/{new_id()}")
        assert "<h1>Introuvable</h1>" in assert_french_page(missing, 404)


async def test_city_form_with_errors_answers_422_in_french_and_stores_nothing(
    nats_url: str, js: JetStreamContext
) -> None:
    model_id = new_id("grille")
    async with running_ressources(nats_url) as client:
        signed_out = await client.http.get("/espace-ville/materiel")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].endswith("/espace-ville/connexion")

        cookie = await _city(js, client)
        form = {
            "id": model_id,
            "name": "",
            "category": "exposition",
            "stock": "beaucoup",
            "storage_place": "Centre technique municipal",
            "handover": "retrait",
            "notice.min_days": "40",
            "notice.max_days": "10",
        }
        refused = await client.http.post(
            "/espace-ville/materiel/nouveau", data=form, headers=cookie
        )
        html = assert_french_page(refused, 422)
        assert re.search(r'id="f-name-erreur">Ce champ est obligatoire\.<', html)
        assert re.search(r'id="f-stock-erreur">Un nombre entier est attendu\.<', html)
        assert "Le délai maximal doit être supérieur ou égal au délai minimal." in html
        assert 'value="beaucoup"' in html  # typed values shown again
        without_id = await client.http.post(
            "/espace-ville/materiel/nouveau", data=form | {"id": ""}, headers=cookie
        )
        assert 'id="f-id-erreur"' not in assert_french_page(without_id, 422)
        assert client.catalogue.store.get(ResourceKind.EQUIPMENT, model_id) is None
        with pytest.raises(KeyNotFoundError):
            await (await js.key_value(BUCKET)).get(f"model.{model_id}")

        form |= {"name": "Grille d'exposition", "stock": "60", "notice.min_days": "7"}
        created = await client.http.post(
            "/espace-ville/materiel/nouveau", data=form, headers=cookie
        )
        assert created.status_code == 303, created.text
        stored = client.catalogue.store.get(ResourceKind.EQUIPMENT, model_id)
        assert stored is not None
        assert stored.value.stock == 60
        assert stored.value.notice.max_days == 10

        edit = assert_french_page(
            await client.http.get(f"/espace-ville/materiel/{model_id}", headers=cookie)
        )
        assert f'name="revision" value="{stored.revision}"' in edit
        stale = form | {"revision": str(stored.revision - 1), "stock": "59"}
        conflict = await client.http.post(
            f"/espace-ville/materiel/{model_id}", data=stale, headers=cookie
        )
        assert "modifiée entre-temps" in assert_french_page(conflict, 409)
        assert client.catalogue.store.get(ResourceKind.EQUIPMENT, model_id) == stored


async def test_city_archives_after_confirmation_and_the_public_page_is_gone(
    nats_url: str, js: JetStreamContext
) -> None:
    model_id = new_id("podium")
    async with running_ressources(nats_url) as client:
        cookie = await _city(js, client)
        put = await client.http.put(
            f"/api/catalogue/materiel/{model_id}", json=model_body(), headers=client.admin
        )
        assert put.status_code == 200
        path = f"/espace-ville/materiel/{model_id}/archiver"
        asked = assert_french_page(await client.http.post(path, headers=cookie))
        assert "Archiver « Barnum 3 × 3 m » ?" in asked
        assert (await client.http.get(f"/materiel/{model_id}")).status_code == 200
        done = await client.http.post(path, data={"confirmation": "oui"}, headers=cookie)
        assert done.status_code == 303
        assert (await client.http.get(f"/materiel/{model_id}")).status_code == 404
        listing = await client.http.get("/espace-ville/materiel?ok=archive", headers=cookie)
        assert "Remettre au catalogue" in assert_french_page(listing)


async def test_a_form_posted_from_another_site_is_refused(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        cookie = await _city(js, client)
        foreign = await client.http.post(
            "/espace-ville/materiel/nouveau",
            data={"name": "Barnum", "stock": "1"},
            headers=cookie | {"Origin": "https://ailleurs.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert foreign.status_code == 403


async def test_city_room_form_needs_a_venue_and_reads_the_opening_half_days(
    nats_url: str, js: JetStreamContext
) -> None:
    room_id = new_id("salle")
    async with running_ressources(nats_url) as client:
        venue = await put_venue(js, client)
        cookie = await _city(js, client)
        form = {"id": room_id, "name": "Salle des fêtes", "venue_id": "", "capacity": ""}
        refused = await client.http.post("/espace-ville/salles/nouveau", data=form, headers=cookie)
        html = assert_french_page(refused, 422)
        assert re.search(r'id="f-venue-id-erreur">Ce champ est obligatoire\.<', html)
        assert re.search(r'id="f-capacity-erreur">Ce champ est obligatoire\.<', html)
        assert f'<option value="{venue.id}">{venue.name}</option>' in html
        assert client.catalogue.store.get(ResourceKind.ROOM, room_id) is None

        chosen = form | {"venue_id": venue.id, "capacity": "45", "accessible": "on"}
        body = [*chosen.items(), ("opening", "2:apres-midi"), ("opening", "2:matin")]
        created = await client.http.post(
            "/espace-ville/salles/nouveau",
            content=urlencode(body).encode(),
            headers=cookie | {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert created.status_code == 303, created.text
        stored = client.catalogue.store.get(ResourceKind.ROOM, room_id)
        assert stored is not None
        assert stored.value.model_dump(mode="json", include={"opening", "accessible"}) == {
            "opening": {"2": ["matin", "apres-midi"]},
            "accessible": True,
        }


async def test_city_closed_days_page_refuses_a_bad_line_and_saves_good_ones(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        cookie = await _city(js, client)
        bad = {"jours": "2027-05-07 Pont de l'Ascension\n07/05/2027 Inventaire"}
        refused = await client.http.post("/espace-ville/fermetures", data=bad, headers=cookie)
        html = assert_french_page(refused, 422)
        assert "Ligne 2 : la date doit s&#39;écrire AAAA-MM-JJ (« 07/05/2027 »)." in html
        assert client.catalogue.calendar().reason(date(2027, 5, 7)) is None

        good = {"jours": "2027-05-07 Pont de l'Ascension"}
        saved = await client.http.post("/espace-ville/fermetures", data=good, headers=cookie)
        assert saved.status_code == 303
        assert client.catalogue.calendar().reason(date(2027, 5, 7)) == (
            "Fermeture : Pont de l'Ascension"
        )
        shown = assert_french_page(await client.http.get("/materiel"))
        assert "vendredi 7 mai 2027 — Fermeture : Pont de l&#39;Ascension" in shown
        cleared = await client.http.post(
            "/espace-ville/fermetures", data={"jours": ""}, headers=cookie
        )
        assert cleared.status_code == 303
