"""Open data of the aides over real HTTP on a real nats-server: the city's published schemes
as CSV and JSON (stable columns, public fields only, nothing synced or draft), and the
grants the city records in its space, exported in the SCDL *subventions* 2.1.1 format (the
exact header, ISO dates, amounts with a dot); the recording form refuses in French."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
from datetime import date

import pytest
from nats.js import JetStreamContext

from tests.aides.aides_app import NOW, Client, put_association, put_scheme, running_aides
from tests.support.pages import assert_french_page
from vieasso.common.directory import ASSOCIATIONS

pytestmark = pytest.mark.nats

SCHEME_COLUMNS = [
    "id", "nom", "resume", "description", "financeurs", "types", "themes", "perimetre",
    "salaries", "quartiers", "anciennete_min_mois", "budget_min_eur", "budget_max_eur",
    "benevoles_min", "benevoles_max", "autres_conditions", "montant_min_eur",
    "montant_max_eur", "taux_min_pourcent", "taux_max_pourcent", "precision_montant",
    "calendrier", "date_ouverture", "date_limite", "periode_debut", "periode_fin",
    "prochaine_date_limite", "lien_demande", "pieces_a_fournir", "contact", "licence",
    "version", "mise_a_jour",
]  # fmt: skip
# SCDL subventions 2.1.1 (OpenDataFrance, schema.json): the 16 columns, in this order.
SCDL_HEADER = [
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
    "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
    "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention",
    "dispositifAide",
]  # fmt: skip


def read_csv(body: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    header, *rows = list(reader)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


async def test_the_city_schemes_as_csv_and_json(nats_url: str, js: JetStreamContext) -> None:
    async with running_aides(nats_url, js) as client:
        city = await put_scheme(
            client, name="Fonds de participation des habitants",
            funders=("Ville de Besançon", "État"), kinds=("aide-projet", "appel-a-projets"),
            themes=("culture", "sport"),
            eligibility={"quartiers": ("planoise",), "budget_max": 10_000,
                         "conditions": ("Projet collectif",)},
            amounts={"max_eur": 1500, "rate_max_percent": 80},
            deadlines={"kind": "annuel", "opens_month": 9, "opens_day": 1,
                       "closes_month": 10, "closes_day": 15},
            application={"url": "https://lecompteasso.associations.gouv.fr/",
                         "documents": ("Budget", "Statuts"),
                         "contact": "Service Vie associative"},
        )  # fmt: skip
        draft = await put_scheme(client, state="brouillon")
        synced = await put_scheme(client, source={"origin": "aides-territoires", "source_id": "9"})
        answer = await client.http.get("/export/aides.csv")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        header, rows = read_csv(answer.content)
        assert header == SCHEME_COLUMNS
        by_id = {r["id"]: r for r in rows}
        assert city.id in by_id
        assert not {draft.id, synced.id} & by_id.keys()
        row = by_id[city.id]
        assert row["financeurs"] == "Ville de Besançon; État"
        assert row["types"] == "aide-projet; appel-a-projets"
        assert (row["quartiers"], row["budget_max_eur"], row["budget_min_eur"]) == (
            "planoise",
            "10000",
            "",
        )
        assert (row["calendrier"], row["periode_debut"], row["periode_fin"]) == (
            "annuel",
            "09-01",
            "10-15",
        )
        assert row["prochaine_date_limite"] == "2027-10-15"  # NOW is 15 March 2027
        assert row["mise_a_jour"] == NOW.date().isoformat()
        assert row["licence"].startswith("Licence Ouverte")
        again = await client.http.get(
            "/export/aides.csv", headers={"If-None-Match": answer.headers["etag"]}
        )
        assert again.status_code == 304

        as_json = await client.http.get("/export/aides.json")
        assert as_json.status_code == 200
        items = {i["id"]: i for i in json.loads(as_json.content)}
        assert set(items) == set(by_id)
        assert sorted(items[city.id]) == sorted(SCHEME_COLUMNS)
        assert items[city.id]["financeurs"] == ["Ville de Besançon", "État"]
        assert items[city.id]["montant_max_eur"] == 1500


async def _with_ids(client: Client, slug: str, **ids: str | None) -> None:
    kv = await client.js.key_value(ASSOCIATIONS)
    entry = await kv.get(slug)
    record = json.loads(entry.value or b"") | ids
    await kv.put(slug, json.dumps(record).encode())
    directory = client.service.directory

    async def seen() -> bool:
        found = directory.association(slug)
        return found is not None and found.siret == ids.get("siret")

    for _ in range(400):
        if await seen():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("directory never saw the identifiers")


async def test_awards_recorded_by_the_city_exported_in_scdl(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        cookie = await client.city()
        scheme = await put_scheme(client, name="Subvention de fonctionnement")
        synced = await put_scheme(client, source={"origin": "aides-territoires", "source_id": "7"})
        with_siret = (await put_association(client)).association
        siret = "".join(str(secrets.randbelow(10)) for _ in range(14))
        await _with_ids(client, with_siret.slug, siret=siret, rna_id="W251234567")
        without_ids = (await put_association(client)).association
        form = {
            "association": with_siret.slug, "scheme_id": scheme.id,
            "object": "Fonctionnement 2027", "amount": "1 500,50 €",
            "convention_date": "2027-03-01", "decision_reference": "DCM-2027-042",
            "payment": "échelonné", "paid_from": "2027-03-15", "paid_until": "2027-09-15",
        }  # fmt: skip
        anonymous = await client.http.post("/espace-ville/aides/attributions", data=form)
        assert anonymous.status_code == 401
        for wrong, field_text in (
            ({"association": "asso-inconnue"}, "Choisissez une association validée"),
            ({"association": without_ids.slug}, "ni SIRET ni numéro RNA"),
            ({"scheme_id": synced.id}, "Choisissez un dispositif de la Ville."),
            ({"amount": "beaucoup"}, "Indiquez un montant en euros, par exemple 1500 ou 1500,50."),
            ({"amount": "1e3"}, "Indiquez un montant en euros"),
            ({"amount": "0"}, "La valeur doit être supérieure à 0."),
            (
                {"paid_until": "2027-03-01"},
                "La fin de la période de versement est avant son début.",
            ),
        ):
            refused = await client.http.post(
                "/espace-ville/aides/attributions", data=form | wrong, headers=cookie
            )
            page = assert_french_page(refused, status=422)
            assert field_text.replace("'", "&#39;") in page, (wrong, page[-3000:])
        assert client.service.awards.values() == []

        done = await client.http.post("/espace-ville/aides/attributions", data=form, headers=cookie)
        assert done.status_code == 303, done.text
        once = form | {"payment": "unique", "paid_until": "", "amount": "300",
                       "convention_date": "2027-02-01", "paid_from": "2027-02-10"}  # fmt: skip
        done = await client.http.post("/espace-ville/aides/attributions", data=once, headers=cookie)
        assert done.status_code == 303, done.text
        listing = await client.http.get("/espace-ville/aides/attributions", headers=cookie)
        assert "Fonctionnement 2027" in listing.text
        assert "1500,50 €" in listing.text

        answer = await client.http.get("/export/aides-attributions.csv")
        assert answer.status_code == 200
        header, rows = read_csv(answer.content)
        assert header == SCDL_HEADER
        assert [r["dateConvention"] for r in rows] == ["2027-02-01", "2027-03-01"]
        first, second = rows
        assert second == {
            "nomAttribuant": "Ville de Besançon", "idAttribuant": "",
            "dateConvention": "2027-03-01", "referenceDecision": "DCM-2027-042",
            "nomBeneficiaire": with_siret.name, "idBeneficiaire": siret,
            "rnaBeneficiaire": "W251234567", "objet": "Fonctionnement 2027",
            "montant": "1500.50", "nature": "aide en numéraire", "conditionsVersement": "échelonné",
            "datesPeriodeVersement": "2027-03-15/2027-09-15", "idRAE": "",
            "notificationUE": "non", "pourcentageSubvention": "1", "dispositifAide": scheme.id,
        }  # fmt: skip
        assert (first["montant"], first["datesPeriodeVersement"]) == ("300.00", "2027-02-10")
        assert date.fromisoformat(first["dateConvention"])
