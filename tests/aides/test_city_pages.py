"""The city's aid schemes over real HTTP on the in-process service and a real nats-server:
French forms (422 per field, nothing stored), preview, publish and withdraw with one fact
each (deterministic ids), compare-and-set against a stale form, synced schemes read-only,
and the city's session required."""

from __future__ import annotations

import pytest
from nats.js import JetStreamContext

from tests.aides.aides_app import Client, new_id, read_facts, running_aides, scheme_form
from tests.support.pages import assert_french_page
from vieasso.aides.domain.schemes import AidScheme, SchemeState, scheme_key
from vieasso.aides.handlers.schemes import BUCKET, store
from vieasso.common.messages.aides import SchemeOrigin

pytestmark = pytest.mark.nats


async def _create(client: Client, cookie: dict[str, str], **fields: object) -> str:
    scheme_id = new_id("fph")
    answer = await client.http.post(
        "/espace-ville/aides/nouveau", data=scheme_form(id=scheme_id, **fields), headers=cookie
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/espace-ville/aides/{scheme_id}/apercu?ok=ajoute"
    return scheme_id


async def test_city_creates_previews_publishes_edits_and_withdraws_a_scheme(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        cookie = await client.city()
        form = assert_french_page(
            await client.http.get("/espace-ville/aides/nouveau", headers=cookie)
        )
        assert "Qui peut demander" in form
        assert "Solidarité" in form
        assert "Planoise" in form

        scheme_id = await _create(client, cookie)
        stored = client.service.store.get(scheme_id)
        assert stored is not None
        assert stored.value.state is SchemeState.DRAFT
        window = {"opens_month": 9, "opens_day": 1, "closes_month": 10, "closes_day": 15}
        assert stored.value.deadlines.model_dump() == {"kind": "annuel", **window}
        assert stored.value.application.documents == ("Budget du projet", "Statuts")
        assert await read_facts(js, f"aides.schemes.{scheme_id}.>") == []  # a draft is private

        preview = assert_french_page(
            await client.http.get(f"/espace-ville/aides/{scheme_id}/apercu", headers=cookie)
        )
        for text in (
            "Aperçu — état : Brouillon",
            "Chaque année, du 1er septembre au 15 octobre",
            "prochaine clôture le <strong>vendredi 15 octobre 2027</strong>",
            "Jusqu&#39;à 1\u202f500 €",
            "Budget annuel d&#39;au plus 10\u202f000 €",
            "Statuts",
        ):
            assert text in preview, text

        published = await client.http.post(
            f"/espace-ville/aides/{scheme_id}/publier", data={"revision": stored.revision},
            headers=cookie,
        )  # fmt: skip
        assert published.status_code == 303, published.text
        edit = await client.http.get(f"/espace-ville/aides/{scheme_id}", headers=cookie)
        assert 'value="Fonds de participation des habitants"' in assert_french_page(edit)
        current = client.service.store.get(scheme_id)
        assert current is not None
        changed = await client.http.post(
            f"/espace-ville/aides/{scheme_id}",
            data=scheme_form(name="FPH — Fonds de participation", revision=current.revision),
            headers=cookie,
        )
        assert changed.status_code == 303, changed.text
        withdrawn = await client.http.post(
            f"/espace-ville/aides/{scheme_id}/retirer", headers=cookie
        )
        assert withdrawn.status_code == 303

        facts = await read_facts(js, f"aides.schemes.{scheme_id}.>")
        assert [f["subject"].rsplit(".", 1)[1] for f in facts] == [
            "published",
            "updated",
            "withdrawn",
        ]
        assert [f["scheme"]["name"] for f in facts][1] == "FPH — Fonds de participation"
        assert facts[0]["scheme"]["next_deadline"] == "2027-10-15"
        assert all(f["msg_id"] == f["message_id"] for f in facts)
        final = client.service.store.get(scheme_id)
        assert final is not None
        assert (final.value.version, final.value.state) == (
            3,
            SchemeState.WITHDRAWN,
        )
        raw = await (await js.key_value(BUCKET)).get(scheme_key(scheme_id))
        assert AidScheme.model_validate_json(raw.value or b"") == final.value


async def test_a_bad_form_answers_422_in_french_per_field_and_stores_nothing(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        cookie = await client.city()
        scheme_id = new_id("mauvais")
        form = scheme_form(
            id=scheme_id, name="", kinds=[], **{
                "deadlines.opens_day": "31", "deadlines.opens_month": "2",
                "eligibility.budget_min": "50000", "amounts.min_eur": "abc",
                "application.url": "javascript:alert(1)",
            },
        )  # fmt: skip
        answer = await client.http.post("/espace-ville/aides/nouveau", data=form, headers=cookie)
        page = assert_french_page(answer, status=422)
        for text in (
            "Ce champ est obligatoire.",
            "Le 31/02 n&#39;existe pas tous les ans",
            "Le budget minimal dépasse le budget maximal.",
            "Un nombre entier est attendu.",
            "L&#39;adresse web doit commencer par http:// ou https://.",
        ):
            assert text in page, text
        assert 'value="50000"' in page  # what was typed is shown again
        assert client.service.store.get(scheme_id) is None


async def test_a_stale_form_is_refused_and_a_synced_scheme_is_read_only(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        cookie = await client.city()
        scheme_id = await _create(client, cookie)
        first = client.service.store.get(scheme_id)
        assert first is not None
        for name in ("Première version", "Seconde version"):
            answer = await client.http.post(
                f"/espace-ville/aides/{scheme_id}",
                data=scheme_form(name=name, revision=first.revision),
                headers=cookie,
            )
        assert answer.status_code == 409
        assert "modifiée entre-temps" in answer.text
        kept = client.service.store.get(scheme_id)
        assert kept is not None
        assert kept.value.name == "Première version"

        synced_id = new_id("at")
        synced = first.value.model_copy(
            update={
                "id": synced_id,
                "source": first.value.source.model_copy(
                    update={"origin": SchemeOrigin.AIDES_TERRITOIRES, "source_id": "157321"}
                ),
                "state": SchemeState.PUBLISHED,
            }
        )
        await store(
            client.service.schemes(), AidScheme.model_validate(synced.model_dump()), last=None
        )
        page = await client.http.get(f"/espace-ville/aides/{synced_id}", headers=cookie)
        assert page.status_code == 404
        assert "Aides-territoires" in page.text
        refused = await client.http.post(f"/espace-ville/aides/{synced_id}/retirer", headers=cookie)
        assert refused.status_code == 404
        listing = assert_french_page(await client.http.get("/espace-ville/aides", headers=cookie))
        assert "Aides d’autres financeurs" in listing
        assert synced_id in listing


async def test_a_call_already_closed_cannot_be_published(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        cookie = await client.city()
        scheme_id = await _create(
            client, cookie, **{"deadlines.kind": "date", "deadlines.deadline": "2027-03-01"}
        )
        answer = await client.http.post(f"/espace-ville/aides/{scheme_id}/publier", headers=cookie)
        assert answer.status_code == 409
        assert "La date limite est passée" in answer.text
        assert await read_facts(js, f"aides.schemes.{scheme_id}.>") == []


async def test_city_pages_need_the_city_session(nats_url: str, js: JetStreamContext) -> None:
    async with running_aides(nats_url, js) as client:
        signed_out = await client.http.get("/espace-ville/aides")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].endswith("/espace-ville/connexion")
        scheme_id = new_id("intrus")
        posted = await client.http.post(
            "/espace-ville/aides/nouveau", data=scheme_form(id=scheme_id)
        )
        assert posted.status_code == 401
        assert client.service.store.get(scheme_id) is None


async def test_themes_and_quartiers_must_be_the_directorys(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        cookie = await client.city()
        scheme_id = new_id("inconnu")
        form = scheme_form(
            id=scheme_id, themes=["astrologie"], **{"eligibility.quartiers": ["mars"]}
        )
        answer = await client.http.post("/espace-ville/aides/nouveau", data=form, headers=cookie)
        page = assert_french_page(answer, status=422)
        assert "Thème inconnu de l&#39;annuaire : astrologie." in page
        assert "Quartier inconnu de l&#39;annuaire : mars." in page
        assert client.service.store.get(scheme_id) is None
