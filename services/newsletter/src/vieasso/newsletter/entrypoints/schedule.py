"""The schedules: the residents' digest weekly (Monday 08:00 Europe/Paris by default, the
monthly edition on the first run of the month), the associations' letter monthly (the first
Monday of the month at 08:00 by default: `letter_weekday`, `letter_time`). One switch,
`digest_schedule`, turns both on or off.

The edition id is deterministic and created with KV create, so two instances running them
never build two editions of a period. Each schedule runs besides in one replica at a time, the
holder of its lease (`newsletter.digest`, `newsletter.letter`: vieasso.common.nats.lease),
which create-once alone does not give: without it both replicas compute the content, and one
finding the other's edition still being built resumes it at the same time (its deliveries
dropped by JetStream or the ledger, one of the two final saves refused and logged as a failed
edition). A run missed while the service was down, or while no replica held the lease, is caught up
within a day (the holder taking over looks back at start).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from nats.js import JetStreamContext

from vieasso.common.clock import Clock
from vieasso.common.nats.lease import leased
from vieasso.common.tasks import stop_task
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.edition import (
    ASSOCIATIONS_LETTER,
    Series,
    frequencies_due,
    next_monthly_run,
    next_run,
)
from vieasso.newsletter.handlers.editions import Editions

log = logging.getLogger(__name__)

CATCH_UP = timedelta(days=1)
TICK = 60.0  # seconds: the clock is read again at least this often


class Schedule:
    def __init__(self, editions: Editions, settings: NewsletterSettings, clock: Clock) -> None:
        self._editions = editions
        self._settings = settings
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, js: JetStreamContext) -> None:
        s = self._settings
        runs = {"digest": self.run, "letter": self.run_letter}
        self._tasks = [
            asyncio.create_task(leased(js, s, f"newsletter.{job}", run), name=f"newsletter-{job}")
            for job, run in runs.items()
        ]

    async def run(self) -> None:
        s = self._settings

        def due(after: datetime) -> datetime:
            return next_run(after, s.digest_weekday, s.digest_time, s.zone)

        await self._loop(due, timedelta(days=7), self._run_due)

    async def run_letter(self) -> None:
        s = self._settings

        def due(after: datetime) -> datetime:
            return next_monthly_run(after, s.letter_weekday, s.letter_time, s.zone)

        async def build(due_at: datetime) -> None:
            await self._build(ASSOCIATIONS_LETTER, due_at)

        await self._loop(due, timedelta(days=35), build)

    async def _loop(
        self,
        next_due: Callable[[datetime], datetime],
        longest_gap: timedelta,
        run_due: Callable[[datetime], Awaitable[None]],
    ) -> None:
        previous = next_due(self._clock.now() - longest_gap)
        while (following := next_due(previous)) <= self._clock.now():
            previous = following
        if previous <= self._clock.now() and self._clock.now() - previous < CATCH_UP:
            await run_due(previous)
        while True:
            due = next_due(self._clock.now())
            # Sleep in ticks rather than until `due`: the (injectable) clock may jump.
            while (wait := (due - self._clock.now()).total_seconds()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(min(wait, TICK))
            await run_due(due)

    async def _run_due(self, due_at: datetime) -> None:
        for frequency in frequencies_due(due_at, self._settings.zone):
            await self._build(Series(frequency), due_at)

    async def _build(self, series: Series, due_at: datetime) -> None:
        eid = series.edition_id(due_at, self._settings.zone)
        if await self._editions.store.get(eid) is not None:
            return
        try:
            await self._editions.build(series)
        except Exception:
            log.exception("scheduled edition failed", extra={"edition": eid})

    async def stop(self) -> None:
        for task in self._tasks:
            await stop_task(task)
