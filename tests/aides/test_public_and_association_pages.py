"""The public search and aid pages (no account), and the association's space: answers,
matched aids with their reasons, most urgent deadline first, following an aid — over real
HTTP on the in-process service and a real nats-server."""

from __future__ import annotations

import re
from datetime import date

import pytest
from nats.js import JetStreamContext

from tests.aides.aides_app import new_id, put_association, put_scheme, running_aides
from tests.support.pages import assert_french_page
from vieasso.aides.domain.follows import BudgetBand

pytestmark = pytest.mark.nats

SPACE = "/espace-association/aides"
SEPT = {"kind": "annuel", "opens_month": 9, "opens_day": 1, "closes_month": 10, "closes_day": 15}


def listed_ids(page: str, ids: set[str]) -> list[str]:
    """The ids of `ids` in the order the page links them."""
    return [m for m in re.findall(r'href="/aides/([a-z0-9-]+)"', page) if m in ids]


async def test_public_search_lists_published_aids_by_deadline_with_filters(
    nats_url: str, js: JetStreamContext
) -> None:
    tag = new_id("cle")  # a word only these schemes carry, to ignore other tests' schemes
    async with running_aides(nats_url, js) as client:
        autumn = await put_scheme(
            client, name=f"Projets culturels {tag}", kinds=("aide-projet",), themes=("culture",),
            deadlines=SEPT,
        )  # fmt: skip
        june = await put_scheme(
            client, name=f"Fête des quartiers {tag}",
            deadlines={"kind": "date", "deadline": "2027-06-01"},
            funders=("Région Bourgogne-Franche-Comté",),
            source={"origin": "aides-territoires", "source_id": "1234"},
        )  # fmt: skip
        anytime = await put_scheme(client, name=f"Prêt de salles {tag}")
        draft = await put_scheme(client, name=f"Brouillon {tag}", state="brouillon")
        ids = {autumn.id, june.id, anytime.id, draft.id}

        page = assert_french_page(await client.http.get("/aides", params={"q": tag}))
        assert listed_ids(page, ids) == [june.id, autumn.id, anytime.id]
        assert "Jusqu&#39;au mardi 1 juin 2027" in page
        assert 'href="/feeds/aides.ics"' in page

        for params, expected in (
            ({"theme": "culture"}, [june.id, autumn.id, anytime.id]),  # no theme: all themes
            ({"theme": "sport"}, [june.id, anytime.id]),
            ({"type": "aide-projet"}, [autumn.id]),
            ({"financeur": "autres"}, [june.id]),
            ({"financeur": "ville"}, [autumn.id, anytime.id]),
            ({"ouvert": "1"}, [june.id, anytime.id]),  # the autumn window opens in September
            ({"q": f"FETE des {tag}"}, [june.id]),  # accents and case ignored
        ):
            answer = await client.http.get("/aides", params={"q": tag, **params})
            assert listed_ids(assert_french_page(answer), ids) == expected, params

        detail = assert_french_page(await client.http.get(f"/aides/{autumn.id}"))
        assert "Chaque année, du 1er septembre au 15 octobre" in detail
        assert "Connectez-vous</a> pour suivre cette aide" in detail
        missing = await client.http.get(f"/aides/{draft.id}")
        assert "n&#39;existe pas ou n&#39;est plus proposée" in assert_french_page(
            missing, status=404
        )


async def test_an_association_answers_sees_its_matches_and_follows_one(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        signed = await put_association(
            client, themes=("culture",), quartier="planoise", employs_staff=False,
            founded_on=date(2020, 1, 1),
        )  # fmt: skip
        fph = await put_scheme(
            client, name="FPH Planoise", kinds=("aide-projet",),
            eligibility={"quartiers": ("planoise",), "budget_max": 10_000},
            deadlines={"kind": "date", "deadline": "2027-04-30"},
        )  # fmt: skip
        big = await put_scheme(
            client, name="Grosses structures", eligibility={"budget_min": 200_000}
        )
        headers = signed.headers

        first = assert_french_page(await client.http.get(SPACE, headers=headers))
        assert "Quartier : Planoise" in first
        fph_block = first.split(f'id="{fph.id}"')[1].split("</li>\n")[0]
        assert "À vérifier" in fph_block
        assert "Indiquez votre budget annuel." in fph_block
        assert "Indiquez les dates de votre projet." in fph_block

        refused = await client.http.post(
            f"{SPACE}/reponses", headers=headers,
            data={"budget": "un-million", "volunteers": "-3", "project_start": "2027-05-01",
                  "project_end": "2027-04-01"},
        )  # fmt: skip
        page = assert_french_page(refused, status=422)
        assert "Valeur inconnue" in page
        assert "La valeur doit être supérieure ou égale à 0." in page
        backwards = await client.http.post(
            f"{SPACE}/reponses", headers=headers,
            data={"project_start": "2027-05-01", "project_end": "2027-04-01"},
        )  # fmt: skip
        assert "La fin du projet est avant son début." in assert_french_page(backwards, status=422)
        assert client.service.follows.get(signed.slug) is None  # nothing stored

        saved = await client.http.post(
            f"{SPACE}/reponses", headers=headers,
            data={"budget": BudgetBand.UNDER_10K.value, "volunteers": "8",
                  "project_start": "2027-05-15", "project_end": "2027-05-16"},
        )  # fmt: skip
        assert saved.status_code == 303
        after = assert_french_page(await client.http.get(SPACE, headers=headers))
        fph_block = after.split(f'id="{fph.id}"')[1].split("</li>\n")[0]
        assert "<strong>Éligible</strong>" in fph_block
        assert "Votre quartier (Planoise) est concerné." in fph_block
        assert (
            "Dépôt possible avant le début de votre projet (jusqu&#39;au 30/04/2027)." in fph_block
        )
        assert f'id="{big.id}"' not in after  # not eligible: only with ?tout=1
        everything = await client.http.get(f"{SPACE}?tout=1", headers=headers)
        assert "Il faut un budget d&#39;au moins 200\u202f000 €." in everything.text

        followed = await client.http.post(
            f"{SPACE}/{fph.id}/suivre", headers=headers, data={"retour": "aide"}
        )
        assert followed.status_code == 303
        assert followed.headers["location"] == f"/aides/{fph.id}"
        file = client.service.follows.get(signed.slug)
        assert file is not None
        assert [f.scheme_id for f in file.value.follows] == [fph.id]
        again = await client.http.post(f"{SPACE}/{fph.id}/suivre", headers=headers)
        assert again.status_code == 303
        kept = client.service.follows.get(signed.slug)
        assert kept is not None
        assert kept.revision == file.revision  # following twice changes nothing
        public = assert_french_page(await client.http.get(f"/aides/{fph.id}", headers=headers))
        assert "Vous suivez cette aide." in public
        space = assert_french_page(await client.http.get(SPACE, headers=headers))
        assert "clôture le vendredi 30 avril 2027" in space.split('id="suivies"')[1]

        unknown = await client.http.post(f"{SPACE}/{new_id()}/suivre", headers=headers)
        assert unknown.status_code == 404
        stopped = await client.http.post(f"{SPACE}/{fph.id}/ne-plus-suivre", headers=headers)
        assert stopped.headers["location"] == f"{SPACE}?ok=plus-suivie#{fph.id}"
        final = client.service.follows.get(signed.slug)
        assert final is not None
        assert final.value.follows == ()


async def test_the_association_space_needs_a_signed_in_association(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        page = await client.http.get(SPACE)
        assert page.status_code == 303
        assert page.headers["location"].endswith("/espace-association/connexion")
        scheme = await put_scheme(client)
        posted = await client.http.post(f"{SPACE}/{scheme.id}/suivre")
        assert posted.status_code == 401
