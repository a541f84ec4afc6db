"""The running aides service: the schemes' and the follows' buckets mirrored in memory, the
directory's view (themes, quartiers, associations), and the use cases on them.

`bootstrap` starts it once NATS is connected; `standalone` runs it without HTTP for the
`demo` command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from nats.js import JetStreamContext

from vieasso.aides.adapters.bucket import WatchedBucket
from vieasso.aides.adapters.sync_state import SyncState
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.awards import AWARD_PREFIX, Award
from vieasso.aides.domain.follows import FOLLOWS_PREFIX, AssociationFile
from vieasso.aides.domain.schemes import KEY_PREFIX, AidScheme
from vieasso.aides.handlers.schemes import BUCKET, Schemes, announce_recent
from vieasso.common.clock import Clock, SystemClock
from vieasso.common.directory import DirectoryView
from vieasso.common.nats.catalogue import STREAMS
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import Publish, PublishError
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.web import ServiceStarting, Sessions

log = logging.getLogger(__name__)

FOLLOWS = "aides_follows"
DUPLICATE_WINDOW = next(s.duplicate_window for s in STREAMS if s.name == "AIDES")


class AidesService:
    """What the pages and feeds need (`pages_support.PageSource`)."""

    def __init__(
        self,
        settings: AidesSettings,
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
        self.store: WatchedBucket[AidScheme] = WatchedBucket(BUCKET, KEY_PREFIX, AidScheme)
        self.follows: WatchedBucket[AssociationFile] = WatchedBucket(
            FOLLOWS, FOLLOWS_PREFIX, AssociationFile
        )
        # the grants the city awarded, beside the schemes (`award.<id>`)
        self.awards: WatchedBucket[Award] = WatchedBucket(BUCKET, AWARD_PREFIX, Award)
        self.sync_state = SyncState()  # the Aides-territoires sync's cursor and last report
        self._unit: Schemes | None = None
        self._directory_started = False

    async def start(self, js: JetStreamContext, *, announce: bool = True) -> Schemes:
        """Idempotent, as the runtime retries a failed start-up from its first step."""
        if not self._directory_started:
            await self.directory.start(js)
            self._directory_started = True
        await self.store.open(js)
        await self.follows.open(js)
        await self.awards.open(js)
        await self.sync_state.open(js)
        unit = self._unit or Schemes(self.store, self.publish, self.clock, self.directory)
        if announce:
            try:
                await announce_recent(unit, DUPLICATE_WINDOW)
            except PublishError as exc:  # owed (`unannounced`): the next save sends them
                log.warning("recent scheme facts not published", extra={"reason": str(exc)})
        self._unit = unit
        return unit

    def schemes(self) -> Schemes:
        if self._unit is None:
            raise ServiceStarting
        return self._unit

    async def stop(self) -> None:
        await self.awards.close()
        await self.follows.close()
        await self.store.close()
        await self.directory.stop()


@asynccontextmanager
async def standalone(
    settings: AidesSettings, clock: Clock | None = None, *, connect_timeout: float = 15.0
) -> AsyncIterator[AidesService]:
    """The service's use cases without HTTP (the `demo` command). Raises `TimeoutError`
    when NATS cannot be reached and made ready within `connect_timeout`."""
    runtime = NatsRuntime(settings, service="aides")
    clock = clock or SystemClock()
    service = AidesService(
        settings, runtime.publish, clock, DirectoryView(), Sessions(settings, clock)
    )
    try:
        async with asyncio.timeout(connect_timeout):
            await runtime.broker.connect()
            await provision(runtime.js, settings.nats_replicas, service=runtime.service)
            await service.start(runtime.js, announce=False)
        yield service
    finally:
        await service.stop()
        await runtime.broker.stop()
