"""The city decides: approve (all units, or fewer: partial) or refuse with a reason.

Approval, so that a loan is never approved without its units held:
1. the loan is marked with the decision under way (compare-and-set: of two agents clicking
   at once, one goes on, the other gets `Conflict`);
2. each line's units are allocated on its availability record (compare-and-set, re-checked
   against the stock on the stored record, retried); if a line cannot be granted as asked,
   the lines already allocated are released and the decision cleared: nothing is
   half-approved;
3. the loan is stored `approved` (compare-and-set on the revision of step 1); if that fails
   (a cancellation came in between) and the loan holds no units, they are released.
A crash between 1 and 3 leaves allocations the sweeper releases (`steps.release_dangling`).
"""

from __future__ import annotations

import contextlib

from vieasso.ressources.adapters.availability import Change
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.errors import Conflict, IllegalTransition, LoanError, NotAvailable
from vieasso.ressources.domain.loans import HOLDING, Loan, LoanState, PendingDecision
from vieasso.ressources.domain.periods import Allocation
from vieasso.ressources.handlers.facts import loan_fact
from vieasso.ressources.handlers.spans import span_of
from vieasso.ressources.handlers.unit import PENDING_STALE, Lending

NOTHING_GRANTED = "Pour ne rien accorder, refusez la demande en donnant un motif."
REASON_NEEDED = "Indiquez le motif du refus : il sera communiqué à l'association."


async def approve(unit: Lending, loan_id: str, granted: list[int]) -> Loan:
    loan, revision = await unit.loans.get(loan_id)
    now = unit.clock.now()
    loan.move(LoanState.APPROVED, now, "ville")  # raises when the state forbids it
    _check_grants(loan, granted)
    if loan.pending is not None and now - loan.pending.at < PENDING_STALE:
        raise Conflict()
    pending = loan.model_copy(update={"pending": PendingDecision(granted=tuple(granted), at=now)})
    revision = await unit.loans.write(pending, last=revision)
    try:
        await _allocate(unit, loan, granted)
    except LoanError:
        await _forget_pending(unit, pending, revision)
        raise
    lines = tuple(
        line.model_copy(update={"granted": n}) for line, n in zip(loan.lines, granted, strict=True)
    )
    approved = loan.move(LoanState.APPROVED, now, "ville", lines=lines, pending=None)
    try:
        await unit.loans.write(approved, last=revision)
    except Conflict:
        current, _ = await unit.loans.get(loan_id)
        if current.state not in HOLDING:
            await release_all(unit, current)
        raise
    await loan_fact(unit.publish, approved)
    return approved


def _check_grants(loan: Loan, granted: list[int]) -> None:
    if len(granted) != len(loan.lines):
        raise IllegalTransition(
            f"Indiquez les unités accordées pour chacune des {len(loan.lines)} lignes."
        )
    for line, n in zip(loan.lines, granted, strict=True):
        if not 0 <= n <= line.requested:
            raise IllegalTransition(
                f"« {line.resource_id} » : accordez entre 0 et {line.requested} unité(s)."
            )
    if not any(granted):
        raise IllegalTransition(NOTHING_GRANTED)


async def _allocate(unit: Lending, loan: Loan, granted: list[int]) -> None:
    for line, n in zip(loan.lines, granted, strict=True):
        if n == 0:
            continue
        entry = await unit.entry(line.kind, line.resource_id)
        if entry is None or not entry.active:
            await release_all(unit, loan)
            raise NotAvailable(f"« {line.resource_id} » n'est plus prêté par la Ville.")
        first, last = span_of(entry, loan.period)
        allocation = Allocation(loan_id=loan.id, quantity=n, first=first, last=last)
        try:
            await unit.availability.change(line.kind, line.resource_id, _adding(allocation, entry))
        except LoanError:
            await release_all(unit, loan)
            raise


def _adding(allocation: Allocation, entry: EquipmentModel | Room) -> Change:
    return lambda record: record.allocate(allocation, entry.stock, entry.name)


async def _forget_pending(unit: Lending, pending: Loan, revision: int) -> None:
    # Conflict: someone moved the loan on meanwhile; a stale decision is taken over later
    with contextlib.suppress(Conflict):
        await unit.loans.write(pending.model_copy(update={"pending": None}), last=revision)


async def release_all(unit: Lending, loan: Loan) -> None:
    """Release every line's units held for `loan` (harmless where none are)."""
    for line in loan.lines:
        await unit.availability.change(line.kind, line.resource_id, _releasing(loan.id))


def _releasing(loan_id: str) -> Change:
    return lambda record: record.release(loan_id)


async def refuse(unit: Lending, loan_id: str, reason: str) -> Loan:
    if not reason.strip():
        raise IllegalTransition(REASON_NEEDED)
    loan, revision = await unit.loans.get(loan_id)
    refused = loan.move(LoanState.REFUSED, unit.clock.now(), "ville", reason.strip(), pending=None)
    await unit.loans.write(refused, last=revision)
    await release_all(unit, refused)  # what a crashed approval may have left
    await loan_fact(unit.publish, refused)
    return refused
