"""Associations over real HTTP and real NATS: registration, validation, edits, archive."""

from __future__ import annotations

import asyncio
import json

import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import (
    Client,
    association_body,
    mission_body,
    read_facts,
    unique_name,
)
from vieasso.common.directory import ASSOCIATIONS, DirectoryView
from vieasso.common.messages.annuaire import AssociationPublic

pytestmark = pytest.mark.nats


async def test_registration_lands_pending_and_publishes_a_registered_fact(
    annuaire: Client, js: JetStreamContext
) -> None:
    created = await annuaire.register()
    assert created["state"] == "pending"
    assert "contact" not in created
    assert "private_contact" not in created
    facts = await read_facts(js, f"annuaire.associations.{created['slug']}.>")
    assert [s for s, _ in facts] == [f"annuaire.associations.{created['slug']}.registered"]
    assert facts[0][1]["association"]["state"] == "pending"


async def test_slug_is_ascii_from_an_accented_name_and_survives_collisions(
    annuaire: Client,
) -> None:
    name = f"Chœur de l'Été à Besançon {unique_name('')}"
    first = await annuaire.register(name=name)
    second = await annuaire.register(name=name)
    assert first["slug"].startswith("choeur-de-l-ete-a-besancon-")
    assert second["slug"] == first["slug"] + "-2"


async def test_a_registration_with_the_rna_id_of_a_validated_association_is_refused_409(
    annuaire: Client,
) -> None:
    rna = f"W25{int.from_bytes(__import__('os').urandom(3)) % 10**7:07d}"
    await annuaire.validated(rna_id=rna)  # only validated associations hold their number
    response = await annuaire.http.post("/api/associations", json=association_body(rna_id=rna))
    assert response.status_code == 409
    assert "RNA" in response.json()["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rna_id", "X123"),
        ("siren", "123456789"),
        ("siret", "73282932000075"),
        ("phone", "12345"),
        ("email", "pas-une-adresse"),
        ("website", "ftp://exemple.fr"),
        ("themes", ["inconnu"]),
        ("quartier", "atlantide"),
        ("founded_on", "2999-01-01"),
        ("name", "x" * 201),
        ("name", "Deux\nlignes"),
        ("contact", None),
    ],
)
async def test_bad_registration_gets_a_french_error_on_its_field(
    annuaire: Client, field: str, value: object
) -> None:
    response = await annuaire.http.post(
        "/api/associations", json=association_body(**{field: value})
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == "Les données envoyées ne sont pas valides."
    fields = [e["field"] for e in body["errors"]]
    assert any(f == field or f.startswith(f"{field}.") for f in fields), body
    assert all(e["message"] and e["message"][0].isupper() for e in body["errors"])


async def test_pending_record_is_hidden_from_the_public_and_shown_to_the_city(
    annuaire: Client,
) -> None:
    slug = (await annuaire.register())["slug"]
    assert (await annuaire.http.get(f"/api/associations/{slug}")).status_code == 404
    seen = await annuaire.http.get(f"/api/associations/{slug}", headers=annuaire.admin)
    assert seen.status_code == 200
    assert seen.json()["private_contact"]["email"] == "camille.secret@exemple.fr"


async def test_validation_is_for_the_city_only(annuaire: Client) -> None:
    slug = (await annuaire.register())["slug"]
    _, other = await annuaire.validated()
    url = f"/api/associations/{slug}/validate"
    assert (await annuaire.http.post(url)).status_code == 401
    assert (await annuaire.http.post(url, headers=other)).status_code == 403
    bad = {"Authorization": "Bearer pas-un-jeton"}
    assert (await annuaire.http.post(url, headers=bad)).status_code == 401
    assert (await annuaire.http.get(f"/api/associations/{slug}")).status_code == 404


async def test_validation_issues_a_token_once_and_stores_only_its_hash(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug = (await annuaire.register())["slug"]
    response = await annuaire.http.post(
        f"/api/associations/{slug}/validate", headers=annuaire.admin
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) >= 40
    stored = (await (await js.key_value(ASSOCIATIONS)).get(slug)).value or b""
    assert token.encode() not in stored
    assert json.loads(stored)["state"] == "validated"
    again = await annuaire.http.post(f"/api/associations/{slug}/validate", headers=annuaire.admin)
    assert again.status_code == 409
    assert again.json()["detail"] == "Cette association est déjà validée."
    facts = await read_facts(js, f"annuaire.associations.{slug}.>", at_least=2)
    assert [s.rsplit(".", 1)[1] for s, _ in facts] == ["registered", "validated"]


async def test_the_city_issues_a_new_token_and_the_old_one_stops_working(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, old = await annuaire.validated()
    url = f"/api/associations/{slug}"
    assert (await annuaire.http.post(f"{url}/token", headers=old)).status_code == 403
    response = await annuaire.http.post(f"{url}/token", headers=annuaire.admin)
    assert response.status_code == 200
    new = {"Authorization": f"Bearer {response.json()['token']}"}
    assert (
        await annuaire.http.patch(url, json={"short_name": "N"}, headers=new)
    ).status_code == 200
    assert (
        await annuaire.http.patch(url, json={"short_name": "O"}, headers=old)
    ).status_code == 401
    pending = (await annuaire.register())["slug"]
    refused = await annuaire.http.post(f"/api/associations/{pending}/token", headers=annuaire.admin)
    assert refused.status_code == 409
    facts = await read_facts(js, f"annuaire.associations.{slug}.>", at_least=3)
    assert [s.rsplit(".", 1)[1] for s, _ in facts] == ["registered", "validated", "updated"]


async def test_an_association_edits_its_own_record_but_never_another(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    other, _ = await annuaire.validated()
    response = await annuaire.http.patch(
        f"/api/associations/{slug}", json={"employs_staff": True}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.json()["employs_staff"] is True
    refused = await annuaire.http.patch(
        f"/api/associations/{other}", json={"employs_staff": True}, headers=auth
    )
    assert refused.status_code == 403
    assert "jeton" in refused.json()["detail"]
    anonymous = await annuaire.http.patch(f"/api/associations/{slug}", json={"name": "Volé"})
    assert anonymous.status_code == 401


async def test_an_edit_publishes_an_updated_fact_and_a_no_op_edit_publishes_nothing(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    url = f"/api/associations/{slug}"
    await annuaire.http.patch(url, json={"short_name": "AMB"}, headers=auth)
    first = await annuaire.http.get(url)
    await annuaire.http.patch(url, json={"short_name": "AMB"}, headers=auth)
    second = await annuaire.http.get(url)
    assert first.headers["etag"] == second.headers["etag"]
    facts = await read_facts(js, f"annuaire.associations.{slug}.>", at_least=3)
    assert [s.rsplit(".", 1)[1] for s, _ in facts] == ["registered", "validated", "updated"]
    assert facts[-1][1]["association"]["short_name"] == "AMB"


async def test_bad_edit_gets_a_french_error_and_changes_nothing(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    url = f"/api/associations/{slug}"
    before = (await annuaire.http.get(url)).json()
    for body in ({"name": None}, {"siren": "000000001"}, {"themes": ["zzz"]}, {"inconnu": 1}):
        response = await annuaire.http.patch(url, json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["message"]
    assert (await annuaire.http.get(url)).json() == before


async def test_two_concurrent_edits_one_wins_the_other_gets_409_and_nothing_is_lost(
    annuaire: Client,
) -> None:
    slug, auth = await annuaire.validated()
    url = f"/api/associations/{slug}"
    etag = (await annuaire.http.get(url)).headers["etag"]
    a, b = await asyncio.gather(
        annuaire.http.patch(url, json={"short_name": "A"}, headers={**auth, "If-Match": etag}),
        annuaire.http.patch(url, json={"short_name": "B"}, headers={**auth, "If-Match": etag}),
    )
    assert sorted([a.status_code, b.status_code]) == [200, 409]
    loser = a if a.status_code == 409 else b
    assert "modifiée entre-temps" in loser.json()["detail"]
    winner = "A" if a.status_code == 200 else "B"
    assert (await annuaire.http.get(url)).json()["short_name"] == winner


async def test_compare_and_set_refuses_a_write_based_on_a_stale_revision(
    annuaire: Client,
) -> None:
    from vieasso.annuaire.domain.errors import ConflictError  # noqa: PLC0415

    slug, _ = await annuaire.validated()
    repo = annuaire.unit.associations
    stale = await repo.get(slug)
    assert stale is not None
    await repo.update(
        slug, stale.value.model_copy(update={"short_name": "premier"}), last=stale.revision
    )
    with pytest.raises(ConflictError):
        await repo.update(
            slug, stale.value.model_copy(update={"short_name": "second"}), last=stale.revision
        )
    current = await repo.get(slug)
    assert current is not None
    assert current.value.short_name == "premier"


async def test_archive_revokes_the_token_and_hides_the_record(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated()
    url = f"/api/associations/{slug}"
    assert (await annuaire.http.post(f"{url}/archive", headers=auth)).status_code == 403
    response = await annuaire.http.post(f"{url}/archive", headers=annuaire.admin)
    assert response.status_code == 200
    assert response.json()["state"] == "archived"
    assert (
        await annuaire.http.patch(url, json={"short_name": "X"}, headers=auth)
    ).status_code == 401
    edit = await annuaire.http.patch(url, json={"short_name": "X"}, headers=annuaire.admin)
    assert edit.status_code == 409
    assert (await annuaire.http.get(url)).status_code == 404
    again = await annuaire.http.post(f"{url}/archive", headers=annuaire.admin)
    assert again.status_code == 409
    validate = await annuaire.http.post(f"{url}/validate", headers=annuaire.admin)
    assert validate.status_code == 409
    facts = await read_facts(js, f"annuaire.associations.{slug}.archived")
    assert facts[0][1]["association"]["state"] == "archived"


async def test_search_filters_by_theme_quartier_staff_and_accent_insensitive_text(
    annuaire: Client,
) -> None:
    tag = unique_name("Gymnastique").split()[1]
    slug, _ = await annuaire.validated(
        name=f"Gymnastique Volontaire de l'Été {tag}",
        themes=["sport"],
        quartier="planoise-chateaufarine",
        employs_staff=True,
    )
    await annuaire.register(name=f"Gymnastique en attente {tag}")

    async def slugs(**params: str) -> list[str]:
        response = await annuaire.http.get("/api/associations", params={"q": tag, **params})
        assert response.status_code == 200
        return [a["slug"] for a in response.json()["items"]]

    assert await slugs() == [slug]
    assert await slugs(q=f"ETE volontaire {tag}") == [slug]
    assert await slugs(theme="sport") == [slug]
    assert await slugs(theme="culture") == []
    assert await slugs(quartier="planoise-chateaufarine") == [slug]
    assert await slugs(quartier="battant") == []
    assert await slugs(employs_staff="false") == []
    forbidden = await annuaire.http.get("/api/associations", params={"state": "pending"})
    assert forbidden.status_code == 403
    pending = await annuaire.http.get(
        "/api/associations", params={"state": "pending", "q": tag}, headers=annuaire.admin
    )
    assert pending.json()["total"] == 1
    await annuaire.http.patch(
        f"/api/associations/{slug}", json={"quartier": "battant"}, headers=annuaire.admin
    )
    assert await slugs(quartier="planoise-chateaufarine") == []  # answers follow changes
    assert await slugs(quartier="battant") == [slug]


@pytest.mark.parametrize(
    "params",
    [{"theme": "Pas Un Code"}, {"limit": "0"}, {"limit": "abc"}, {"employs_staff": "peut-être"},
     {"state": "supprimee"}, {"offset": "-1"}],
)  # fmt: skip
async def test_bad_search_parameters_get_a_french_422(
    annuaire: Client, params: dict[str, str]
) -> None:
    response = await annuaire.http.get("/api/associations", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == next(iter(params))


async def test_bad_slug_in_path_gets_a_french_422_and_unknown_one_404(annuaire: Client) -> None:
    bad = await annuaire.http.get("/api/associations/Pas_Un_Slug")
    assert bad.status_code == 422
    missing = await annuaire.http.get("/api/associations/inconnue-zzz")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Association introuvable."


async def test_the_kv_value_is_the_documented_contract(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    value = (await (await js.key_value(ASSOCIATIONS)).get(slug)).value or b""
    public = AssociationPublic.model_validate_json(value)
    assert public.slug == slug
    assert json.loads(value)["private_contact"]["email"] == "camille.secret@exemple.fr"


async def test_the_directory_view_of_other_services_reads_what_the_annuaire_writes(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, auth = await annuaire.validated(themes=["sport"], quartier="velotte")
    created = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(venue_id="kursaal"), headers=auth
    )
    view = DirectoryView()
    await view.start(js)
    try:
        association = view.association(slug)
        assert association is not None
        assert association.state == "validated"
        assert association.quartier == "velotte"
        mission = view.mission(created.json()["id"])
        assert mission is not None
        assert mission.venue_id == "kursaal"
        assert view.venue("kursaal") is not None
        assert view.theme("sport") is not None
        assert view.quartier("velotte") is not None
    finally:
        await view.stop()
