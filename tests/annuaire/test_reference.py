"""Themes, quartiers and venues: seeded at start, public read, city write."""

from __future__ import annotations

import json
import secrets

import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import Client, mission_body, read_facts
from vieasso.common.directory import REFERENCE
from vieasso.common.reference.loader import load_quartiers, load_themes, load_venues
from vieasso.common.reference.models import Theme

pytestmark = pytest.mark.nats


def venue_body(**fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Salle des fêtes",
        "address": "1 rue de la République",
        "postal_code": "25000",
        "lat": 47.24,
        "lon": 6.02,
        "quartier": "battant",
        "capacity": 120,
        "accessibility": {"motor": True},
        "kind": "salle",
    }
    body.update(fields)
    return body


async def test_themes_and_quartiers_are_seeded_in_the_reference_bucket(
    annuaire: Client, js: JetStreamContext
) -> None:
    # The bucket is shared by the session's tests, some of which add their own random codes.
    themes = (await annuaire.http.get("/api/themes")).json()
    assert {t.code for t in load_themes()} <= {t["code"] for t in themes}
    quartiers = (await annuaire.http.get("/api/quartiers")).json()
    assert {q.code for q in load_quartiers()} <= {q["code"] for q in quartiers}
    kv = await js.key_value(REFERENCE)
    stored = Theme.model_validate_json((await kv.get("theme.sport")).value or b"")
    assert stored == next(t for t in load_themes() if t.code == "sport")


async def test_reference_venues_are_seeded_and_listed(annuaire: Client) -> None:
    listed = {v["id"] for v in (await annuaire.http.get("/api/venues")).json()}
    assert {v.id for v in load_venues()} <= listed
    kursaal = await annuaire.http.get("/api/venues/kursaal")
    assert kursaal.json()["name"] == "Kursaal"
    assert (await annuaire.http.get("/api/venues/nulle-part")).status_code == 404


async def test_the_city_creates_changes_and_archives_a_venue_with_facts(
    annuaire: Client, js: JetStreamContext
) -> None:
    venue_id = f"salle-{secrets.token_hex(4)}"
    url = f"/api/venues/{venue_id}"
    created = await annuaire.http.put(url, json=venue_body(), headers=annuaire.admin)
    assert created.status_code == 200, created.text
    room = f"{venue_id}-petite"
    child = await annuaire.http.put(
        f"/api/venues/{room}", json=venue_body(name="Petite salle", parent_id=venue_id),
        headers=annuaire.admin,
    )  # fmt: skip
    assert child.json()["parent_id"] == venue_id
    await annuaire.http.put(url, json=venue_body(capacity=150), headers=annuaire.admin)
    await annuaire.http.put(url, json=venue_body(capacity=150), headers=annuaire.admin)
    archived = await annuaire.http.post(f"{url}/archive", headers=annuaire.admin)
    assert archived.json()["archived"] is True
    listed = {v["id"] for v in (await annuaire.http.get("/api/venues")).json()}
    assert venue_id not in listed
    everything = await annuaire.http.get("/api/venues", params={"include_archived": "true"})
    assert venue_id in {v["id"] for v in everything.json()}
    mission = await annuaire.http.post(
        f"/api/associations/{(await annuaire.validated())[0]}/missions",
        json=mission_body(venue_id=venue_id), headers=annuaire.admin,
    )  # fmt: skip
    assert mission.status_code == 422  # archived venues take no new missions
    assert "archivé" in mission.json()["errors"][0]["message"]
    facts = await read_facts(js, f"annuaire.venues.{venue_id}.>", at_least=3)
    assert [s.rsplit(".", 1)[1] for s, _ in facts] == ["upserted", "upserted", "archived"]
    assert (await annuaire.http.post(f"{url}/archive", headers=annuaire.admin)).status_code == 409


async def test_venue_writes_are_for_the_city_only(annuaire: Client) -> None:
    _, auth = await annuaire.validated()
    url = f"/api/venues/salle-{secrets.token_hex(4)}"
    assert (await annuaire.http.put(url, json=venue_body())).status_code == 401
    assert (await annuaire.http.put(url, json=venue_body(), headers=auth)).status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lat": 123}, "lat"),
        ({"postal_code": "2500"}, "postal_code"),
        ({"quartier": "atlantide"}, "quartier"),
        ({"parent_id": "nulle-part"}, "parent_id"),
        ({"kind": "chateau"}, "kind"),
        ({"capacity": "beaucoup"}, "capacity"),
    ],
)
async def test_bad_venue_gets_a_french_error_on_its_field(
    annuaire: Client, fields: dict[str, object], field: str
) -> None:
    url = f"/api/venues/salle-{secrets.token_hex(4)}"
    response = await annuaire.http.put(url, json=venue_body(**fields), headers=annuaire.admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_bad_venue_id_gets_a_french_422(annuaire: Client) -> None:
    response = await annuaire.http.put(
        "/api/venues/Salle Des Fêtes", json=venue_body(), headers=annuaire.admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Le format n'est pas valide."


async def test_seeding_twice_changes_nothing(annuaire: Client, js: JetStreamContext) -> None:
    from vieasso.annuaire.handlers.venues import seed_reference  # noqa: PLC0415

    kv = await js.key_value(REFERENCE)
    assert await seed_reference(kv, load_themes(), load_quartiers()) == 0
    assert json.loads((await kv.get("quartier.battant")).value or b"")["label"] == "Battant"
