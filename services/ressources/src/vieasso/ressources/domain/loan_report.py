"""The loans of a year as the city's yearly report needs them (pure): one row per loan line,
or a summary per association and per resource.

A loan belongs to the year its pickup day falls in. « Jours prêtés » counts units × days
(pickup to return day, inclusive) of the loans that were actually lent: picked up, overdue or
returned; requests, refusals, cancellations and loans not yet picked up count zero. A loan's
damage fee is its own (`ReturnReport.fee_eur`, the sum over its lines): it is written on the
loan's first line only, so that a column sum gives the year's fees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.spreadsheet import Cell
from vieasso.ressources.domain.loans import LABELS, Loan, LoanLine, LoanState

LENT = frozenset({LoanState.PICKED_UP, LoanState.OVERDUE, LoanState.RETURNED})
KINDS = {ResourceKind.EQUIPMENT: "matériel", ResourceKind.ROOM: "salle"}
DETAIL_HEADER = (
    "prêt", "association", "nom de l'association", "type", "ressource", "nom de la ressource",
    "unités demandées", "unités accordées", "du", "au", "jours", "jours prêtés (unités × jours)",
    "état", "état au retour", "frais (€)",
)  # fmt: skip
SUMMARY_HEADER = (
    "par", "identifiant", "nom", "prêts", "unités prêtées", "jours prêtés (unités × jours)",
    "frais (€)",
)  # fmt: skip

NameOf = Callable[[str], str]
EntryNameOf = Callable[[LoanLine], str]


def of_year(loans: Iterable[Loan], year: int) -> list[Loan]:
    """The loans picked up (or to be) in `year`, by pickup day then id."""
    found = [loan for loan in loans if loan.period.starts_on.year == year]
    return sorted(found, key=lambda loan: (loan.period.starts_on, loan.id))


def days_lent(loan: Loan, line: LoanLine) -> int:
    if loan.state not in LENT:
        return 0
    return (line.granted or 0) * loan.period.days


def condition(loan: Loan, line: LoanLine) -> str:
    """« bon état », « 1 abîmée(s), 2 perdue(s) », or empty before the return."""
    if loan.returned is None:
        return ""
    noted = next((r for r in loan.returned.lines if r.resource_id == line.resource_id), None)
    if noted is None or not (noted.damaged or noted.lost):
        return "bon état"
    parts = [f"{noted.damaged} abîmée(s)"] if noted.damaged else []
    parts += [f"{noted.lost} perdue(s)"] if noted.lost else []
    return ", ".join(parts)


def detail_rows(
    loans: Iterable[Loan], association_name: NameOf, entry_name: EntryNameOf
) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for loan in loans:
        for i, line in enumerate(loan.lines):
            fee = loan.returned.fee_eur if loan.returned is not None and i == 0 else None
            rows.append([
                loan.id, loan.association_slug, association_name(loan.association_slug),
                KINDS[line.kind], line.resource_id, entry_name(line),
                line.requested, line.granted, loan.period.starts_on.isoformat(),
                loan.period.ends_on.isoformat(), loan.period.days, days_lent(loan, line),
                LABELS[loan.state], condition(loan, line), fee,
            ])  # fmt: skip
    return rows


@dataclass
class _Total:
    name: str
    loans: set[str]
    units: int = 0
    days: int = 0
    fees: int = 0


def summary_rows(
    loans: Iterable[Loan], association_name: NameOf, entry_name: EntryNameOf
) -> list[list[Cell]]:
    """Per association, then per resource: loans lent, units, units × days, fees."""
    by_association: dict[str, _Total] = {}
    by_entry: dict[tuple[str, str], _Total] = {}
    for loan in loans:
        if loan.state not in LENT:
            continue
        slug = loan.association_slug
        mine = by_association.setdefault(slug, _Total(association_name(slug), set()))
        mine.loans.add(loan.id)
        mine.fees += loan.returned.fee_eur if loan.returned is not None else 0
        for line in loan.lines:
            units = line.granted or 0
            if units == 0:
                continue
            key = (KINDS[line.kind], line.resource_id)
            entry = by_entry.setdefault(key, _Total(entry_name(line), set()))
            entry.loans.add(loan.id)
            for total in (mine, entry):
                total.units += units
                total.days += days_lent(loan, line)
    rows: list[list[Cell]] = [
        ["association", slug, t.name, len(t.loans), t.units, t.days, t.fees]
        for slug, t in sorted(by_association.items())
    ]
    rows += [
        [kind, entry_id, t.name, len(t.loans), t.units, t.days, None]
        for (kind, entry_id), t in sorted(by_entry.items())
    ]
    return rows
