"""The lending mails the ressources asks the newsletter for (issue 15, item 4), read from the
COURRIER queue on a real nats-server: a request to the lending team, each decision to the
association, a cancellation of an approved loan to the team, an overdue loan; one key per
loan and step, never asked twice; a mail the process did not ask (a crash after the loan's
write, a refused publish) asked by the next sweep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.conftest import Catalogue, day
from tests.ressources.mails_support import (
    EMAIL,
    asked_for,
    asked_until,
    known_association,
    loan_service,
)
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.errors import IllegalTransition
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve, refuse
from vieasso.ressources.handlers.reminders import sweep_mails
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import cancel, mark_ready, pick_up, sweep_overdue
from vieasso.ressources.service import RessourcesService

pytestmark = pytest.mark.nats

WINDOW = timedelta(days=3)


@pytest.fixture
async def service(
    js: JetStreamContext, nats_url: str, catalogue: Catalogue, clock: FrozenClock
) -> AsyncIterator[RessourcesService]:
    async with loan_service(js, nats_url, clock) as running:
        yield running


async def basket(service: RessourcesService, catalogue: Catalogue, slug: str) -> str:
    """Two of three barnums (deposit 200 € each) and a room, days 10 to 12; the loan's id."""
    barnum = await catalogue.model(3, deposit_eur=200, storage_place="Magasin municipal")
    room = await catalogue.room(name="Salle Battant")
    request = LoanRequest(
        starts_on=day(10),
        ends_on=day(12),
        lines=(
            RequestLine(resource_id=barnum.id, quantity=2),
            RequestLine(resource_id=room.id, kind=ResourceKind.ROOM),
        ),
    )
    return (await request_loan(service.lending(), slug, request)).id


async def test_a_request_asks_the_lending_team_with_the_lines_and_a_link(
    service: RessourcesService, catalogue: Catalogue, js: JetStreamContext
) -> None:
    slug = await known_association(js, service, "Les Amis de Battant")
    loan_id = await basket(service, catalogue, slug)
    (demande,) = await asked_until(js, slug, 1)
    assert demande["template"] == "pret-demande"
    assert demande["key"] == f"pret.{loan_id}.demande"
    assert demande["to"] == {"city": "prets"}
    params = demande["params"]
    assert (params["association_name"], params["association_slug"]) == (
        "Les Amis de Battant",
        slug,
    )
    assert (params["starts_on"], params["ends_on"]) == (str(day(10)), str(day(12)))
    assert params["lines"] == [
        {"label": "Barnum 3×3 m", "quantity": 2},
        {"label": "Salle Battant", "quantity": 1},
    ]
    assert params["link"].endswith(f"/espace-ville/prets#{loan_id}")
    assert params["warnings"] == []
    assert not EMAIL.search(demande["_raw"])


async def test_a_short_stock_is_a_warning_in_the_request_mail(
    service: RessourcesService, catalogue: Catalogue, js: JetStreamContext
) -> None:
    sono = await catalogue.model(1, name="Sono portable")
    first, second = random_slug("asso"), random_slug("asso")
    for slug in (first, second):
        request = LoanRequest(
            starts_on=day(4), ends_on=day(5), lines=(RequestLine(resource_id=sono.id),)
        )
        loan = await request_loan(service.lending(), slug, request)
        if slug == first:
            await approve(service.lending(), loan.id, [1])
    (demande,) = await asked_until(js, second, 1)
    assert demande["params"]["warnings"] == [
        "« Sono portable » : 0 disponible(s) aujourd'hui pour ces dates ; la Ville vous "
        "répondra selon les annulations."
    ]
    assert demande["params"]["association_name"] == second  # unknown to the directory


async def test_a_partial_approval_tells_the_association_what_is_granted_where_and_the_deposit(
    service: RessourcesService, catalogue: Catalogue, js: JetStreamContext
) -> None:
    slug = await known_association(js, service, "Les Amis de Battant")
    loan_id = await basket(service, catalogue, slug)
    await approve(service.lending(), loan_id, [1, 1])
    with pytest.raises(IllegalTransition):
        await approve(service.lending(), loan_id, [2, 1])
    _, decision = await asked_until(js, slug, 2)
    assert decision["template"] == "pret-decision"
    assert decision["key"] == f"pret.{loan_id}.decision"
    assert decision["to"] == {"association": slug}
    params = decision["params"]
    assert params["decision"] == "accordee-en-partie"
    assert params["lines"] == [
        {"label": "Barnum 3×3 m", "requested": 2, "granted": 1},
        {"label": "Salle Battant", "requested": 1, "granted": 1},
    ]
    assert params["reason"].startswith("Le stock de la Ville ne permet pas")
    assert params["place"] == "Magasin municipal ; Salle Battant"
    assert (params["handover"], params["deposit_eur"]) == ("retrait", 200)
    assert params["link"].endswith("/espace-association/reservations")
    assert len(await asked_for(js, slug)) == 2


async def test_a_full_approval_and_a_refusal_with_its_reason(
    service: RessourcesService, catalogue: Catalogue, js: JetStreamContext
) -> None:
    granted, refused = random_slug("asso"), random_slug("asso")
    approved_id = await basket(service, catalogue, granted)
    refused_id = await basket(service, catalogue, refused)
    await approve(service.lending(), approved_id, [2, 1])
    await refuse(service.lending(), refused_id, "Le marché de Noël occupe tout le stock.")
    _, full = await asked_until(js, granted, 2)
    assert full["params"]["decision"] == "accordee"
    assert full["params"]["deposit_eur"] == 400
    assert "reason" not in full["params"] or full["params"]["reason"] is None
    _, no = await asked_until(js, refused, 2)
    assert no["params"]["decision"] == "refusee"
    assert no["params"]["reason"] == "Le marché de Noël occupe tout le stock."
    assert [line["granted"] for line in no["params"]["lines"]] == [0, 0]
    assert no["params"]["place"] is None


async def test_only_an_association_cancelling_an_approved_or_ready_loan_tells_the_team(
    service: RessourcesService, catalogue: Catalogue, js: JetStreamContext
) -> None:
    unit = service.lending()
    ready, waiting, by_city = random_slug("asso"), random_slug("asso"), random_slug("asso")
    ready_id = await basket(service, catalogue, ready)
    await approve(unit, ready_id, [1, 1])
    await mark_ready(unit, ready_id)
    await cancel(unit, ready_id, "association", "La fête est reportée.")
    await cancel(unit, await basket(service, catalogue, waiting), "association")
    city_id = await basket(service, catalogue, by_city)
    await approve(unit, city_id, [2, 1])
    await cancel(unit, city_id, "ville", "Stock endommagé.")

    *_, annule = await asked_until(js, ready, 3)
    assert (annule["template"], annule["key"]) == ("pret-annule", f"pret.{ready_id}.annule")
    assert annule["to"] == {"city": "prets"}
    assert annule["params"]["reason"] == "La fête est reportée."
    assert annule["params"]["lines"] == [
        {"label": "Barnum 3×3 m", "quantity": 1},
        {"label": "Salle Battant", "quantity": 1},
    ]
    assert [r["template"] for r in await asked_for(js, waiting)] == ["pret-demande"]
    assert [r["template"] for r in await asked_for(js, by_city)] == [
        "pret-demande",
        "pret-decision",
    ]


async def test_an_overdue_loan_is_mailed_once(
    service: RessourcesService, catalogue: Catalogue, js: JetStreamContext, clock: FrozenClock
) -> None:
    unit = service.lending()
    sono = await catalogue.model(1, name="Sono portable")
    slug = random_slug("asso")
    request = LoanRequest(
        starts_on=day(2), ends_on=day(3), lines=(RequestLine(resource_id=sono.id),)
    )
    loan = await request_loan(unit, slug, request)
    await approve(unit, loan.id, [1])
    await mark_ready(unit, loan.id)
    await pick_up(unit, loan.id)
    clock.advance(timedelta(days=4))
    assert await sweep_overdue(unit) == [loan.id]
    assert await sweep_overdue(unit) == []
    assert service.mails is not None
    await sweep_mails(service.mails, service.loans.items.values(), clock.now(),
                      window=WINDOW, from_hour=8)  # fmt: skip
    *_, retard = await asked_until(js, slug, 3)
    assert (retard["template"], retard["key"]) == ("pret-retard", f"pret.{loan.id}.retard")
    assert retard["params"]["due_on"] == str(day(3))
    assert retard["params"]["lines"] == [{"label": "Sono portable", "quantity": 1}]
    assert [r["template"] for r in await asked_for(js, slug)] == [
        "pret-demande",
        "pret-decision",
        "pret-retard",
    ]
