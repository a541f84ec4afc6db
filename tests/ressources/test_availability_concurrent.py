"""Approvals racing on contested stock: 50 tasks, then the same over two service objects on
two NATS connections (no in-process lock is relied upon), then two agents deciding the same
loan at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence

import nats
import pytest

from tests.conftest import random_slug
from tests.ressources.conftest import Catalogue, day, running_service, settings_for
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.domain.errors import Conflict, LoanError, NotAvailable
from vieasso.ressources.domain.loans import LoanState
from vieasso.ressources.domain.periods import overbooked
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.unit import Lending

pytestmark = pytest.mark.nats

STOCK, CONTENDERS = 5, 50


async def requests_for(unit: Lending, model: EquipmentModel, count: int) -> list[str]:
    ids = []
    for i in range(count):
        request = LoanRequest(
            starts_on=day(2 + i % 3),  # overlapping periods: every one covers day(4)
            ends_on=day(4 + i % 2),
            lines=(RequestLine(resource_id=model.id),),
        )
        ids.append((await request_loan(unit, random_slug("asso"), request)).id)
    return ids


async def race(units: Sequence[Lending], loan_ids: list[str]) -> Counter[str]:
    async def one(i: int, loan_id: str) -> str:
        try:
            await approve(units[i % len(units)], loan_id, [1])
        except NotAvailable as refused:
            return "not available" if "disponible" in refused.message else refused.message
        except LoanError as failed:
            return f"failed: {failed.message}"
        return "approved"

    tasks = [asyncio.create_task(one(i, loan_id)) for i, loan_id in enumerate(loan_ids)]
    return Counter(await asyncio.gather(*tasks))


async def assert_exactly_the_stock(
    unit: Lending, model: EquipmentModel, loan_ids: list[str]
) -> None:
    record, _ = await unit.availability.read(ResourceKind.EQUIPMENT, model.id)
    assert overbooked(record.allocations, model.stock) == []
    assert sum(a.quantity for a in record.allocations) == model.stock
    states = Counter([(await unit.loans.get(loan_id))[0].state for loan_id in loan_ids])
    assert states == {LoanState.APPROVED: model.stock, LoanState.REQUESTED: CONTENDERS - STOCK}
    approved = {a.loan_id for a in record.allocations}
    for loan_id in loan_ids:
        loan, _ = await unit.loans.get(loan_id)
        assert (loan.state is LoanState.APPROVED) == (loan_id in approved)


async def test_fifty_concurrent_approvals_grant_exactly_the_stock(
    lending: Lending, catalogue: Catalogue
) -> None:
    model = await catalogue.model(STOCK)
    loan_ids = await requests_for(lending, model, CONTENDERS)
    outcomes = await race([lending], loan_ids)
    assert outcomes == {"approved": STOCK, "not available": CONTENDERS - STOCK}
    await assert_exactly_the_stock(lending, model, loan_ids)


@pytest.fixture
async def second(nats_url: str, clock: FrozenClock) -> AsyncIterator[Lending]:
    """Another service object on its own NATS connection, as another process would be."""
    nc = await nats.connect(nats_url)
    settings = settings_for(nats_url, ressources_max_loans_per_season=0)
    try:
        async with running_service(nc.jetstream(), settings, clock) as service:
            yield service.lending()
    finally:
        await nc.close()


async def test_approvals_through_two_services_on_two_connections_grant_exactly_the_stock(
    lending: Lending, second: Lending, catalogue: Catalogue
) -> None:
    model = await catalogue.model(STOCK)
    loan_ids = await requests_for(lending, model, CONTENDERS)
    outcomes = await race([lending, second], loan_ids)
    assert outcomes == {"approved": STOCK, "not available": CONTENDERS - STOCK}
    await assert_exactly_the_stock(second, model, loan_ids)


async def test_two_agents_deciding_one_loan_at_once_one_wins_the_other_is_told(
    lending: Lending, second: Lending, catalogue: Catalogue
) -> None:
    model = await catalogue.model(10)
    for _ in range(5):
        [loan_id] = await requests_for(lending, model, 1)
        outcomes = await asyncio.gather(
            approve(lending, loan_id, [1]), approve(second, loan_id, [1]), return_exceptions=True
        )
        kinds = sorted(type(o).__name__ for o in outcomes)
        assert kinds in (["Conflict", "Loan"], ["IllegalTransition", "Loan"]), outcomes
        loser = next(o for o in outcomes if isinstance(o, LoanError))
        assert isinstance(loser, Conflict) or "accordé" in loser.message
        record, _ = await lending.availability.read(ResourceKind.EQUIPMENT, model.id)
        held = record.of(loan_id)
        assert held is not None
        assert held.quantity == 1
