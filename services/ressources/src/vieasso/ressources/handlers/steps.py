"""The loan's later steps: ready, picked up, returned (condition and fee), cancelled,
overdue (sweeper); and the sweeper's release of units a crashed step left held."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Text
from vieasso.ressources.adapters.availability import Change
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.domain.errors import Conflict, IllegalTransition, LoanNotFound
from vieasso.ressources.domain.loans import (
    HOLDING,
    Actor,
    Loan,
    LoanState,
    ReturnLine,
    ReturnReport,
)
from vieasso.ressources.domain.periods import Slot, evening
from vieasso.ressources.handlers.decisions import release_all
from vieasso.ressources.handlers.facts import loan_fact
from vieasso.ressources.handlers.unit import PENDING_STALE, Lending

CANCEL_REASON = "Indiquez le motif de l'annulation : il sera communiqué à l'association."


class ReturnInput(BaseModel):
    """What the city notes at the return: units damaged or lost per line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lines: tuple[ReturnLine, ...] = Field(default=(), max_length=30)
    note: Text = Field(default="", max_length=1000)


async def _step(unit: Lending, loan_id: str, state: LoanState, by: Actor) -> Loan:
    loan, revision = await unit.loans.get(loan_id)
    moved = loan.move(state, unit.clock.now(), by)
    await unit.loans.write(moved, last=revision)
    await loan_fact(unit.publish, moved)
    await unit.after_step(moved)
    return moved


async def mark_ready(unit: Lending, loan_id: str) -> Loan:
    return await _step(unit, loan_id, LoanState.READY, "ville")


async def pick_up(unit: Lending, loan_id: str) -> Loan:
    return await _step(unit, loan_id, LoanState.PICKED_UP, "ville")


async def cancel(unit: Lending, loan_id: str, by: Actor, reason: str = "") -> Loan:
    if by == "ville" and not reason.strip():
        raise IllegalTransition(CANCEL_REASON)
    loan, revision = await unit.loans.get(loan_id)
    now = unit.clock.now()
    cancelled = loan.move(LoanState.CANCELLED, now, by, reason.strip() or None, pending=None)
    await unit.loans.write(cancelled, last=revision)
    await release_all(unit, cancelled)
    await loan_fact(unit.publish, cancelled)
    await unit.after_step(cancelled)
    return cancelled


async def return_loan(unit: Lending, loan_id: str, noted: ReturnInput) -> Loan:
    loan, revision = await unit.loans.get(loan_id)
    granted = {line.resource_id: line.granted or 0 for line in loan.lines}
    fee = 0
    for line in noted.lines:
        if line.resource_id not in granted:
            raise IllegalTransition(f"« {line.resource_id} » ne fait pas partie de ce prêt.")
        if line.damaged + line.lost > granted[line.resource_id]:
            raise IllegalTransition(
                f"« {line.resource_id} » : {granted[line.resource_id]} unité(s) prêtée(s) au plus."
            )
        kind = next(x.kind for x in loan.lines if x.resource_id == line.resource_id)
        entry = await unit.entry(kind, line.resource_id)
        if isinstance(entry, EquipmentModel):
            fee += entry.damage_fee_eur * (line.damaged + line.lost)
    today = unit.today()
    report = ReturnReport(returned_on=today, lines=noted.lines, fee_eur=fee, note=noted.note)
    returned = loan.move(LoanState.RETURNED, unit.clock.now(), "ville", returned=report)
    await unit.loans.write(returned, last=revision)
    for held in returned.lines:
        entry = await unit.entry(held.kind, held.resource_id)
        buffer = entry.buffer_days if isinstance(entry, EquipmentModel) else 0
        last = evening(today + timedelta(days=buffer))
        await unit.availability.change(held.kind, held.resource_id, _trimming(loan.id, last))
    await loan_fact(unit.publish, returned)
    return returned


def _trimming(loan_id: str, last: Slot) -> Change:
    return lambda record: record.trim(loan_id, last)


async def sweep_overdue(unit: Lending) -> list[str]:
    """Mark `overdue` every picked-up loan past its return day; their ids."""
    today = unit.today()
    marked = []
    for loan in list(unit.loans.mirror.items.values()):
        if not loan.is_overdue(today):
            continue
        try:
            await _step(unit, loan.id, LoanState.OVERDUE, "systeme")
        except (Conflict, IllegalTransition, LoanNotFound):
            continue  # returned or changed meanwhile
        marked.append(loan.id)
    return marked


async def release_dangling(unit: Lending) -> int:
    """Release units held for loans that hold none (a step crashed between its two writes)."""
    released = 0
    now = unit.clock.now()
    for record in list(unit.availability.mirror.items.values()):
        for allocation in record.allocations:
            try:
                loan, _ = await unit.loans.get(allocation.loan_id)
            except LoanNotFound:
                continue  # loans are created before any allocation: not ours to judge
            under_way = loan.pending is not None and now - loan.pending.at < PENDING_STALE
            if loan.state in HOLDING or loan.state is LoanState.RETURNED or under_way:
                continue
            await release_all(unit, loan)
            released += 1
    return released
