"""Which mail a loan owes, and under which key (pure).

Each mail has one idempotency key per loan, ``pret.<loan id>.<what>``: a loan is asked
for, decided, cancelled and found overdue at most once (the state machine has no way
back), and reminded at most once before pickup and once before return. Asking again
under the same key (a retried step, a restart replaying recent steps, a second replica's
sweeper) is harmless: the newsletter sends each key at most once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from vieasso.ressources.domain.loans import Loan, LoanState, Transition

PARIS = ZoneInfo("Europe/Paris")


class Owed(StrEnum):
    """What a mail is about; the last part of its key."""

    DEMANDE = "demande"  # a new request, to the city's lending team
    DECISION = "decision"  # approved, in part or in full, or refused: to the association
    ANNULE = "annule"  # the association cancelled an approved or ready loan: to the team
    RAPPEL_RETRAIT = "rappel-retrait"  # the day before pickup
    RAPPEL_RETOUR = "rappel-retour"  # the day before the return
    RETARD = "retard"  # the loan became overdue


def mail_key(loan_id: str, owed: Owed) -> str:
    return f"pret.{loan_id}.{owed.value}"


def owed_by(loan: Loan, index: int) -> Owed | None:
    """The mail step `index` of the loan's history owes (None: that step mails no one)."""
    step = loan.history[index]
    if step.state is LoanState.REQUESTED:
        return Owed.DEMANDE
    if step.state in (LoanState.APPROVED, LoanState.REFUSED):
        return Owed.DECISION
    if step.state is LoanState.OVERDUE:
        return Owed.RETARD
    if step.state is LoanState.CANCELLED and step.by == "association" and index > 0:
        before = loan.history[index - 1].state
        return Owed.ANNULE if before in (LoanState.APPROVED, LoanState.READY) else None
    return None


def steps_since(loan: Loan, since: datetime) -> list[tuple[int, Transition]]:
    """The loan's steps taken at `since` or later, with their index in its history."""
    return [(i, step) for i, step in enumerate(loan.history) if step.at >= since]


def paris_day(at: datetime) -> date:
    return at.astimezone(PARIS).date()


def reminder_due(loan: Loan, now: datetime, from_hour: int) -> Owed | None:
    """The reminder the loan is due at `now` (Europe/Paris), from `from_hour` o'clock on the
    day before: pickup for an approved or ready loan starting tomorrow, return for a
    picked-up one ending tomorrow. Rooms have no pickup or return: see `equipment_lines`."""
    local = now.astimezone(PARIS)
    if local.time() < time(hour=from_hour):
        return None
    tomorrow = local.date() + timedelta(days=1)
    if loan.state in (LoanState.APPROVED, LoanState.READY) and loan.period.starts_on == tomorrow:
        return Owed.RAPPEL_RETRAIT
    if loan.state is LoanState.PICKED_UP and loan.period.ends_on == tomorrow:
        return Owed.RAPPEL_RETOUR
    return None
