"""An association's request and the rules it must follow (pure, French reasons per field).

Closed days come in as `closed(day) -> bool` (the catalogue's calendar of French public
holidays and Sundays); the catalogue entries as they are read when the request arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Line, Slug
from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.ressources.domain.catalogue import MAX_STOCK, EquipmentModel, Room
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.periods import slots

Entry = EquipmentModel | Room
Closed = Callable[[date], bool]
FieldErrors = list[tuple[str, str]]
MIN_YEAR, MAX_YEAR = 2000, 2099
SUNDAY = 7


class RequestLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    resource_id: Slug
    kind: ResourceKind = ResourceKind.EQUIPMENT
    quantity: int = Field(default=1, ge=1, le=MAX_STOCK)


class LoanRequest(BaseModel):
    """What an association asks for: one period, one or more lines (a basket)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    starts_on: date = Field(description="Pickup day (a room: its first day).")
    ends_on: date = Field(description="Return day (a room: its last day), inclusive.")
    first_half: Half = Half.MORNING
    last_half: Half = Half.AFTERNOON
    lines: tuple[RequestLine, ...] = Field(min_length=1, max_length=30)
    event_id: Slug | None = Field(default=None, description="One of the association's events.")
    note: Line = Field(default="", max_length=500)

    @property
    def period(self) -> Period:
        return Period(
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            first_half=self.first_half,
            last_half=self.last_half,
        )


def check_request(
    request: LoanRequest,
    entries: Mapping[tuple[ResourceKind, str], Entry | None],
    today: date,
    closed: Closed,
) -> FieldErrors:
    """Every rule the request breaks, as (field, French message); empty when it may go on."""
    errors = _check_dates(request)
    if errors:
        return errors
    seen: set[tuple[ResourceKind, str]] = set()
    for i, line in enumerate(request.lines):
        key = (line.kind, line.resource_id)
        field = f"lines.{i}"
        entry = entries.get(key)
        if key in seen:
            errors.append((field, "Cette ressource figure déjà dans la demande."))
        elif entry is None:
            errors.append((f"{field}.resource_id", "Cette ressource n'est pas au catalogue."))
        elif not entry.active:
            errors.append((f"{field}.resource_id", f"« {entry.name} » n'est plus prêté."))
        else:
            errors += _check_line(request, line, entry, today, closed, field=field)
        seen.add(key)
    return errors


def _check_dates(request: LoanRequest) -> FieldErrors:
    errors: FieldErrors = []
    for name in ("starts_on", "ends_on"):
        day: date = getattr(request, name)
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            errors.append((name, f"Choisissez une date entre {MIN_YEAR} et {MAX_YEAR}."))
    if not errors and request.period.first_slot.ordinal > request.period.last_slot.ordinal:
        errors.append(("ends_on", "La fin doit venir après le début."))
    return errors


def _check_line(
    request: LoanRequest,
    line: RequestLine,
    entry: Entry,
    today: date,
    closed: Closed,
    *,
    field: str,
) -> FieldErrors:
    errors: FieldErrors = []
    ahead = (request.starts_on - today).days
    name, notice = entry.name, entry.notice
    if ahead < notice.min_days:
        message = f"« {name} » se réserve au moins {notice.min_days} jours à l'avance."
        errors.append(("starts_on", message))
    elif ahead > notice.max_days:
        message = f"« {name} » se réserve au plus {notice.max_days} jours à l'avance."
        errors.append(("starts_on", message))
    if line.quantity > entry.stock:
        errors.append((f"{field}.quantity", f"La Ville possède {entry.stock} « {name} »."))
    if isinstance(entry, EquipmentModel):
        if request.period.days > entry.max_loan_days:
            message = f"« {name} » se prête {entry.max_loan_days} jours au plus."
            errors.append(("ends_on", message))
        for key, day in (("starts_on", request.starts_on), ("ends_on", request.ends_on)):
            if closed(day):
                errors.append((key, f"Le {day:%d/%m/%Y} est un jour de fermeture."))
        return errors
    for slot in slots(request.period.first_slot, request.period.last_slot):
        if closed(slot.day) or slot.half not in entry.opening.get(slot.day.isoweekday(), ()):
            when = f"{slot.day:%d/%m/%Y} ({slot.half.value})"
            errors.append(("starts_on", f"« {name} » n'est pas ouverte le {when}."))
            break
    return errors


def sundays(day: date) -> bool:
    """The simplest calendar: closed on Sundays only (tests; the service uses holidays)."""
    return day.isoweekday() == SUNDAY
