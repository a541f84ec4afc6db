"""The weekly schedule (Monday 08:00 Europe/Paris by default).

Every instance may run it: the edition id is deterministic and created with KV create, so
only one of them builds. A run missed while the service was down is caught up within a day.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from vieasso.common.clock import Clock
from vieasso.common.tasks import stop_task
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.edition import edition_id, frequencies_due, next_run
from vieasso.newsletter.handlers.editions import Editions

log = logging.getLogger(__name__)

CATCH_UP = timedelta(days=1)
TICK = 60.0  # seconds: the clock is read again at least this often


class Schedule:
    def __init__(self, editions: Editions, settings: NewsletterSettings, clock: Clock) -> None:
        self._editions = editions
        self._settings = settings
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="newsletter-schedule")

    async def run(self) -> None:
        s = self._settings
        now = self._clock.now()
        previous = next_run(now - timedelta(days=7), s.digest_weekday, s.digest_time, s.zone)
        if now - previous < CATCH_UP:
            await self._run_due(previous)
        while True:
            due = next_run(self._clock.now(), s.digest_weekday, s.digest_time, s.zone)
            # Sleep in ticks rather than until `due`: the (injectable) clock may jump.
            while (wait := (due - self._clock.now()).total_seconds()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(min(wait, TICK))
            await self._run_due(due)

    async def _run_due(self, due_at: datetime) -> None:
        for frequency in frequencies_due(due_at, self._settings.zone):
            eid = edition_id(frequency, due_at, self._settings.zone)
            if await self._editions.store.get(eid) is not None:
                continue
            try:
                await self._editions.build(frequency)
            except Exception:
                log.exception("scheduled edition failed", extra={"edition": eid})

    async def stop(self) -> None:
        await stop_task(self._task)
