"""Forms of the annuaire's pages over HTTP on the running service (real NATS): registration,
the association space (cookie sign-in, record, missions) and the city space."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.annuaire.conftest import Client, mission_body, running_annuaire, unique_name
from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page
from vieasso.common.messages.annuaire import AssociationState, MissionState
from vieasso.common.web import ASSOCIATION_COOKIE

pytestmark = pytest.mark.nats

REGISTRATION = {
    "purpose": "Faire vivre le quartier par des fêtes et des ateliers.",
    "themes": ["vie-de-quartier", "culture"],
    "quartier": "battant",
    "address.street": "",
    "contact.name": "Camille Martin",
    "contact.email": "camille@exemple.fr",
}


async def _sign_in(annuaire: Client, slug: str, auth: dict[str, str]) -> None:
    token = auth["Authorization"].removeprefix("Bearer ")
    response = await annuaire.http.post(
        "/espace-association/connexion", data={"slug": slug, "token": token}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/espace-association"


def _field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="erreur" id="{field_id}-erreur">([^<]*)</p>', html)
    assert found is not None, f"no error shown beside {field_id}"
    return found.group(1)


async def test_a_bad_registration_shows_french_errors_beside_the_typed_values(
    annuaire: Client,
) -> None:
    typed = {
        **REGISTRATION,
        "name": "X",
        "email": "pas-une-adresse",
        "website": "ftp://x",
        "address.postal_code": "2500",
        "address.street": "3 rue Battant",
        "themes": ["culture", "theme-inconnu"],
        "contact.email": "",
    }
    response = await annuaire.http.post("/associations/inscription", data=typed)
    html = assert_french_page(response, status=422)
    assert "trop court" in _field_error(html, "f-name")
    assert _field_error(html, "f-email") == "Adresse e-mail invalide."
    assert _field_error(html, "f-website").startswith("L&#39;adresse web doit commencer")
    assert _field_error(html, "f-address-postal-code") == "Le format n&#39;est pas valide."
    assert _field_error(html, "f-contact-email") == "Ce champ est obligatoire."
    assert 'value="pas-une-adresse"' in html  # what was typed is kept
    assert 'value="3 rue Battant"' in html
    assert 'value="culture" checked' in html
    assert "Faire vivre le quartier par des fêtes et des ateliers.</textarea>" in html
    assert 'role="alert"' in html
    # a rule checked by the handler (not the schema) comes back the same way
    rule = await annuaire.http.post(
        "/associations/inscription",
        data={**REGISTRATION, "name": unique_name(), "themes": ["theme-inconnu"]},
    )
    assert "Thème inconnu" in _field_error(assert_french_page(rule, status=422), "f-themes")


async def test_a_registration_lands_pending_and_tells_the_identifier(annuaire: Client) -> None:
    name = unique_name("Jardins partagés")
    form = assert_french_page(await annuaire.http.get("/associations/inscription"))
    assert re.search(r'name="address.city" type="text" value="Besançon"', form)  # pre-filled
    response = await annuaire.http.post(
        "/associations/inscription",
        data={**REGISTRATION, "name": name, "address.city": "Besançon", "address.postal_code": ""},
    )
    assert response.status_code == 303
    thanks = assert_french_page(await annuaire.http.get(response.headers["location"]))
    slug = re.search(r"<strong>([a-z0-9-]+)</strong>", thanks)
    assert slug is not None
    record = annuaire.unit.index.association(slug.group(1))
    assert record is not None
    assert record.name == name
    assert record.state is AssociationState.PENDING
    assert record.private_contact is not None
    assert record.private_contact.email == "camille@exemple.fr"
    assert record.address is None


async def test_sign_in_sets_an_http_only_cookie_and_a_wrong_token_is_refused(
    annuaire: Client,
) -> None:
    slug, auth = await annuaire.validated()
    refused = await annuaire.http.post(
        "/espace-association/connexion", data={"slug": slug, "token": "mauvais-jeton"}
    )
    assert "incorrect" in assert_french_page(refused, status=401)
    assert "set-cookie" not in refused.headers
    assert (await annuaire.http.get("/espace-association")).status_code == 303
    token = auth["Authorization"].removeprefix("Bearer ")
    page_address = f"http://127.0.0.1:8001/associations/{slug}/"  # pasted instead of the slug
    response = await annuaire.http.post(
        "/espace-association/connexion", data={"slug": page_address, "token": token}
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{ASSOCIATION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    dashboard = assert_french_page(await annuaire.http.get("/espace-association"))
    assert "Modifier la fiche" in dashboard
    out = await annuaire.http.post("/espace-association/deconnexion")
    assert out.status_code == 303
    assert (await annuaire.http.get("/espace-association")).status_code == 303


async def test_the_association_edits_its_record_through_the_page(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    await _sign_in(annuaire, slug, auth)
    form = assert_french_page(await annuaire.http.get("/espace-association/fiche"))
    revision = re.search(r'name="revision" value="(\d+)"', form)
    assert revision is not None
    record = annuaire.unit.index.association(slug)
    assert record is not None
    values: dict[str, Any] = {
        "revision": revision.group(1),
        "name": record.name,
        "purpose": record.purpose,
        "themes": ["sport"],
        "quartier": "velotte",
        "phone": "03 81 11 22 33",
        "contact.name": "Camille Martin",
        "contact.email": "camille@exemple.fr",
    }
    bad = await annuaire.http.post("/espace-association/fiche", data={**values, "purpose": ""})
    html = assert_french_page(bad, status=422)
    assert _field_error(html, "f-purpose") == "Ce champ est obligatoire."
    assert 'value="03 81 11 22 33"' in html
    ok = await annuaire.http.post("/espace-association/fiche", data=values)
    assert ok.status_code == 303
    changed = annuaire.unit.index.association(slug)
    assert changed is not None
    assert changed.themes == ("sport",)
    assert changed.quartier == "velotte"
    stale = await annuaire.http.post(
        "/espace-association/fiche", data={**values, "quartier": "battant"}
    )
    assert "modifiée entre-temps" in assert_french_page(stale, status=409)


async def test_association_a_cannot_edit_association_b(annuaire: Client) -> None:
    a_slug, a_auth = await annuaire.validated()
    b_slug, b_auth = await annuaire.validated()
    b_mission = await annuaire.http.post(
        f"/api/associations/{b_slug}/missions", json=mission_body(), headers=b_auth
    )
    mission_id = b_mission.json()["id"]
    await _sign_in(annuaire, a_slug, a_auth)
    for path in (
        f"/espace-association/missions/{mission_id}",
        f"/espace-association/missions/{mission_id}/clore",
    ):
        response = await annuaire.http.post(path, data={"title": "Détournée"})
        assert_french_page(response, status=403)
    assert (
        await annuaire.http.get(f"/espace-association/missions/{mission_id}")
    ).status_code == 403
    a_token = a_auth["Authorization"].removeprefix("Bearer ")
    annuaire.http.cookies.set(ASSOCIATION_COOKIE, f"{b_slug}:{a_token}")  # a forged cookie
    forged = await annuaire.http.post(
        "/espace-association/fiche", data={"name": "Détournée", "purpose": "Prendre la main."}
    )
    assert_french_page(forged, status=403)
    b_record = annuaire.unit.index.association(b_slug)
    b_mission_now = annuaire.unit.index.mission(mission_id)
    assert b_record is not None
    assert b_mission_now is not None
    assert b_record.name != "Détournée"
    assert b_mission_now.state is MissionState.OPEN


async def test_the_association_publishes_fills_and_closes_a_mission(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    await _sign_in(annuaire, slug, auth)
    assert_french_page(await annuaire.http.get("/espace-association/missions/nouvelle"))
    fields = {
        "title": "Accueil du public",
        "description": "Accueillir le public du festival.",
        "kind": "ponctuelle",
        "remote": "non",
        "starts_on": "2026-06-21",
        "ends_on": "2026-06-20",
        "how_to_apply": "Écrire à l'association.",
        "places_available": "beaucoup",
        "skills": "Sourire\nPatience",
    }
    bad = await annuaire.http.post("/espace-association/missions/nouvelle", data=fields)
    html = assert_french_page(bad, status=422)
    assert _field_error(html, "f-places-available") == "Un nombre entier est attendu."
    assert "Sourire\nPatience</textarea>" in html
    fields["places_available"] = "4"
    wrong_dates = await annuaire.http.post("/espace-association/missions/nouvelle", data=fields)
    dates_html = assert_french_page(wrong_dates, status=422)
    assert _field_error(dates_html, "f-ends-on") == "La date de fin précède la date de début."
    fields["ends_on"] = "2026-06-22"
    created = await annuaire.http.post("/espace-association/missions/nouvelle", data=fields)
    assert created.status_code == 303
    (mission_id,) = annuaire.unit.index.missions_of[slug]
    listing = assert_french_page(await annuaire.http.get("/espace-association/missions"))
    assert "Accueil du public" in listing
    form = assert_french_page(await annuaire.http.get(f"/espace-association/missions/{mission_id}"))
    revision = re.search(r'name="revision" value="(\d+)"', form)
    assert revision is not None
    filled = await annuaire.http.post(
        f"/espace-association/missions/{mission_id}",
        data={**fields, "state": "filled", "revision": revision.group(1)},
    )
    assert filled.status_code == 303
    mission = annuaire.unit.index.mission(mission_id)
    assert mission is not None
    assert mission.state is MissionState.FILLED
    assert mission.skills == ("Sourire", "Patience")
    close = f"/espace-association/missions/{mission_id}/clore"
    asked = assert_french_page(await annuaire.http.post(close))  # closing cannot be undone
    assert 'name="confirmation" value="oui"' in asked
    mission = annuaire.unit.index.mission(mission_id)
    assert mission is not None
    assert mission.state is MissionState.FILLED
    closed = await annuaire.http.post(close, data={"confirmation": "oui"})
    assert closed.status_code == 303
    read_only = assert_french_page(
        await annuaire.http.get(f"/espace-association/missions/{mission_id}")
    )
    assert "ne peut plus être modifiée" in read_only
    assert '<form method="post" action="http' not in read_only.split("<main")[1]
    mission = annuaire.unit.index.mission(mission_id)
    assert mission is not None
    assert mission.state is MissionState.CLOSED


async def test_the_city_validates_an_association_and_its_token_opens_the_space(
    annuaire: Client,
) -> None:
    slug = (await annuaire.register())["slug"]
    assert (await annuaire.http.get("/espace-ville")).status_code == 303
    wrong = await annuaire.http.post("/espace-ville/connexion", data={"token": "devine"})
    assert_french_page(wrong, status=401)
    admin = annuaire.settings.admin_token.get_secret_value()
    signed = await annuaire.http.post("/espace-ville/connexion", data={"token": admin})
    assert signed.status_code == 303
    assert "HttpOnly" in signed.headers["set-cookie"]
    assert_french_page(await annuaire.http.get("/espace-ville"))
    pending = assert_french_page(
        await annuaire.http.get("/espace-ville/associations", params={"state": "pending"})
    )
    assert f"/espace-ville/associations/{slug}/valider" in pending
    validated = await annuaire.http.post(f"/espace-ville/associations/{slug}/valider")
    page = assert_french_page(validated)
    assert validated.headers["cache-control"] == "no-store"
    token = re.search(r'<dd class="jeton" id="jeton">([^<]+)</dd>', page)
    assert token is not None
    record = annuaire.unit.index.association(slug)
    assert record is not None
    assert record.state is AssociationState.VALIDATED
    again = await annuaire.http.post(f"/espace-ville/associations/{slug}/valider")
    assert "déjà validée" in assert_french_page(again, status=409)
    await _sign_in(annuaire, slug, {"Authorization": f"Bearer {token.group(1)}"})
    archive = f"/espace-ville/associations/{slug}/archiver"
    asked = assert_french_page(await annuaire.http.post(archive))
    assert "définitif" in asked
    record = annuaire.unit.index.association(slug)
    assert record is not None
    assert record.state is AssociationState.VALIDATED
    archived = await annuaire.http.post(archive, data={"confirmation": "oui"})
    assert archived.status_code == 303
    record = annuaire.unit.index.association(slug)
    assert record is not None
    assert record.state is AssociationState.ARCHIVED
    # the archived association's token no longer opens its space
    assert_french_page(await annuaire.http.get("/espace-association"), status=403)


async def test_without_nats_a_form_answers_a_french_503_page(own_nats: NatsServer) -> None:
    async with running_annuaire(own_nats.url, nats_publish_timeout=1.0) as annuaire:
        own_nats.stop()
        try:
            response = await annuaire.http.post(
                "/associations/inscription", data={**REGISTRATION, "name": unique_name()}
            )
        finally:
            own_nats.start()
        assert "momentanément impossible" in assert_french_page(response, status=503)
        assert response.headers["retry-after"] == "2"


async def test_a_malformed_request_to_a_page_answers_a_french_page(annuaire: Client) -> None:
    response = await annuaire.http.get("/associations", params={"q": "x" * 500})
    assert "pas valide" in assert_french_page(response, status=400)
    api = await annuaire.http.get("/api/associations", params={"q": "x" * 500})
    assert api.status_code == 422
    assert api.json()["errors"][0]["field"] == "q"
