"""What the city can lend for some dates (pure): for each model, the units free on the whole
period and why it cannot be asked for (notice, length, closed days); for each room, its
half-days, each free or why not. Shown to the association before it fills its basket (the
request is checked again when it is sent, and the approval against the stored record)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from vieasso.ressources.domain.calendar import Calendar
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.periods import Allocation, Slot, equipment_span, peak_use, slots

Allocations = Callable[[EquipmentModel | Room], Iterable[Allocation]]
MAX_ROOM_SLOTS = 28  # a room is booked for two weeks at most: longer lists are not drawn


@dataclass(frozen=True)
class HalfDay:
    slot: Slot
    why_not: str | None  # None: free


@dataclass(frozen=True)
class Offered:
    entry: EquipmentModel | Room
    free: int  # units free on every day of the period (a room: 1 or 0)
    reasons: tuple[str, ...]  # why it cannot be asked for on these dates, in French
    half_days: tuple[HalfDay, ...] = ()  # a room's half-days

    @property
    def bookable(self) -> bool:
        return self.free > 0 and not self.reasons


def notice_reasons(entry: EquipmentModel | Room, starts_on: date, today: date) -> list[str]:
    ahead = (starts_on - today).days
    if ahead < entry.notice.min_days:
        return [f"Trop tôt : au moins {entry.notice.min_days} jours avant"]
    if ahead > entry.notice.max_days:
        return [f"Trop loin : au plus {entry.notice.max_days} jours avant"]
    return []


def offer_model(
    model: EquipmentModel, held: Iterable[Allocation], period: Period, today: date, cal: Calendar
) -> Offered:
    reasons = notice_reasons(model, period.starts_on, today)
    if period.days > model.max_loan_days:
        reasons.append(f"Prêté {model.max_loan_days} jours au plus")
    for what, day in (("Retrait", period.starts_on), ("Retour", period.ends_on)):
        why = cal.reason(day)
        if why is not None:
            reasons.append(f"{what} impossible le {day:%d/%m/%Y} ({why})")
    first, last = equipment_span(period.starts_on, period.ends_on, model.buffer_days)
    used = peak_use(held, first, last)
    return Offered(model, max(0, model.stock - used), tuple(reasons))


def offer_room(
    room: Room, held: Iterable[Allocation], period: Period, today: date, cal: Calendar
) -> Offered:
    reasons = notice_reasons(room, period.starts_on, today)
    taken = list(held)
    half_days: list[HalfDay] = []
    for slot in slots(period.first_slot, period.last_slot):
        if len(half_days) >= MAX_ROOM_SLOTS:
            reasons.append(f"Réservable {MAX_ROOM_SLOTS // 2} jours au plus")
            break
        why = cal.reason(slot.day)
        if why is None and slot.half not in room.opening.get(slot.day.isoweekday(), ()):
            why = "Salle fermée"
        if why is None and peak_use(taken, slot, slot) > 0:
            why = "Déjà réservée"
        half_days.append(HalfDay(slot, why))
    free = 1 if all(h.why_not is None for h in half_days) else 0
    return Offered(room, free, tuple(reasons), tuple(half_days))


def offer(
    entries: Iterable[EquipmentModel | Room],
    allocations: Allocations,
    period: Period,
    today: date,
    cal: Calendar,
) -> list[Offered]:
    """Every active entry as offered for `period`, in the order given."""
    found = []
    for entry in entries:
        if not entry.active:
            continue
        if isinstance(entry, EquipmentModel):
            found.append(offer_model(entry, allocations(entry), period, today, cal))
        else:
            found.append(offer_room(entry, allocations(entry), period, today, cal))
    return found


def closed_in(calendar: Calendar, period: Period) -> list[tuple[date, str]]:
    """The closed days of the period and why (« Jour férié : Fête nationale »)."""
    found = []
    for offset in range(period.days):
        day = period.starts_on + timedelta(days=offset)
        why = calendar.reason(day)
        if why is not None:
            found.append((day, why))
    return found
