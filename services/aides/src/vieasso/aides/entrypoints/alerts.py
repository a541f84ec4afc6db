"""The daily sweep of the deadline alert mails in a running service
(`aides_alerts_interval_minutes`, 0 for none; the first sweep at start, and at each takeover:
it runs in one replica at a time, the holder of the lease `aides.alerts`,
vieasso.common.nats.lease; each alert's mail has its own key besides, so a sweep run twice
mails nothing twice)."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from nats.js import JetStreamContext

from vieasso.aides.domain.calendar import local_day
from vieasso.aides.handlers.alerts import AlertMails
from vieasso.aides.service import AidesService
from vieasso.common.nats.lease import leased
from vieasso.common.tasks import stop_task

log = logging.getLogger(__name__)


class AlertSchedule:
    def __init__(self, service: AidesService) -> None:
        self.service = service
        self.mails = AlertMails(service.publish, service.settings.public_url("aides"))
        self._task: asyncio.Task[None] | None = None

    def start(self, js: JetStreamContext) -> None:
        settings = self.service.settings
        minutes = settings.aides_alerts_interval_minutes
        if minutes == 0:
            log.info("deadline alert mails off")
        elif self._task is None:
            run = leased(js, settings, "aides.alerts", partial(self._run, minutes * 60.0))
            self._task = asyncio.create_task(run, name="aides-alerts")

    async def sweep(self) -> list[str]:
        """One sweep now: the keys of the alerts asked."""
        service = self.service
        schemes = {s.id: s for s in service.store.values()}
        today = local_day(service.clock.now())
        return await self.mails.sweep(service.follows.values(), schemes, today)

    async def _run(self, every: float) -> None:
        while True:
            try:
                if asked := await self.sweep():
                    log.info("deadline alerts asked", extra={"count": len(asked)})
            except Exception:
                log.exception("deadline alert sweep failed; next round")
            await asyncio.sleep(every)

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
