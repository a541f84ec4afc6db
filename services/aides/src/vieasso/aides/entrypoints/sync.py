"""Starting the Aides-territoires sync: once (`vieasso-aides sync`) or on a schedule in the
service (`aides_sync_interval_minutes`, 0 for none). Without a token it logs so and stops.

The schedule's first run is due one interval after the last report (at once when there is
none); the clock is read again at least every `TICK` seconds. It runs in one replica at a
time, the holder of the lease `aides.sync` (vieasso.common.nats.lease): a replica taking it
over reads the last report again, so a sync cut short by a lost lease is run again at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import partial

import httpx
from nats.js import JetStreamContext

from vieasso.aides.adapters.aides_territoires import AidesTerritoires
from vieasso.aides.adapters.sync_state import SyncState
from vieasso.aides.config_sync import SyncSettings
from vieasso.aides.domain.sync_report import SyncReport
from vieasso.aides.handlers.schemes import Schemes
from vieasso.aides.handlers.sync import Progress, SyncJob, run_sync
from vieasso.common.clock import Clock
from vieasso.common.nats.lease import leased
from vieasso.common.tasks import stop_task

log = logging.getLogger(__name__)

TICK = 60.0


async def sync_once(
    unit: Schemes,
    state: SyncState,
    settings: SyncSettings,
    *,
    full: bool = False,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SyncReport | None:
    """One sync; None (and nothing done) without a token."""
    if settings.aides_territoires_token is None:
        log.warning("no Aides-territoires token configured: sync not run")
        return None
    client = AidesTerritoires(
        settings.aides_territoires_url,
        settings.aides_territoires_token.get_secret_value(),
        backoff=settings.aides_sync_backoff_seconds,
        transport=transport,
    )
    async with client:
        job = SyncJob(
            unit, client, state, insee=settings.aides_territoires_insee,
            site=settings.aides_territoires_url, full=full, progress=progress,
        )  # fmt: skip
        return await run_sync(job)


class SyncSchedule:
    """The scheduled sync of a running service."""

    def __init__(self, settings: SyncSettings, state: SyncState, clock: Clock) -> None:
        self.settings = settings
        self.state = state
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, unit: Schemes, js: JetStreamContext) -> None:
        minutes = self.settings.aides_sync_interval_minutes
        if minutes == 0:
            log.info("scheduled Aides-territoires sync off")
        elif self.settings.aides_territoires_token is None:
            log.warning("no Aides-territoires token configured: no scheduled sync")
        elif self._task is None:
            every = timedelta(minutes=minutes)
            run = leased(js, self.settings, "aides.sync", partial(self._run, unit, every))
            self._task = asyncio.create_task(run, name="aides-sync")

    async def _run(self, unit: Schemes, every: timedelta) -> None:
        last = await self.state.report()
        due = last.finished_at + every if last and last.finished_at else self.clock.now()
        while True:
            while (wait := (due - self.clock.now()).total_seconds()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(min(wait, TICK))
            try:
                await sync_once(unit, self.state, self.settings)
            except Exception:
                log.exception("scheduled Aides-territoires sync failed")
            due = self.clock.now() + every

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
