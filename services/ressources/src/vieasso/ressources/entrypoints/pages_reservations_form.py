"""The reservation form's fields read into a period, and the request's errors put back on
the fields the association sees (French messages per field)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.requests import MAX_YEAR, MIN_YEAR, RequestLine

MAX_DAYS = 92  # a longer period is not drawn (no model is lent that long)
EVENT_NOT_YOURS = "Choisissez l'un des événements à venir de votre association."
LABELS = {"du": "Premier jour", "au": "Dernier jour", "debut": "Début", "fin": "Fin"}


def _day(values: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    text = values.get(name, "").strip()
    if not text:
        errors[name] = "Indiquez une date."
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = "Date invalide : choisissez-la dans le calendrier (jj/mm/aaaa)."
        return None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        errors[name] = f"Choisissez une date entre {MIN_YEAR} et {MAX_YEAR}."
        return None
    return day


def _half(values: Mapping[str, str], name: str, default: Half, errors: dict[str, str]) -> Half:
    text = values.get(name, "").strip() or default.value
    try:
        return Half(text)
    except ValueError:
        errors[name] = "Choisissez « matin » ou « après-midi »."
        return default


def read_period(values: Mapping[str, str]) -> tuple[Period | None, dict[str, str]]:
    """The period typed (du, au; a room's first and last half-days), or errors by field."""
    errors: dict[str, str] = {}
    starts_on, ends_on = _day(values, "du", errors), _day(values, "au", errors)
    first = _half(values, "debut", Half.MORNING, errors)
    last = _half(values, "fin", Half.AFTERNOON, errors)
    if errors or starts_on is None or ends_on is None:
        return None, errors
    if ends_on < starts_on:
        return None, {"au": "Le dernier jour doit être le premier jour ou venir après."}
    if (ends_on - starts_on).days >= MAX_DAYS:
        return None, {"au": f"Choisissez une période de {MAX_DAYS} jours au plus."}
    period = Period(starts_on=starts_on, ends_on=ends_on, first_half=first, last_half=last)
    if period.first_slot.ordinal > period.last_slot.ordinal:
        return None, {"fin": "Sur un seul jour, la fin ne peut pas venir avant le début."}
    return period, {}


def errors_by_field(
    errors: Sequence[tuple[str, str]], lines: Sequence[RequestLine]
) -> dict[str, str]:
    """`request_loan`'s refusals on the form's fields (several on one field: joined)."""
    found: dict[str, str] = {}
    for name, message in errors:
        key = field_of(name, lines)
        found[key] = f"{found[key]} {message}" if key in found else message
    return found


def field_of(name: str, lines: Sequence[RequestLine]) -> str:
    """The form field of one of `request_loan`'s error fields."""
    if name == "starts_on":
        return "du"
    if name == "ends_on":
        return "au"
    if name.startswith("lines."):
        index = name.split(".")[1]
        if index.isdigit() and int(index) < len(lines):
            line = lines[int(index)]
            return "salle" if line.kind is ResourceKind.ROOM else f"q-{line.resource_id}"
    return "panier"
