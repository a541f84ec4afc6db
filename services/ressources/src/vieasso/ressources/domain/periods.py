"""Periods on the half-day grid, allocations and the availability rule (pure).

A slot is a half-day: ``ordinal = 2 × date.toordinal() + (0 morning | 1 afternoon)``.
Equipment is lent by whole days (both halves of every day from pickup to return, plus the
model's `buffer_days` held after the return); a room by half-day slots. The units used on a
slot are the sum of the allocations covering it; a slot is overbooked when that sum exceeds
the stock (a room: 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Slug
from vieasso.common.messages.ressources import Half


class Slot(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    half: Half

    @property
    def ordinal(self) -> int:
        return 2 * self.day.toordinal() + (0 if self.half is Half.MORNING else 1)

    @classmethod
    def of(cls, ordinal: int) -> Slot:
        day, rest = divmod(ordinal, 2)
        return cls(day=date.fromordinal(day), half=Half.MORNING if rest == 0 else Half.AFTERNOON)


def morning(day: date) -> Slot:
    return Slot(day=day, half=Half.MORNING)


def evening(day: date) -> Slot:
    return Slot(day=day, half=Half.AFTERNOON)


class Allocation(BaseModel):
    """`quantity` units held for loan `loan_id` on every slot from `first` to `last`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    loan_id: Slug
    quantity: int = Field(ge=1, le=100_000)
    first: Slot
    last: Slot


def equipment_span(starts_on: date, ends_on: date, buffer_days: int) -> tuple[Slot, Slot]:
    """Pickup morning to the evening of the last buffer day after the return."""
    return morning(starts_on), evening(ends_on + timedelta(days=buffer_days))


def slots(first: Slot, last: Slot) -> Iterator[Slot]:
    for ordinal in range(first.ordinal, last.ordinal + 1):
        yield Slot.of(ordinal)


Span = tuple[int, int, int]
"""An allocation as plain integers: first slot's ordinal, last slot's ordinal, quantity."""


def spans_of(allocations: Iterable[Allocation]) -> tuple[Span, ...]:
    return tuple((a.first.ordinal, a.last.ordinal, a.quantity) for a in allocations)


def peak_use(allocations: Iterable[Allocation], first: Slot, last: Slot) -> int:
    """The most units used on any slot from `first` to `last`."""
    return peak(spans_of(allocations), first.ordinal, last.ordinal)


def peak(spans: Iterable[Span], lo: int, hi: int) -> int:
    """The most units used on any slot ordinal from `lo` to `hi` (a sweep over boundaries)."""
    steps: list[tuple[int, int]] = []
    for first, last, quantity in spans:
        if first <= hi and lo <= last:
            steps.append((max(first, lo), quantity))
            steps.append((min(last, hi) + 1, -quantity))
    steps.sort()  # at equal ordinals the release (-q) sorts first: ranges are inclusive
    peak = used = 0
    for _, delta in steps:
        used += delta
        peak = max(peak, used)
    return peak


def free_units(allocations: Iterable[Allocation], stock: int, first: Slot, last: Slot) -> int:
    """Units free on every slot of the range: the stock less the busiest slot's use."""
    return max(0, stock - peak_use(allocations, first, last))


def overbooked(allocations: Iterable[Allocation], stock: int) -> list[Slot]:
    """Every slot where the allocations exceed `stock` (empty when all is well)."""
    use: dict[int, int] = {}
    for a in allocations:
        for ordinal in range(a.first.ordinal, a.last.ordinal + 1):
            use[ordinal] = use.get(ordinal, 0) + a.quantity
    return [Slot.of(o) for o, n in sorted(use.items()) if n > stock]
