"""The slots a line holds: equipment from the pickup morning to the evening of the last
buffer day; a room its half-days. And what is free of the whole catalogue for a period."""

from __future__ import annotations

from datetime import timedelta

from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.periods import Slot, equipment_span
from vieasso.ressources.handlers.unit import Lending


def span_of(entry: EquipmentModel | Room, period: Period) -> tuple[Slot, Slot]:
    if isinstance(entry, EquipmentModel):
        return equipment_span(period.starts_on, period.ends_on, entry.buffer_days)
    return period.first_slot, period.last_slot


def ordinals_of(entry: EquipmentModel | Room, period: Period) -> tuple[int, int]:
    """`span_of` as slot ordinals (what a whole-catalogue query compares, entry after entry)."""
    if isinstance(entry, EquipmentModel):
        last_day = period.ends_on + timedelta(days=entry.buffer_days)
        return 2 * period.starts_on.toordinal(), 2 * last_day.toordinal() + 1
    return period.first_slot.ordinal, period.last_slot.ordinal


def catalogue_free(unit: Lending, period: Period) -> list[dict[str, object]]:
    """Every active entry with its stock and the units free over `period` (its slots as a
    loan for that period would hold them), ordered by kind then name."""
    mirror = unit.availability.mirror
    items: list[dict[str, object]] = []
    for entry in sorted(unit.entries.items.values(), key=lambda e: (e.kind, e.name, e.id)):
        if entry.active:
            lo, hi = ordinals_of(entry, period)
            free = mirror.free_between(entry.kind, entry.id, entry.stock, lo, hi)
            item = {"id": entry.id, "kind": entry.kind, "name": entry.name}
            items.append({**item, "stock": entry.stock, "free": free})
    return items
