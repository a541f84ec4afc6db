"""What the calendars show, pure: a model's busy days, a room's booked half-days, an
association's pickups and returns — all from the loans that hold units (approved, ready,
picked up, overdue), never an association's name in a public calendar.

Every result is sorted and carries a `stamp` taken from the loans it comes from (their last
change), never the clock: the same stored loans give the same calendars on every replica.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.ressources.domain.loans import HOLDING, Loan, LoanLine
from vieasso.ressources.domain.periods import slots

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class BusyRun:
    """Days `first` to `last` (inclusive) when `taken` units of a model are lent or held."""

    first: date
    last: date
    taken: int
    stock: int
    stamp: datetime

    @property
    def free(self) -> int:
        return max(0, self.stock - self.taken)


@dataclass(frozen=True)
class BookedDay:
    """A day a room is booked, and which half-days."""

    day: date
    halves: tuple[Half, ...]
    stamp: datetime


@dataclass(frozen=True)
class Handover:
    """A pickup (`retrait`) or a return (`retour`) of one of the association's loans."""

    loan: Loan
    step: str  # "retrait" | "retour"
    day: date
    lines: tuple[LoanLine, ...]


def _held(loans: Iterable[Loan], kind: ResourceKind, entry_id: str) -> list[tuple[Loan, int]]:
    """(loan, units granted) of every holding loan with a line on the entry."""
    found = []
    for loan in loans:
        if loan.state not in HOLDING:
            continue
        for line in loan.lines:
            if line.kind is kind and line.resource_id == entry_id and (line.granted or 0) > 0:
                found.append((loan, line.granted or 0))
    return found


def model_busy(model_id: str, stock: int, buffer_days: int, loans: Iterable[Loan]) -> list[BusyRun]:
    """The model's busy runs: consecutive days with the same units taken become one run.

    A loan holds its units from the pickup day to the return day plus the model's buffer
    days (kept free for checking), as the availability records do.
    """
    spans = [
        (loan.period.starts_on, loan.period.ends_on + timedelta(days=buffer_days), units, loan)
        for loan, units in _held(loans, ResourceKind.EQUIPMENT, model_id)
    ]
    bounds = sorted({first for first, *_ in spans} | {last + ONE_DAY for _, last, *_ in spans})
    runs: list[BusyRun] = []
    for start, end in itertools.pairwise(bounds):
        covering = [(units, loan) for first, last, units, loan in spans if first <= start <= last]
        if not covering:
            continue
        taken = sum(units for units, _ in covering)
        stamp = max(loan.updated_at for _, loan in covering)
        previous = runs[-1] if runs else None
        if previous and previous.last + ONE_DAY == start and previous.taken == taken:
            stamp = max(stamp, previous.stamp)
            runs[-1] = BusyRun(previous.first, end - ONE_DAY, taken, stock, stamp)
        else:
            runs.append(BusyRun(start, end - ONE_DAY, taken, stock, stamp))
    return runs


def room_booked(room_id: str, loans: Iterable[Loan]) -> list[BookedDay]:
    """The room's booked days, each with its booked half-days (morning first)."""
    halves: dict[date, set[Half]] = {}
    stamps: dict[date, datetime] = {}
    for loan, _ in _held(loans, ResourceKind.ROOM, room_id):
        for slot in slots(loan.period.first_slot, loan.period.last_slot):
            halves.setdefault(slot.day, set()).add(slot.half)
            stamps[slot.day] = max(stamps.get(slot.day, loan.updated_at), loan.updated_at)
    order = (Half.MORNING, Half.AFTERNOON)
    return [
        BookedDay(day, tuple(h for h in order if h in halves[day]), stamps[day])
        for day in sorted(halves)
    ]


def handovers(slug: str, loans: Iterable[Loan]) -> list[Handover]:
    """The association's pickups and returns, by day then loan."""
    found = []
    for loan in loans:
        if loan.association_slug != slug or loan.state not in HOLDING:
            continue
        lines = tuple(line for line in loan.lines if (line.granted or 0) > 0)
        found.append(Handover(loan, "retrait", loan.period.starts_on, lines))
        found.append(Handover(loan, "retour", loan.period.ends_on, lines))
    return sorted(found, key=lambda h: (h.day, h.step != "retrait", h.loan.id))
