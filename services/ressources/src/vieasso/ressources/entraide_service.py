"""The running entraide (issue 17): its bucket's copies, the use cases, the sweeper that
closes expired annonces (one replica at a time: lease `ressources.annonces`). `bootstrap`
starts it once NATS is connected."""

from __future__ import annotations

import asyncio
import logging

from nats.js import JetStreamContext

from vieasso.common.clock import Clock
from vieasso.common.directory import DirectoryView
from vieasso.common.nats.lease import leased
from vieasso.common.nats.publish import Publish
from vieasso.common.tasks import stop_task
from vieasso.common.web import ServiceStarting, Sessions, site_urls
from vieasso.ressources.adapters.annonces import AnnonceStore
from vieasso.ressources.catalogue_service import CatalogueService
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.domain.annonces_threads import Limits
from vieasso.ressources.handlers.annonces import SERVICE, Entraide
from vieasso.ressources.handlers.catalogue import Catalogue

log = logging.getLogger(__name__)


class EntraideService:
    """What the entraide pages and API need."""

    def __init__(  # noqa: PLR0917 - the service's collaborators
        self,
        settings: RessourcesSettings,
        publish: Publish,
        clock: Clock,
        directory: DirectoryView,
        sessions: Sessions,
        catalogue: CatalogueService,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.catalogue = catalogue
        self.store = AnnonceStore()
        self.unit = Entraide(
            self.store,
            publish,
            clock,
            directory,
            settings.public_url(SERVICE),
            site_urls(settings).annuaire,
            Limits(settings.ressources_entraide_per_hour, settings.ressources_entraide_per_annonce),
        )
        self.ready = False
        self._sweeper: asyncio.Task[None] | None = None

    def entraide(self) -> Entraide:
        if not self.ready:
            raise ServiceStarting
        return self.unit

    def lendable(self) -> Catalogue:
        return self.catalogue.catalogue()

    async def start(self, js: JetStreamContext, *, background: bool = True) -> Entraide:
        if not self.ready:
            await self.store.start(js)
            self.ready = True
        if background and self._sweeper is None:
            self._sweeper = asyncio.create_task(
                leased(js, self.settings, "ressources.annonces", self._sweep),
                name="ressources-annonces",
            )
        return self.unit

    async def _sweep(self) -> None:
        while True:
            try:
                closed = await self.unit.close_expired()
                if closed:
                    log.info("expired annonces closed", extra={"count": len(closed)})
            except Exception:
                log.exception("closing expired annonces failed; next round")
            await asyncio.sleep(self.settings.ressources_annonces_sweep_seconds)

    async def stop(self) -> None:
        await stop_task(self._sweeper)
        self._sweeper = None
        await self.store.stop()
        self.ready = False
