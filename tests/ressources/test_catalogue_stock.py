"""The city cannot lower a model's stock below the units it has already approved on some
day to come: 422 on `stock`, the days listed in French, nothing saved; past days and
loans given back do not count."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import Client, model_body, running_ressources
from tests.ressources.feeds_support import OPEN, lend, lending, put_association, put_model
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.errors import LoanError
from vieasso.ressources.domain.periods import overbooked
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import cancel

pytestmark = pytest.mark.nats

APRIL = date(2027, 4, 6)  # a Tuesday, three weeks after the service's clock


def body(stock: int) -> dict[str, Any]:
    return model_body(stock=stock, buffer_days=1) | OPEN


async def test_the_stock_cannot_go_below_the_units_approved_for_a_day_to_come(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        barnum = await put_model(client, stock=5, buffer_days=1)
        slug, _ = await put_association(js, client)
        first = await lend(client, slug, [(ResourceKind.EQUIPMENT, barnum, 3)], APRIL, APRIL)
        await lend(client, slug, [(ResourceKind.EQUIPMENT, barnum, 1)], APRIL, APRIL + timedelta(1))
        url = f"/api/catalogue/materiel/{barnum}"

        lowered = await client.http.put(url, json=body(3), headers=client.admin)
        assert lowered.status_code == 422, lowered.text
        (error,) = lowered.json()["errors"]
        assert error["field"] == "stock"
        # 3 + 1 units on the 6th, and the 7th (the first loan's buffer day); 1 on the 8th
        assert "4 le 06/04/2027, 4 le 07/04/2027." in error["message"]
        assert "08/04/2027" not in error["message"]
        assert "Annulez ou réduisez d'abord ces prêts" in error["message"]
        stored = await client.http.get(url)
        assert stored.json()["stock"] == 5

        fits = await client.http.put(url, json=body(4), headers=client.admin)
        assert fits.status_code == 200, fits.text
        await cancel(lending(client), first.id, "ville", "Matériel abîmé avant le prêt.")
        freed = await client.http.put(url, json=body(1), headers=client.admin)
        assert freed.status_code == 200, freed.text


async def test_units_approved_for_days_gone_by_do_not_hold_the_stock(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        barnum = await put_model(client, stock=2, buffer_days=1)
        slug, _ = await put_association(js, client)
        await lend(client, slug, [(ResourceKind.EQUIPMENT, barnum, 2)], APRIL, APRIL)
        client.clock.advance(timedelta(days=30))  # the loan's days are over
        url = f"/api/catalogue/materiel/{barnum}"
        lowered = await client.http.put(url, json=body(1), headers=client.admin)
        assert lowered.status_code == 200, lowered.text


async def _lower(client: Client, url: str, stock: int, answers: list[httpx.Response]) -> None:
    answers.append(await client.http.put(url, json=body(stock), headers=client.admin))


async def test_lowering_the_stock_while_loans_are_approved_never_leaves_more_units_than_stock(
    nats_url: str, js: JetStreamContext
) -> None:
    """The stock check and the approvals race: whatever wins, the units approved for the
    day never exceed the stock finally stored (rounds of 5 approvals against one lowering)."""
    async with running_ressources(nats_url) as client:
        unit = lending(client)
        for _ in range(12):
            barnum = await put_model(client, stock=5, buffer_days=0)
            slug, _ = await put_association(js, client)
            request = LoanRequest(
                starts_on=APRIL, ends_on=APRIL, lines=(RequestLine(resource_id=barnum),)
            )
            loan_ids = [(await request_loan(unit, slug, request)).id for _ in range(5)]

            async def one(loan_id: str) -> None:
                with contextlib.suppress(LoanError):
                    await approve(unit, loan_id, [1])

            url = f"/api/catalogue/materiel/{barnum}"
            answers: list[httpx.Response] = []
            lowering = _lower(client, url, 2, answers)
            await asyncio.gather(*(one(i) for i in loan_ids), lowering)
            (lowered,) = answers
            assert lowered.status_code in (200, 422), lowered.text
            stock = (await client.http.get(url)).json()["stock"]
            record, _ = await unit.availability.read(ResourceKind.EQUIPMENT, barnum)
            assert overbooked(record.allocations, stock) == [], (stock, record.allocations)
