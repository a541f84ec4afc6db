"""The slots a line holds: equipment from the pickup morning to the evening of the last
buffer day; a room its half-days."""

from __future__ import annotations

from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.periods import Slot, equipment_span


def span_of(entry: EquipmentModel | Room, period: Period) -> tuple[Slot, Slot]:
    if isinstance(entry, EquipmentModel):
        return equipment_span(period.starts_on, period.ends_on, entry.buffer_days)
    return period.first_slot, period.last_slot
