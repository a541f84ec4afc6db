"""Hypothesis: any interleaving of requests, approvals (full or partial), refusals,
cancellations, pickups and returns over a small stock keeps every slot within the stock —
recomputed after EACH step from the stored availability records and from the stored loans —
and every loan's history is a legal path of the state machine.

Settings: `max_examples=15`, 3 to 6 requests then 6 to 16 mixed steps each (a `next-day`
step moves the clock, so returns trim periods), no deadline (a loaded 2-core machine), no
shrinking; each example runs on the session's real nats-server with fresh
catalogue entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import nats
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import random_slug
from tests.ressources.conftest import NOW, Catalogue, running_service, settings_for
from vieasso.common.clock import FrozenClock
from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.common.nats.provisioning import provision
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.errors import LoanError, NotAvailable
from vieasso.ressources.domain.loans import ALLOWED, HOLDING, Loan, LoanState, ReturnLine
from vieasso.ressources.domain.periods import Allocation, free_units, overbooked
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers import decisions, steps
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.spans import span_of
from vieasso.ressources.handlers.unit import Lending

pytestmark = pytest.mark.nats

Entry = EquipmentModel | Room
RETURNED = LoanState.RETURNED


@dataclass(frozen=True)
class Ask:
    lines: tuple[tuple[int, int], ...]  # (entry index, quantity)
    start: int
    length: int
    half: Half | None  # a room: one half-day only


@dataclass(frozen=True)
class Act:
    verb: str
    loan: int  # index among the loans made so far (modulo)
    shrink: int = 0  # approve: units taken off each line (partial approval)
    legal: bool = True  # pick among the loans whose state allows the step


TARGET = {
    "approve": LoanState.APPROVED,
    "refuse": LoanState.REFUSED,
    "ready": LoanState.READY,
    "pickup": LoanState.PICKED_UP,
    "return": LoanState.RETURNED,
    "cancel": LoanState.CANCELLED,
    "cancel-city": LoanState.CANCELLED,
}


asks = st.builds(
    Ask,
    lines=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 3)),
        min_size=1,
        max_size=3,
        unique_by=lambda line: line[0],
    ).map(tuple),
    start=st.integers(1, 4),  # Tuesday to Friday (+2 days at most): Sundays are closed
    length=st.integers(0, 2),
    half=st.sampled_from([None, Half.MORNING, Half.AFTERNOON]),
)
acts = st.builds(
    Act,
    verb=st.sampled_from(
        ["approve"] * 4
        + ["refuse", "ready", "pickup", "return", "cancel", "cancel-city", "next-day"]
    ),
    loan=st.integers(0, 20),
    shrink=st.sampled_from([0, 0, 1, 2]),
    legal=st.sampled_from([True, True, True, False]),
)
stocks = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 1))


@dataclass
class World:
    unit: Lending
    entries: list[Entry]
    clock: FrozenClock
    loans: list[str] = field(default_factory=list)


async def stored_records(world: World) -> dict[str, tuple[Entry, tuple[Allocation, ...]]]:
    records = {}
    for entry in world.entries:
        record, _ = await world.unit.availability.read(entry.kind, entry.id)
        records[entry.id] = (entry, record.allocations)
    return records


async def stored_loans(world: World) -> list[Loan]:
    return [(await world.unit.loans.get(loan_id))[0] for loan_id in world.loans]


async def check_invariants(world: World) -> None:
    records = await stored_records(world)
    loans = await stored_loans(world)
    for entry, allocations in records.values():
        assert overbooked(allocations, entry.stock) == [], f"{entry.id} overbooked (records)"
        from_loans = []
        for loan in loans:
            for line in loan.lines:
                if line.resource_id == entry.id and loan.state in HOLDING and line.granted:
                    first, last = span_of(entry, loan.period)
                    from_loans.append(
                        Allocation(loan_id=loan.id, quantity=line.granted, first=first, last=last)
                    )
                    held = next((a for a in allocations if a.loan_id == loan.id), None)
                    assert held == from_loans[-1], f"{loan.id} holds no units on {entry.id}"
        assert overbooked(from_loans, entry.stock) == [], f"{entry.id} overbooked (loans)"
        holders = {loan.id for loan in loans if loan.state in HOLDING or loan.state is RETURNED}
        for allocation in allocations:
            assert allocation.loan_id in holders, f"{allocation.loan_id} left units held"
    for loan in loans:
        states = [step.state for step in loan.history]
        assert states[0] is LoanState.REQUESTED
        for before, after in itertools.pairwise(states):
            assert after in ALLOWED[before], f"{loan.id}: {before} → {after}"
        assert states[-1] is loan.state


async def fits(world: World, loan: Loan, granted: list[int]) -> bool:
    """Whether the stored records hold room for these grants (the test's own oracle)."""
    by_id = {entry.id: entry for entry in world.entries}
    for line, n in zip(loan.lines, granted, strict=True):
        entry = by_id[line.resource_id]
        record, _ = await world.unit.availability.read(entry.kind, entry.id)
        first, last = span_of(entry, loan.period)
        if n and free_units(record.others(loan.id), entry.stock, first, last) < n:
            return False
    return True


async def ask(world: World, step: Ask) -> None:
    day = world.clock.now().date() + timedelta(days=step.start)
    has_room = any(world.entries[i].kind is ResourceKind.ROOM for i, _ in step.lines)
    request = LoanRequest(
        starts_on=day,
        ends_on=day if has_room and step.half else day + timedelta(days=step.length),
        first_half=step.half or Half.MORNING,
        last_half=step.half or Half.AFTERNOON,
        lines=tuple(
            RequestLine(
                resource_id=world.entries[i].id,
                kind=world.entries[i].kind,
                quantity=min(q, world.entries[i].stock),
            )
            for i, q in step.lines
        ),
    )
    with contextlib.suppress(LoanError):  # a closed day (Sunday): refused with reasons
        world.loans.append((await request_loan(world.unit, random_slug("asso"), request)).id)


async def approve(world: World, before: Loan, shrink: int) -> None:
    granted = [max(0, line.requested - shrink) for line in before.lines]
    could = await fits(world, before, granted)
    try:
        await decisions.approve(world.unit, before.id, granted)
    except NotAvailable:
        assert not could, "refused although the stored records had room"
        raise


async def give_back(world: World, before: Loan) -> None:
    damaged = tuple(
        ReturnLine(resource_id=line.resource_id, damaged=1)
        for line in before.lines[:1]
        if line.granted
    )
    await steps.return_loan(world.unit, before.id, steps.ReturnInput(lines=damaged))


def step_of(world: World, act: Act, before: Loan) -> Awaitable[object]:
    unit, loan_id = world.unit, before.id
    verbs: dict[str, Callable[[], Awaitable[object]]] = {
        "approve": lambda: approve(world, before, act.shrink),
        "refuse": lambda: decisions.refuse(unit, loan_id, "La Ville en a besoin ce jour-là."),
        "ready": lambda: steps.mark_ready(unit, loan_id),
        "pickup": lambda: steps.pick_up(unit, loan_id),
        "return": lambda: give_back(world, before),
        "cancel": lambda: steps.cancel(unit, loan_id, "association"),
        "cancel-city": lambda: steps.cancel(unit, loan_id, "ville", "Salle réquisitionnée."),
    }
    return verbs[act.verb]()


async def do(world: World, step: Ask | Act) -> None:
    if isinstance(step, Ask):
        await ask(world, step)
        return
    if step.verb == "next-day":  # returns then fall inside periods, and trim them
        world.clock.advance(timedelta(days=1))
        return
    loans = await stored_loans(world)
    if step.legal:
        loans = [loan for loan in loans if TARGET[step.verb] in ALLOWED[loan.state]]
    if not loans:
        return
    before = loans[step.loan % len(loans)]
    try:
        await step_of(world, step, before)
    except LoanError:
        after, _ = await world.unit.loans.get(before.id)
        assert after.state is before.state, "a refused step changed the loan"
        return
    after, _ = await world.unit.loans.get(before.id)
    assert after.state in ALLOWED[before.state]


async def scenario(nats_url: str, stock: tuple[int, int, int], plan: list[Ask | Act]) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    clock = FrozenClock(NOW)
    try:
        catalogue = Catalogue(js)
        entries: list[Entry] = [
            await catalogue.model(stock[0], buffer_days=stock[2]),
            await catalogue.model(stock[1], buffer_days=0, name="Sono portable"),
            await catalogue.room(),
        ]
        settings = settings_for(nats_url, ressources_max_loans_per_season=0)
        async with running_service(js, settings, clock) as service:
            world = World(service.lending(), entries, clock)
            for step in plan:
                await do(world, step)
                await check_invariants(world)
    finally:
        await nc.close()


@pytest.fixture(scope="module")
def provisioned(nats_url: str) -> str:
    async def run() -> None:
        nc = await nats.connect(nats_url)
        try:
            await provision(nc.jetstream(), 1)
        finally:
            await nc.close()

    asyncio.run(run())
    return nats_url


@settings(
    max_examples=15,
    deadline=None,
    # No shrinking: each example runs on a real server, and shrinking a failure took 5 minutes
    # (Hypothesis's own time cap). The failure is reported unshrunk; add Phase.shrink locally.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    stock=stocks,
    first=st.lists(asks, min_size=3, max_size=6),
    then=st.lists(st.one_of(acts, acts, acts, asks), min_size=6, max_size=16),
)
def test_no_slot_is_ever_overbooked_and_every_transition_is_legal(
    provisioned: str, stock: tuple[int, int, int], first: list[Ask], then: list[Ask | Act]
) -> None:
    asyncio.run(scenario(provisioned, stock, [*first, *then]))
