"""The season's maximum per association holds whatever the interleaving: requests of one
association racing in many tasks, on two service objects with their own NATS connections,
get exactly the maximum through; a cancelled request frees its place; a place claimed by a
request that was never stored (a crash) is freed after a minute."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import nats
import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.conftest import Catalogue, day, running_service, settings_for
from vieasso.common.clock import FrozenClock
from vieasso.ressources.domain.errors import RequestRefused
from vieasso.ressources.domain.fairness import FairnessRules
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import cancel
from vieasso.ressources.handlers.unit import Lending

pytestmark = pytest.mark.nats

MAXIMUM = 2


@pytest.fixture
async def second(nats_url: str, clock: FrozenClock) -> AsyncIterator[Lending]:
    """Another service object on its own NATS connection, as another process would be."""
    nc = await nats.connect(nats_url)
    try:
        async with running_service(nc.jetstream(), settings_for(nats_url), clock) as service:
            yield service.lending()
    finally:
        await nc.close()


def limited(*units: Lending) -> None:
    for unit in units:
        unit.fairness = FairnessRules(MAXIMUM, 1, frozenset())


async def ask(unit: Lending, slug: str, model_id: str) -> str:
    request = LoanRequest(
        starts_on=day(10), ends_on=day(11), lines=(RequestLine(resource_id=model_id),)
    )
    try:
        return (await request_loan(unit, slug, request)).id
    except RequestRefused as refused:
        return "refused" if [f for f, _ in refused.errors] == ["saison"] else str(refused)


async def test_racing_requests_of_one_association_get_exactly_the_maximum_through(
    lending: Lending, second: Lending, catalogue: Catalogue
) -> None:
    limited(lending, second)
    model = await catalogue.model(50)
    slug = random_slug("asso")
    units = [lending, second] * 6
    outcomes = await asyncio.gather(*(ask(unit, slug, model.id) for unit in units))
    assert Counter(o == "refused" for o in outcomes) == {False: MAXIMUM, True: 10}
    stored = [(await lending.loans.get(o))[0] for o in outcomes if o != "refused"]
    assert {loan.association_slug for loan in stored} == {slug}


async def test_a_cancelled_request_frees_its_place_and_a_crashed_one_after_a_minute(
    lending: Lending, catalogue: Catalogue, clock: FrozenClock, js: JetStreamContext
) -> None:
    limited(lending)
    model = await catalogue.model(5)
    slug = random_slug("asso")
    first = await ask(lending, slug, model.id)
    assert await ask(lending, slug, model.id) != "refused"
    assert await ask(lending, slug, model.id) == "refused"
    await cancel(lending, first, "association")
    assert await ask(lending, slug, model.id) != "refused"

    other = random_slug("asso")  # a place claimed by a request never stored: a crash
    kv = await js.key_value("ressources_loans")
    claimed = [{"loan_id": f"pret-perdu-{i}", "at": clock.now().isoformat()} for i in (1, 2)]
    await kv.put(f"saison.{other}.2027", json.dumps({"entries": claimed}).encode())
    assert await ask(lending, other, model.id) == "refused"
    clock.advance(timedelta(seconds=61))
    assert await ask(lending, other, model.id) != "refused"
