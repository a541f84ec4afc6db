"""What the loan pages need from the running service (`entrypoints.pages_loans.LoanSource`):
the catalogue, the loans' use cases, the sessions, and an association's upcoming events
read from the agenda's bucket."""

from __future__ import annotations

from dataclasses import dataclass

from vieasso.common.agenda_events import UpcomingEvent, upcoming_events
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import ServiceStarting, Sessions
from vieasso.ressources.catalogue_service import CatalogueService
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.handlers.catalogue import Catalogue
from vieasso.ressources.handlers.unit import Lending
from vieasso.ressources.service import RessourcesService

EVENTS_SHOWN = 30


@dataclass
class LoanPagesSource:
    catalogue_service: CatalogueService
    loans: RessourcesService
    runtime: NatsRuntime

    @property
    def settings(self) -> RessourcesSettings:
        return self.catalogue_service.settings

    @property
    def sessions(self) -> Sessions:
        return self.catalogue_service.sessions

    def catalogue(self) -> Catalogue:
        return self.catalogue_service.catalogue()

    def lending(self) -> Lending:
        if self.loans.unit is None:
            raise ServiceStarting
        return self.loans.unit

    async def events(self, slug: str) -> list[UpcomingEvent]:
        """Raises `AgendaUnavailable` when the agenda's bucket cannot be read."""
        now = self.loans.clock.now()
        return await upcoming_events(self.runtime.js, slug, now, limit=EVENTS_SHOWN)
