"""A loan from request to return on a real nats-server: states, units held, facts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.conftest import Catalogue, day
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.ressources import Half, LoanFact, ResourceKind
from vieasso.ressources.domain.errors import IllegalTransition, NotAvailable
from vieasso.ressources.domain.loans import LoanState, ReturnLine
from vieasso.ressources.domain.periods import evening, morning
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import (
    ReturnInput,
    cancel,
    mark_ready,
    pick_up,
    return_loan,
    sweep_overdue,
)
from vieasso.ressources.handlers.unit import Lending

pytestmark = pytest.mark.nats


async def facts(js: JetStreamContext, slug: str, count: int) -> list[LoanFact]:
    sub = await js.subscribe(f"ressources.loans.{slug}.>", ordered_consumer=True)
    try:
        return [
            LoanFact.model_validate_json((await sub.next_msg(timeout=10)).data)
            for _ in range(count)
        ]
    finally:
        await sub.unsubscribe()


async def test_request_partial_approval_ready_pickup_return_with_damage_fee(
    lending: Lending, catalogue: Catalogue, js: JetStreamContext, clock: FrozenClock
) -> None:
    barnum = await catalogue.model(3, damage_fee_eur=150, buffer_days=1)
    room = await catalogue.room()
    slug = random_slug("asso")
    request = LoanRequest(
        starts_on=day(10),  # a Thursday
        ends_on=day(12),
        lines=(
            RequestLine(resource_id=barnum.id, quantity=2),
            RequestLine(resource_id=room.id, kind=ResourceKind.ROOM),
        ),
    )
    loan = await request_loan(lending, slug, request)
    assert loan.state is LoanState.REQUESTED

    approved = await approve(lending, loan.id, [1, 1])
    assert approved.state is LoanState.APPROVED
    assert approved.partial
    record, _ = await lending.availability.read(ResourceKind.EQUIPMENT, barnum.id)
    held = record.of(loan.id)
    assert held is not None
    assert held.quantity == 1
    assert (held.first, held.last) == (morning(day(10)), evening(day(13)))  # + 1 buffer day
    assert (
        lending.availability.mirror.free(
            ResourceKind.EQUIPMENT, barnum.id, 3, morning(day(11)), evening(day(11))
        )
        == 2
    )

    with pytest.raises(IllegalTransition, match="accordé"):
        await pick_up(lending, loan.id)  # not ready yet
    await mark_ready(lending, loan.id)
    await pick_up(lending, loan.id)
    clock.advance(timedelta(days=11))  # returned a day early
    returned = await return_loan(
        lending, loan.id, ReturnInput(lines=(ReturnLine(resource_id=barnum.id, damaged=1),))
    )
    assert returned.state is LoanState.RETURNED
    assert returned.returned is not None
    assert (returned.returned.condition, returned.returned.fee_eur) == ("damaged", 150)
    record, _ = await lending.availability.read(ResourceKind.EQUIPMENT, barnum.id)
    trimmed = record.of(loan.id)
    assert trimmed is not None
    assert trimmed.last == evening(day(12))
    room_record, _ = await lending.availability.read(ResourceKind.ROOM, room.id)
    room_held = room_record.of(loan.id)
    assert room_held is not None
    assert room_held.last == evening(day(11))

    changes = [fact.change.value for fact in await facts(js, slug, 5)]
    assert changes == ["requested", "approved", "ready", "picked_up", "returned"]
    assert [line.granted for line in (await facts(js, slug, 2))[1].lines] == [1, 1]


async def test_a_room_half_day_is_lent_once_and_freed_by_a_cancellation(
    lending: Lending, catalogue: Catalogue
) -> None:
    room = await catalogue.room()
    line = RequestLine(resource_id=room.id, kind=ResourceKind.ROOM)
    morning_only = LoanRequest(
        starts_on=day(8), ends_on=day(8), last_half=Half.MORNING, lines=(line,)
    )
    afternoon = LoanRequest(
        starts_on=day(8), ends_on=day(8), first_half=Half.AFTERNOON, lines=(line,)
    )
    first = await request_loan(lending, random_slug("asso"), morning_only)
    second = await request_loan(lending, random_slug("asso"), morning_only)
    other_half = await request_loan(lending, random_slug("asso"), afternoon)
    await approve(lending, first.id, [1])
    await approve(lending, other_half.id, [1])  # the afternoon is another slot
    with pytest.raises(NotAvailable, match="0 disponible"):
        await approve(lending, second.id, [1])
    assert (await lending.loans.get(second.id))[0].state is LoanState.REQUESTED

    await cancel(lending, first.id, "association")
    assert (await approve(lending, second.id, [1])).state is LoanState.APPROVED


async def test_a_picked_up_loan_past_its_return_day_becomes_overdue(
    lending: Lending, catalogue: Catalogue, clock: FrozenClock
) -> None:
    sono = await catalogue.model(1, name="Sono portable")
    loan = await request_loan(
        lending,
        random_slug("asso"),
        LoanRequest(starts_on=day(2), ends_on=day(3), lines=(RequestLine(resource_id=sono.id),)),
    )
    await approve(lending, loan.id, [1])
    await mark_ready(lending, loan.id)
    await pick_up(lending, loan.id)
    clock.advance(timedelta(days=4))
    assert loan.id in await sweep_overdue(lending)
    assert (await lending.loans.get(loan.id))[0].state is LoanState.OVERDUE
    with pytest.raises(IllegalTransition):
        await cancel(lending, loan.id, "association")
    returned = await return_loan(lending, loan.id, ReturnInput())
    assert returned.state is LoanState.RETURNED
    assert returned.returned is not None
    assert returned.returned.condition == "ok"
