"""The running catalogue: its bucket's mirror, loaded at start, and the use cases on it.

`bootstrap` starts it once NATS is connected (with the directory view it reads venues from,
shared with the rest of the service); `standalone` runs it without HTTP for the `demo`
command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nats.js import JetStreamContext

from vieasso.common.clock import Clock, SystemClock
from vieasso.common.directory import DirectoryView
from vieasso.common.images import ImageStore
from vieasso.common.nats.catalogue import STREAMS
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import Publish, PublishError
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import ServiceStarting, Sessions
from vieasso.ressources.adapters.availability import BUCKET as AVAILABILITY
from vieasso.ressources.adapters.catalogue import CatalogueStore
from vieasso.ressources.adapters.stock_fence import StockFence
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.domain.photos import IMAGES_PATH
from vieasso.ressources.handlers.catalogue import Catalogue, announce_recent

log = logging.getLogger(__name__)

IMAGES_BUCKET = "ressources_images"
DUPLICATE_WINDOW = next(s.duplicate_window for s in STREAMS if s.name == "RESSOURCES")


class CatalogueService:
    """What the catalogue's pages and API need (`pages_support.PageSource`, `api_catalogue`)."""

    def __init__(
        self,
        settings: RessourcesSettings,
        publish: Publish,
        clock: Clock,
        directory: DirectoryView,
        sessions: Sessions,
    ) -> None:
        self.settings = settings
        self.publish = publish
        self.clock = clock
        self.directory = directory
        self.sessions = sessions
        self.store = CatalogueStore()
        self._unit: Catalogue | None = None
        self._images: ImageStore | None = None
        self._directory_started = False

    async def start(self, js: JetStreamContext, *, announce: bool = True) -> Catalogue:
        """Idempotent, as the runtime retries a failed start-up from its first step."""
        if not self._directory_started:
            await self.directory.start(js)
            self._directory_started = True
        await self.store.open(js)
        unit = Catalogue(self.store, self.directory, self.publish, self.clock)
        unit.restock = StockFence(await js.key_value(AVAILABILITY))
        self._images = ImageStore(js, IMAGES_BUCKET)
        unit.images = self._images
        unit.images_url = self.images_url
        if announce:
            try:
                await announce_recent(unit, DUPLICATE_WINDOW)
            except PublishError as exc:  # they are owed (`unannounced`): the next save sends them
                log.warning("recent catalogue facts not published", extra={"reason": str(exc)})
        self._unit = unit
        return unit

    def catalogue(self) -> Catalogue:
        if self._unit is None:
            raise ServiceStarting
        return self._unit

    @property
    def images_url(self) -> str:
        """Where the photos' files are served: `<images_url>/<id>/<variant>`."""
        return self.settings.public_url("ressources") + IMAGES_PATH

    def images(self) -> ImageStore:
        """The photos' object store (`ressources_images`)."""
        if self._images is None:
            raise ServiceStarting
        return self._images

    async def stop(self) -> None:
        await self.store.close()
        await self.directory.stop()


@asynccontextmanager
async def standalone(
    settings: RessourcesSettings, clock: Clock | None = None, *, connect_timeout: float = 15.0
) -> AsyncIterator[tuple[Catalogue, JetStreamContext]]:
    """The catalogue's use cases without HTTP (the `demo` command), and the connection's
    JetStream for the loans' use cases. Raises `TimeoutError` when NATS cannot be reached
    and made ready within `connect_timeout`."""
    runtime = NatsRuntime(settings, service="ressources")
    clock = clock or SystemClock()
    directory = DirectoryView()
    service = CatalogueService(
        settings, runtime.publish, clock, directory, Sessions(settings, clock)
    )
    try:
        async with asyncio.timeout(connect_timeout):
            await runtime.broker.connect()
            await provision(runtime.js, settings.nats_replicas, service=runtime.service)
            unit = await service.start(runtime.js, announce=False)
        yield unit, runtime.js
    finally:
        await service.stop()
        await runtime.broker.stop()
