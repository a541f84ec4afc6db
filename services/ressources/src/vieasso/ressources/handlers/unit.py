"""What every loan use case needs, passed in (tests build it with their own clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from vieasso.common.clock import Clock
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.publish import Publish
from vieasso.ressources.adapters.availability import AvailabilityStore
from vieasso.ressources.adapters.entries import Entries
from vieasso.ressources.adapters.loans import LoanStore
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.fairness import FairnessRules
from vieasso.ressources.domain.requests import Closed

PENDING_STALE = timedelta(seconds=60)  # an approval under way longer than this has crashed


@dataclass
class Lending:
    loans: LoanStore
    availability: AvailabilityStore
    entries: Entries
    publish: Publish
    clock: Clock
    closed: Closed
    fairness: FairnessRules

    def today(self) -> date:
        return self.clock.now().date()

    async def entry(self, kind: ResourceKind, entry_id: str) -> EquipmentModel | Room | None:
        return await self.entries.read(kind, entry_id)
