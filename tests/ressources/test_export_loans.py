"""The loans' CSV for the city's yearly report over real HTTP on a real nats-server: one row
per loan line and the summary per association and per resource, what a French Excel opens
(BOM, `;`), no cell run as a formula, the city only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import Client, new_id, put_venue, room_body, running_ressources
from tests.ressources.feeds_support import OPEN, lend, lending, put_association, put_model
from tests.support.sessions import session_cookie
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.web import Kind
from vieasso.ressources.domain.loans import ReturnLine
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import ReturnInput, mark_ready, pick_up, return_loan

pytestmark = pytest.mark.nats

EQUIPMENT, ROOM = ResourceKind.EQUIPMENT, ResourceKind.ROOM
HOSTILE = '=HYPERLINK("https://example.org/x";"cliquez")'
API = "/api/prets/export.csv"
PAGE = "/espace-ville/prets/export.csv"


def on(day: date, offset: int = 0) -> date:
    return day + timedelta(days=offset)


def table(answer: httpx.Response) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))


async def _loans(client: Client, js: JetStreamContext) -> dict[str, str]:
    barnum = await put_model(client, name="Barnum 3×3 m", stock=5, damage_fee_eur=150)
    venue = await put_venue(js, client)
    room = new_id("salle")
    body = room_body(venue.id, name="Salle Battant") | OPEN
    body["opening"] = {str(d): ["matin", "apres-midi"] for d in range(1, 7)}
    put = await client.http.put(f"/api/catalogue/salles/{room}", json=body, headers=client.admin)
    assert put.status_code == 200, put.text
    hostile, _ = await put_association(js, client, name=HOSTILE)
    comite, _ = await put_association(js, client, name="Comité des fêtes")
    unit = lending(client)

    april = date(2027, 4, 6)  # Tuesday
    first = await lend(client, hostile, [(EQUIPMENT, barnum, 2)], april, on(april, 2), granted=[1])
    await mark_ready(unit, first.id)
    await pick_up(unit, first.id)
    noted = ReturnInput(lines=(ReturnLine(resource_id=barnum, damaged=1),))
    await return_loan(unit, first.id, noted)

    second = await lend(
        client, comite, [(EQUIPMENT, barnum, 3), (ROOM, room, 1)], on(april, 14), on(april, 15)
    )
    await mark_ready(unit, second.id)
    await pick_up(unit, second.id)

    asked = LoanRequest(
        starts_on=on(april, 21), ends_on=on(april, 21), lines=(RequestLine(resource_id=barnum),)
    )
    pending = await request_loan(unit, comite, asked)
    next_year = await lend(
        client, comite, [(EQUIPMENT, barnum, 1)], date(2028, 1, 11), date(2028, 1, 11)
    )
    return {
        "barnum": barnum, "room": room, "hostile": hostile, "comite": comite,
        "first": first.id, "second": second.id, "pending": pending.id, "next": next_year.id,
    }  # fmt: skip


async def test_detail_and_summary_of_a_year(nats_url: str, js: JetStreamContext) -> None:
    async with running_ressources(nats_url) as client:
        ids = await _loans(client, js)
        rows = table(await client.http.get(API, params={"annee": 2027}, headers=client.admin))
        assert rows[0] == [
            "prêt", "association", "nom de l'association", "type", "ressource",
            "nom de la ressource", "unités demandées", "unités accordées", "du", "au", "jours",
            "jours prêtés (unités × jours)", "état", "état au retour", "frais (€)",
        ]  # fmt: skip
        mine = [r for r in rows[1:] if r[0] in ids.values()]
        b, r = ids["barnum"], ids["room"]
        assert mine == [
            [ids["first"], ids["hostile"], "'" + HOSTILE, "matériel", b, "Barnum 3×3 m",
             "2", "1", "2027-04-06", "2027-04-08", "3", "3", "rendu", "1 abîmée(s)", "150"],
            [ids["second"], ids["comite"], "Comité des fêtes", "matériel", b, "Barnum 3×3 m",
             "3", "3", "2027-04-20", "2027-04-21", "2", "6", "retiré", "", ""],
            [ids["second"], ids["comite"], "Comité des fêtes", "salle", r, "Salle Battant",
             "1", "1", "2027-04-20", "2027-04-21", "2", "2", "retiré", "", ""],
            [ids["pending"], ids["comite"], "Comité des fêtes", "matériel", b, "Barnum 3×3 m",
             "1", "", "2027-04-27", "2027-04-27", "1", "0", "demandé", "", ""],
        ]  # fmt: skip

        params = {"annee": "2027", "vue": "synthese"}
        summary = table(await client.http.get(API, params=params, headers=client.admin))
        assert summary[0] == [
            "par", "identifiant", "nom", "prêts", "unités prêtées",
            "jours prêtés (unités × jours)", "frais (€)",
        ]  # fmt: skip
        keys = {ids["hostile"], ids["comite"], b, r}
        by_association = sorted(
            [
                ["association", ids["hostile"], "'" + HOSTILE, "1", "1", "3", "150"],
                ["association", ids["comite"], "Comité des fêtes", "1", "4", "8", "0"],
            ],
            key=lambda row: row[1],
        )
        assert [row for row in summary[1:] if row[1] in keys] == [
            *by_association,
            ["matériel", b, "Barnum 3×3 m", "2", "4", "9", ""],
            ["salle", r, "Salle Battant", "1", "1", "2", ""],
        ]

        rows_2028 = table(await client.http.get(API, params={"annee": 2028}, headers=client.admin))
        assert [row[0] for row in rows_2028 if row[0] in ids.values()] == [ids["next"]]


async def test_city_only(nats_url: str, js: JetStreamContext) -> None:
    async with running_ressources(nats_url) as client:
        slug, token = await put_association(js, client)
        settings, clock = client.settings, client.clock
        association = await session_cookie(
            js, Kind.ASSOCIATION, token, slug, clock=clock, settings=settings
        )
        admin_token = settings.admin_token.get_secret_value()
        city = await session_cookie(js, Kind.CITY, admin_token, clock=clock, settings=settings)

        assert (await client.http.get(API)).status_code == 401
        assert (await client.http.get(API, headers=association)).status_code == 401
        wrong = {"Authorization": f"Bearer {token}"}  # an association's token
        assert (await client.http.get(API, headers=wrong)).status_code == 403
        table(await client.http.get(API, headers=city))
        table(await client.http.get(API, headers=client.admin))

        assert (await client.http.get(PAGE)).status_code == 303  # to the city's sign-in
        assert (await client.http.get(PAGE, headers=association)).status_code == 303
        assert (await client.http.get(PAGE, headers=client.admin)).status_code == 303
        answer = await client.http.get(PAGE, params={"annee": 2027}, headers=city)
        assert table(answer)[0][0] == "prêt"
        assert 'filename="prets-2027.csv"' in answer.headers["content-disposition"]


async def test_a_bad_year_is_refused_in_french(nats_url: str) -> None:
    async with running_ressources(nats_url) as client:
        for year in ("deux-mille", "1999"):
            answer = await client.http.get(API, params={"annee": year}, headers=client.admin)
            assert answer.status_code == 422
            assert answer.json()["errors"][0]["field"] == "annee", answer.text


async def test_the_default_year_is_the_year_in_paris(nats_url: str) -> None:
    async with running_ressources(nats_url) as client:
        client.clock.advance(datetime(2027, 12, 31, 23, 30, tzinfo=UTC) - client.clock.now())
        answer = await client.http.get(API, headers=client.admin)  # 00:30 on 1 January 2028
        assert answer.status_code == 200, answer.text
        assert 'filename="prets-2028.csv"' in answer.headers["content-disposition"]
