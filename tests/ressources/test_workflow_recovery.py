"""What a crash between two writes leaves is repaired: units held for a loan that holds none
are released by the sweeper, a stale decision is taken over, and a loan stored without its
fact gets the fact at the next start (same id: never twice)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.conftest import Catalogue, day, running_service, settings_for
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.base import Message
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.domain.errors import Conflict
from vieasso.ressources.domain.loans import Loan, LoanState, PendingDecision
from vieasso.ressources.domain.periods import Allocation, equipment_span
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import release_dangling
from vieasso.ressources.handlers.unit import Lending

pytestmark = pytest.mark.nats


async def crashed_approval(unit: Lending, model: EquipmentModel) -> Loan:
    """A loan whose approval died after allocating: pending decision, units held."""
    request = LoanRequest(
        starts_on=day(3), ends_on=day(4), lines=(RequestLine(resource_id=model.id, quantity=2),)
    )
    loan = await request_loan(unit, random_slug("asso"), request)
    stored, revision = await unit.loans.get(loan.id)
    pending = PendingDecision(granted=(2,), at=unit.clock.now())
    await unit.loans.write(stored.model_copy(update={"pending": pending}), last=revision)
    first, last = equipment_span(day(3), day(4), model.buffer_days)
    held = Allocation(loan_id=loan.id, quantity=2, first=first, last=last)
    await unit.availability.change(
        ResourceKind.EQUIPMENT, model.id, lambda r: r.allocate(held, model.stock, model.name)
    )
    return loan


async def test_units_of_a_crashed_approval_are_released_once_it_is_stale(
    lending: Lending, catalogue: Catalogue, clock: FrozenClock
) -> None:
    model = await catalogue.model(2)
    loan = await crashed_approval(lending, model)
    with pytest.raises(Conflict):
        await approve(lending, loan.id, [1])  # a decision is under way
    await release_dangling(lending)
    record, _ = await lending.availability.read(ResourceKind.EQUIPMENT, model.id)
    assert record.of(loan.id) is not None  # still under way: kept

    clock.advance(timedelta(minutes=2))
    assert await release_dangling(lending) >= 1
    record, _ = await lending.availability.read(ResourceKind.EQUIPMENT, model.id)
    assert record.of(loan.id) is None


async def test_a_stale_decision_is_taken_over_without_holding_units_twice(
    lending: Lending, catalogue: Catalogue, clock: FrozenClock
) -> None:
    model = await catalogue.model(2)
    loan = await crashed_approval(lending, model)
    clock.advance(timedelta(minutes=2))
    approved = await approve(lending, loan.id, [2])  # stock 2: its own units are not counted
    assert approved.state is LoanState.APPROVED
    assert approved.pending is None
    record, _ = await lending.availability.read(ResourceKind.EQUIPMENT, model.id)
    assert [(a.loan_id, a.quantity) for a in record.allocations] == [(loan.id, 2)]


async def test_a_loan_stored_without_its_fact_is_announced_at_the_next_start(
    js: JetStreamContext, nats_url: str, catalogue: Catalogue, clock: FrozenClock
) -> None:
    model = await catalogue.model(1)
    slug = random_slug("asso")
    settings = settings_for(nats_url, ressources_max_loans_per_season=0)

    async def lost(subject: str, message: Message) -> None:
        raise RuntimeError("crash before the fact")

    async with running_service(js, settings, clock) as service:
        unit = service.lending()
        unit.publish = lost
        request = LoanRequest(
            starts_on=day(3), ends_on=day(3), lines=(RequestLine(resource_id=model.id),)
        )
        with pytest.raises(RuntimeError):
            await request_loan(unit, slug, request)
    subject = f"ressources.loans.{slug}.requested"
    assert await stored_facts(js, subject) == 0
    for _ in range(2):  # the second start announces it again: dropped as a duplicate
        async with running_service(js, settings, clock, background=True):
            pass
        assert await stored_facts(js, subject) == 1


async def stored_facts(js: JetStreamContext, subject: str) -> int:
    info = await js.stream_info("RESSOURCES", subjects_filter=subject)
    return (info.state.subjects or {}).get(subject, 0)
