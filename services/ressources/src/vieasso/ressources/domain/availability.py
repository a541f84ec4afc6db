"""The availability record of one catalogue entry: the allocations of its approved loans.

Stored in ``ressources_availability`` under the entry's catalogue key and only ever written by
compare-and-set (`adapters.availability`): each write is checked here against the stock on
the record just read, so whatever the interleaving, no slot goes over the stock.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Slug
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.errors import NotAvailable, StockBelowHeld
from vieasso.ressources.domain.periods import Allocation, Slot, free_units
from vieasso.ressources.domain.stock import days_over, stock_refusal


class AvailabilityRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_id: Slug
    kind: ResourceKind
    allocations: tuple[Allocation, ...] = ()
    stock: int | None = Field(
        default=None,
        ge=0,
        description="The stock the city last set, written here by compare-and-set before a "
        "lowered stock is saved: approvals, which write this record too, never grant beyond "
        "it (None: the catalogue's stock alone).",
    )

    def of(self, loan_id: str) -> Allocation | None:
        return next((a for a in self.allocations if a.loan_id == loan_id), None)

    def others(self, loan_id: str) -> tuple[Allocation, ...]:
        return tuple(a for a in self.allocations if a.loan_id != loan_id)

    def allocate(self, allocation: Allocation, stock: int, name: str) -> AvailabilityRecord | None:
        """The record with `allocation` (replacing the loan's previous one), or None when it
        holds exactly that already (approving twice never allocates twice).

        Raises `NotAvailable` when a slot of the period would go over `stock`.
        """
        if self.of(allocation.loan_id) == allocation:
            return None
        if self.stock is not None:
            stock = min(stock, self.stock)
        others = self.others(allocation.loan_id)
        free = free_units(others, stock, allocation.first, allocation.last)
        if free < allocation.quantity:
            raise NotAvailable(
                f"« {name} » : {free} disponible(s) sur toute la période, "
                f"{allocation.quantity} demandé(s)."
            )
        return self.model_copy(update={"allocations": (*others, allocation)})

    def restock(self, stock: int, name: str, today: date) -> AvailabilityRecord | None:
        """The record with the city's new `stock` (None when it holds it already).

        Raises `StockBelowHeld` when more units are approved on a day from `today` on.
        """
        over = days_over(self.allocations, stock, today)
        if over:
            raise StockBelowHeld(stock_refusal(name, stock, over), over)
        return None if self.stock == stock else self.model_copy(update={"stock": stock})

    def release(self, loan_id: str) -> AvailabilityRecord | None:
        """The record without the loan's allocation, or None when it holds none."""
        if self.of(loan_id) is None:
            return None
        return self.model_copy(update={"allocations": self.others(loan_id)})

    def trim(self, loan_id: str, last: Slot) -> AvailabilityRecord | None:
        """The loan's allocation ending at `last` at the latest (an early return frees the
        days after it; a shorter range never overbooks)."""
        current = self.of(loan_id)
        if current is None or current.last.ordinal <= last.ordinal:
            return None
        if last.ordinal < current.first.ordinal:
            return self.release(loan_id)
        kept = current.model_copy(update={"last": last})
        return self.model_copy(update={"allocations": (*self.others(loan_id), kept)})
