"""« Today » for the lending rules is the day in Besançon (Europe/Paris), not in UTC: around
midnight the two differ by a day (one hour in winter, two in summer)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import random_slug
from tests.ressources.conftest import NOW, Catalogue, day
from vieasso.common.clock import FrozenClock
from vieasso.ressources.domain.catalogue import Notice
from vieasso.ressources.domain.errors import RequestRefused
from vieasso.ressources.domain.loans import LoanState
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import mark_ready, pick_up, sweep_overdue
from vieasso.ressources.handlers.unit import Lending

pytestmark = pytest.mark.nats


def at(clock: FrozenClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


async def test_the_notice_counts_from_the_day_in_paris(
    lending: Lending, catalogue: Catalogue, clock: FrozenClock
) -> None:
    model = await catalogue.model(2, notice=Notice(min_days=21, max_days=92))
    request = LoanRequest(
        starts_on=day(21), ends_on=day(22), lines=(RequestLine(resource_id=model.id),)
    )
    at(clock, datetime(2027, 3, 1, 22, 59, tzinfo=UTC))  # 23:59 in Besançon: still 1 March
    assert (await request_loan(lending, random_slug("asso"), request)).state is LoanState.REQUESTED
    at(clock, datetime(2027, 3, 1, 23, 1, tzinfo=UTC))  # 00:01 on 2 March in Besançon
    with pytest.raises(RequestRefused) as refused:
        await request_loan(lending, random_slug("asso"), request)
    assert refused.value.errors == [
        ("starts_on", "« Barnum 3×3 m » se réserve au moins 21 jours à l'avance.")
    ]


async def test_a_loan_is_overdue_from_midnight_in_paris(
    lending: Lending, catalogue: Catalogue, clock: FrozenClock
) -> None:
    model = await catalogue.model(1)
    request = LoanRequest(
        starts_on=day(3), ends_on=day(4), lines=(RequestLine(resource_id=model.id),)
    )
    loan = await request_loan(lending, random_slug("asso"), request)
    await approve(lending, loan.id, [1])
    await mark_ready(lending, loan.id)
    await pick_up(lending, loan.id)
    assert day(4) == NOW.date().replace(day=5)
    at(clock, datetime(2027, 3, 5, 22, 59, tzinfo=UTC))  # 23:59 on its return day in Besançon
    assert loan.id not in await sweep_overdue(lending)
    at(clock, datetime(2027, 3, 5, 23, 1, tzinfo=UTC))  # 00:01 the day after, in Besançon
    assert loan.id in await sweep_overdue(lending)
    stored, _ = await lending.loans.get(loan.id)
    assert stored.state is LoanState.OVERDUE
