"""The reservation form's fields read into a period and a basket, the association's events
offered, and the request's errors put back on the fields it sees (French, per field)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from starlette.datastructures import FormData

from vieasso.common.agenda_events import UpcomingEvent
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.ressources.adapters.catalogue import CatalogueStore
from vieasso.ressources.domain.calendar import local_day
from vieasso.ressources.domain.catalogue import MAX_STOCK
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.requests import MAX_YEAR, MIN_YEAR, RequestLine
from vieasso.ressources.entrypoints.pages_loans import WHOLE_NUMBER, units

MAX_DAYS = 92  # a longer period is not drawn (no model is lent that long)
EMPTY_BASKET = "Choisissez au moins un matériel (une quantité) ou une salle."
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
    if name == "event_id":
        return "evenement"
    if name == "note":
        return "note"
    if name.startswith("lines."):
        index = name.split(".")[1]
        if index.isdigit() and int(index) < len(lines):
            line = lines[int(index)]
            return "salle" if line.kind is ResourceKind.ROOM else f"q-{line.resource_id}"
    return "panier"


def read_basket(store: CatalogueStore, form: FormData) -> tuple[list[RequestLine], dict[str, str]]:
    """The lines asked for (equipment with a quantity, the room chosen), or errors by field."""
    lines: list[RequestLine] = []
    errors: dict[str, str] = {}
    for model in store.models():
        name = f"q-{model.id}"
        quantity = units(form.get(name))
        if quantity is None:
            errors[name] = WHOLE_NUMBER
        elif quantity > 0:  # more than any stock: the rules answer with the model's stock
            lines.append(RequestLine(resource_id=model.id, quantity=min(quantity, MAX_STOCK)))
    room_id = str(form.get("salle", "")).strip()
    if room_id:
        if store.get(ResourceKind.ROOM, room_id) is None:
            errors["salle"] = "Cette salle n'est pas au catalogue."
        else:
            lines.append(RequestLine(resource_id=room_id, kind=ResourceKind.ROOM))
    if not lines and not errors:
        errors["panier"] = EMPTY_BASKET
    return lines, errors


def event_options(events: list[UpcomingEvent] | None) -> list[tuple[str, str]] | None:
    """(event id, « Fête du quartier — 12/06/2027 ») for the form's choice; None: agenda down."""
    if events is None:
        return None
    return [
        (e.event.event_id, f"{e.event.content.title} — {local_day(e.first):%d/%m/%Y}")
        for e in events
        if re.fullmatch(SLUG_PATTERN, e.event.event_id)  # a loan names its event by slug
    ]
