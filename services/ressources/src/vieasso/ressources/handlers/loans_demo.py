"""Demo loans (`vieasso-ressources demo`, after the demo catalogue): a few requests of the
directory's validated associations, each at another step of the city's workflow — waiting,
approved, approved in part with a reason, refused with a reason, prepared — so that the city's
and the associations' pages, the calendars and the export show something. Loaded once: when
any loan exists, nothing is added (running the demo twice changes nothing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.errors import LoanError
from vieasso.ressources.domain.loans import Loan
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import approve, refuse
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.steps import mark_ready
from vieasso.ressources.handlers.unit import Lending

LEAD_DAYS = 35  # past every demo model's minimum notice (28 days at most)
Step = Callable[[Lending, Loan], Awaitable[object]]


async def _waits(unit: Lending, loan: Loan) -> None:
    """Left for the city to decide."""


async def _approved(unit: Lending, loan: Loan) -> None:
    await approve(unit, loan.id, [line.requested for line in loan.lines])


async def _partly(unit: Lending, loan: Loan) -> None:
    granted = [max(1, line.requested // 2) for line in loan.lines]
    reason = "Une partie des barnums sert à une manifestation municipale ce jour-là."
    await approve(unit, loan.id, granted, reason=reason)


async def _refused(unit: Lending, loan: Loan) -> None:
    await refuse(unit, loan.id, "La sonorisation complète est déjà prêtée ce week-end.")


async def _prepared(unit: Lending, loan: Loan) -> None:
    await _approved(unit, loan)
    await mark_ready(unit, loan.id)


# (lines, what the city did with it)
SCENES: tuple[tuple[tuple[tuple[str, int], ...], Step], ...] = (
    ((("barnum-3x3", 2), ("table-pliante", 10)), _approved),
    ((("barnum-3x3", 4), ("lests-barnum", 4)), _partly),
    ((("sono-complete", 1),), _refused),
    ((("tonnelle-pliante", 3), ("sono-portable", 1)), _prepared),
    ((("grille-exposition", 8),), _waits),
)


@dataclass
class LoansReport:
    made: int = 0
    already: bool = False
    refused: list[str] = field(default_factory=list)  # French reasons


def first_open_saturday(today: date, closed: Callable[[date], bool]) -> date:
    day = today + timedelta(days=LEAD_DAYS)
    day += timedelta(days=(5 - day.weekday()) % 7)
    while closed(day):
        day += timedelta(days=7)
    return day


async def load_demo_loans(
    unit: Lending, associations: Sequence[AssociationPublic], existing: int
) -> LoansReport:
    report = LoansReport()
    if existing:
        report.already = True
        return report
    day = first_open_saturday(unit.today(), unit.closed)
    validated = [a for a in associations if a.state is AssociationState.VALIDATED]
    chosen = sorted(validated, key=lambda a: a.slug)[: len(SCENES)]
    for association, (lines, step) in zip(chosen, SCENES, strict=False):
        request = LoanRequest(
            starts_on=day,
            ends_on=day,
            lines=tuple(
                RequestLine(resource_id=r, kind=ResourceKind.EQUIPMENT, quantity=n)
                for r, n in lines
            ),
            note="Demande de démonstration.",
        )
        try:
            loan = await request_loan(unit, association.slug, request)
            await step(unit, loan)
        except LoanError as exc:
            report.refused.append(f"{association.slug} : {exc}")
            continue
        report.made += 1
    return report
