"""Characters Python calls digits that `int()` refuses (« ² », « ¹ », « ① »…): the annuaire
answers them as what they are, text that is not a number, never with a 500."""

from __future__ import annotations

import pytest

from tests.annuaire.conftest import Client, association_body
from tests.support.pages import assert_french_page

pytestmark = pytest.mark.nats

NOT_INT = ("²", "1²", "①")


@pytest.mark.parametrize("page", NOT_INT)
async def test_a_page_number_that_int_refuses_shows_the_first_page(
    annuaire: Client, page: str
) -> None:
    html = assert_french_page(await annuaire.http.get("/associations", params={"page": page}))
    assert "Annuaire des associations" in html


@pytest.mark.parametrize("if_match", ['"²"', '"1²"'])
async def test_an_if_match_that_int_refuses_is_412(annuaire: Client, if_match: str) -> None:
    slug, auth = await annuaire.validated()
    headers = [(k.encode(), v.encode()) for k, v in auth.items()]
    headers.append((b"If-Match", if_match.encode("latin-1")))  # as HTTP carries it
    response = await annuaire.http.patch(
        f"/api/associations/{slug}", json={"short_name": "Amis"}, headers=headers
    )
    assert response.status_code == 412, response.text


@pytest.mark.parametrize("number", ["12345678²", "1234567890123²"])
async def test_a_siren_or_siret_that_int_refuses_is_422_in_french(
    annuaire: Client, number: str
) -> None:
    field = "siren" if len(number) == 9 else "siret"
    response = await annuaire.http.post(
        "/api/associations", json=association_body(**{field: number})
    )
    assert response.status_code == 422, response.text
    (error,) = [e for e in response.json()["errors"] if e["field"] == field]
    assert error["message"].startswith(f"Numéro {field.upper()} invalide"), error
