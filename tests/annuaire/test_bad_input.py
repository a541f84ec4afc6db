"""Every route answers bad input with a French 422 naming the field, never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from tests.annuaire.conftest import Client, mission_body

pytestmark = pytest.mark.nats

BAD = "Pas_Un_Slug"

ROUTES_WITH_A_SLUG: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", f"/api/associations/{BAD}", None),
    ("PATCH", f"/api/associations/{BAD}", {"short_name": "X"}),
    ("POST", f"/api/associations/{BAD}/validate", None),
    ("POST", f"/api/associations/{BAD}/archive", None),
    ("POST", f"/api/associations/{BAD}/token", None),
    ("GET", f"/api/associations/{BAD}/missions", None),
    ("POST", f"/api/associations/{BAD}/missions", mission_body()),
    ("GET", f"/api/associations/ok/missions/{BAD}", None),
    ("PATCH", f"/api/associations/ok/missions/{BAD}", {"title": "Nouveau titre"}),
    ("DELETE", f"/api/associations/ok/missions/{BAD}", None),
    ("GET", f"/api/venues/{BAD}", None),
    ("POST", f"/api/venues/{BAD}/archive", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES_WITH_A_SLUG)
async def test_a_malformed_identifier_in_the_path_gets_a_french_422(
    annuaire: Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = await annuaire.http.request(method, path, json=body, headers=annuaire.admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["message"] == "Le format n'est pas valide."


@pytest.mark.parametrize(
    "path", ["/api/associations", "/api/associations/x/missions", "/api/venues/x"]
)
async def test_a_body_that_is_not_json_gets_a_french_422(annuaire: Client, path: str) -> None:
    method = "PUT" if path.startswith("/api/venues") else "POST"
    response = await annuaire.http.request(
        method, path, content=b"{pas du json", headers={**annuaire.admin,
                                                        "content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Le contenu n'est pas du JSON valide."


@pytest.mark.parametrize(
    ("body", "field"),
    [({"ends_on": "2026-01-01"}, "ends_on"), ({"state": "closed"}, "state"),
     ({"places_available": "trois"}, "places_available"), ({"kind": None}, "kind"),
     ({"description": "court"}, "description")],
)  # fmt: skip
async def test_a_bad_mission_edit_gets_a_french_422_and_changes_nothing(
    annuaire: Client, body: dict[str, Any], field: str
) -> None:
    slug, auth = await annuaire.validated()
    created = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(), headers=auth
    )
    url = f"/api/associations/{slug}/missions/{created.json()['id']}"
    response = await annuaire.http.patch(url, json=body, headers=auth)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await annuaire.http.get(url)).json() == created.json()


async def test_a_stale_or_malformed_if_match_is_refused(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    url = f"/api/associations/{slug}"
    stale = await annuaire.http.patch(
        url, json={"short_name": "X"}, headers={**auth, "If-Match": '"1"'}
    )
    assert stale.status_code == 409
    garbage = await annuaire.http.patch(
        url, json={"short_name": "X"}, headers={**auth, "If-Match": "n'importe quoi"}
    )
    assert garbage.status_code == 412
    assert "If-Match" in garbage.json()["detail"]
