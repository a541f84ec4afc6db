"""What every loan use case needs, passed in (tests build it with their own clock)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

from vieasso.common.clock import Clock
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.publish import Publish
from vieasso.ressources.adapters.availability import AvailabilityStore
from vieasso.ressources.adapters.entries import Entries
from vieasso.ressources.adapters.loans import LoanStore
from vieasso.ressources.adapters.seasons import SeasonStore
from vieasso.ressources.domain.calendar import local_day
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.fairness import FairnessRules
from vieasso.ressources.domain.loans import Loan
from vieasso.ressources.domain.requests import Closed

PENDING_STALE = timedelta(seconds=60)  # an approval under way longer than this has crashed
# (slug, event id) → is it one of the association's upcoming agenda events? Raises
# `AgendaDown` when the agenda's events cannot be read.
EventCheck = Callable[[str, str], Awaitable[bool]]


async def _no_hook(loan: Loan) -> None:
    return None


async def _no_agenda(slug: str, event_id: str) -> bool:
    return False  # no agenda wired: no event can be named


@dataclass
class Lending:
    loans: LoanStore
    availability: AvailabilityStore
    entries: Entries
    publish: Publish
    clock: Clock
    closed: Closed
    fairness: FairnessRules
    seasons: SeasonStore
    # called once a step is stored and its fact published (the mails: handlers.mails)
    after_step: Callable[[Loan], Awaitable[None]] = _no_hook
    own_event: EventCheck = _no_agenda

    def today(self) -> date:
        """The day in Besançon (Europe/Paris): notice, overdue, return day."""
        return local_day(self.clock.now())

    async def entry(self, kind: ResourceKind, entry_id: str) -> EquipmentModel | Room | None:
        return await self.entries.read(kind, entry_id)
