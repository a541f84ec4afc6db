"""The availability store's compare-and-set starting from its watched copy, on a real
nats-server: a copy that is behind the server never decides anything on its own (a refusal
is taken again on the stored record; a grant is only final once the server accepted the write
on the copy's revision)."""

from __future__ import annotations

import random

import pytest
from nats.js import JetStreamContext

from tests.conftest import random_slug
from tests.ressources.conftest import day
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.provisioning import provision
from vieasso.ressources.adapters.availability import (
    BUCKET,
    AvailabilityMirror,
    AvailabilityStore,
    Change,
)
from vieasso.ressources.domain.errors import NotAvailable
from vieasso.ressources.domain.periods import Allocation, equipment_span

pytestmark = pytest.mark.nats

STOCK = 2
EQUIPMENT = ResourceKind.EQUIPMENT


def adding(loan_id: str, quantity: int) -> Change:
    first, last = equipment_span(day(3), day(4), 0)
    allocation = Allocation(loan_id=loan_id, quantity=quantity, first=first, last=last)
    return lambda record: record.allocate(allocation, STOCK, "Barnum")


async def store(js: JetStreamContext) -> AvailabilityStore:
    """A store whose copy is not watching: it learns only from its own writes."""
    await provision(js, 1, service="ressources")
    kv = await js.key_value(BUCKET)
    return AvailabilityStore(kv, AvailabilityMirror(), attempts=8, rng=random.Random(1))


async def test_a_refusal_on_a_copy_behind_the_server_is_taken_again_on_the_stored_record(
    js: JetStreamContext,
) -> None:
    entry_id = random_slug("barnum")
    behind, other = await store(js), await store(js)
    assert await behind.change(EQUIPMENT, entry_id, adding("pret-a", STOCK))
    # the other process releases those units: `behind` still believes the stock is taken
    assert await other.change(EQUIPMENT, entry_id, lambda record: record.release("pret-a"))
    assert behind.mirror.allocations(EQUIPMENT, entry_id)[0].loan_id == "pret-a"

    assert await behind.change(EQUIPMENT, entry_id, adding("pret-b", 1))
    record, _ = await other.read(EQUIPMENT, entry_id)
    assert [a.loan_id for a in record.allocations] == ["pret-b"]


async def test_a_grant_on_a_copy_behind_the_server_is_refused_by_the_stored_record(
    js: JetStreamContext,
) -> None:
    entry_id = random_slug("barnum")
    behind, other = await store(js), await store(js)
    assert await behind.change(EQUIPMENT, entry_id, adding("pret-a", 1))
    # the other process takes the last unit: `behind` still believes one is free
    assert await other.change(EQUIPMENT, entry_id, adding("pret-b", 1))

    with pytest.raises(NotAvailable):
        await behind.change(EQUIPMENT, entry_id, adding("pret-c", 1))
    record, _ = await other.read(EQUIPMENT, entry_id)
    assert sorted(a.loan_id for a in record.allocations) == ["pret-a", "pret-b"]


async def test_nothing_to_change_on_a_copy_behind_the_server_is_checked_on_the_stored_record(
    js: JetStreamContext,
) -> None:
    entry_id = random_slug("barnum")
    behind, other = await store(js), await store(js)
    assert await behind.change(EQUIPMENT, entry_id, adding("pret-a", 1))
    assert await other.change(EQUIPMENT, entry_id, adding("pret-b", 1))
    # `behind` does not know pret-b: on its copy, releasing it changes nothing
    assert await behind.change(EQUIPMENT, entry_id, lambda record: record.release("pret-b"))
    record, _ = await other.read(EQUIPMENT, entry_id)
    assert [a.loan_id for a in record.allocations] == ["pret-a"]
    # and a change that truly changes nothing still answers so, from the stored record
    assert not await behind.change(EQUIPMENT, entry_id, lambda record: record.release("pret-b"))
