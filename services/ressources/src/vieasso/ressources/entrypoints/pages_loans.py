"""What the loan pages share (association and city spaces): the source they read, the French
words of a request's state, the lines as shown, and numbers read from forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import TypeAdapter, ValidationError

from vieasso.common.agenda_events import UpcomingEvent
from vieasso.common.messages.base import Text
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.validation import ascii_digits, french_errors
from vieasso.ressources.adapters.catalogue import CatalogueStore
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.domain.loans import Loan, LoanLine, LoanState
from vieasso.ressources.entrypoints.pages_support import HALVES, PageSource
from vieasso.ressources.handlers.spans import span_of
from vieasso.ressources.handlers.unit import Lending

MAX_UNITS = 100_000
_TEXT: TypeAdapter[str] = TypeAdapter(Text)
WHOLE_NUMBER = "Indiquez un nombre entier, 0 ou plus."
STATES = {
    LoanState.REQUESTED: "demandée",
    LoanState.APPROVED: "accordée",
    LoanState.REFUSED: "refusée",
    LoanState.READY: "prête à retirer",
    LoanState.PICKED_UP: "retirée",
    LoanState.OVERDUE: "en retard",
    LoanState.RETURNED: "rendue",
    LoanState.CANCELLED: "annulée",
}
CANCELLABLE = frozenset({LoanState.REQUESTED, LoanState.APPROVED, LoanState.READY})


class LoanSource(PageSource, Protocol):
    def lending(self) -> Lending: ...

    async def events(self, slug: str) -> list[UpcomingEvent]: ...


def state_text(loan: Loan) -> str:
    """« accordée en partie » when fewer units than asked were granted."""
    if loan.state is LoanState.APPROVED and loan.partial:
        return "accordée en partie"
    return STATES[loan.state]


def reason_of(loan: Loan) -> str | None:
    """The city's reason for its last decision (refusal, partial approval, cancellation)."""
    return next((t.reason for t in reversed(loan.history) if t.reason), None)


@dataclass(frozen=True)
class ShownLine:
    line: LoanLine
    name: str
    free: int | None  # units free now for the loan's dates (None: entry gone)
    fee_eur: int  # per unit damaged or lost


def shown_lines(unit: Lending, store: CatalogueStore, loan: Loan) -> list[ShownLine]:
    shown = []
    for line in loan.lines:
        found = store.get(line.kind, line.resource_id)
        entry = found.value if found is not None else None
        if entry is None:
            shown.append(ShownLine(line, line.resource_id, None, 0))
            continue
        first, last = span_of(entry, loan.period)
        free = unit.availability.mirror.free(line.kind, entry.id, entry.stock, first, last)
        fee = entry.damage_fee_eur if isinstance(entry, EquipmentModel) else 0
        shown.append(ShownLine(line, entry.name, free, fee))
    return shown


def period_text(loan: Loan) -> str:
    """« le 06/01/2027, matin → après-midi », « du 06/01/2027 au 08/01/2027 »."""
    p = loan.period
    room = any(line.kind is ResourceKind.ROOM for line in loan.lines)
    first, last = HALVES[p.first_half.value], HALVES[p.last_half.value]
    if p.starts_on == p.ends_on:
        return f"le {p.starts_on:%d/%m/%Y}" + (f", {first} → {last}" if room else "")
    if room:
        return f"du {p.starts_on:%d/%m/%Y} {first} au {p.ends_on:%d/%m/%Y} {last}"
    return f"du {p.starts_on:%d/%m/%Y} au {p.ends_on:%d/%m/%Y}"


def typed_words(raw: str, limit: int = 1000) -> tuple[str, str | None]:
    """The words typed in a form field on one line (at most `limit` characters), and the
    French reason they cannot be kept (a control character: the mails refuse them)."""
    text = " ".join(raw.split())[:limit]
    try:
        _TEXT.validate_python(text)
    except ValidationError as exc:
        return text, french_errors(exc)[0].message
    return text, None


def units(raw: object) -> int | None:
    """A whole number of units from a form field (empty: 0), or None when it is not one."""
    text = str(raw or "").strip() or "0"
    if not ascii_digits(text) or len(text) > len(str(MAX_UNITS)) or int(text) > MAX_UNITS:
        return None
    return int(text)
