"""The running ressources service: opens its buckets, starts the watched copies, publishes
the recent loan facts again, and sweeps (overdue loans, units a crash left held); a second
sweeper asks the lending mails (reminders, mails owed: `handlers.reminders`). Each sweeper
runs in one replica at a time, the holder of its lease (`ressources.sweeper`,
`ressources.mails`: vieasso.common.nats.lease)."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from functools import partial

from nats.js import JetStreamContext

from vieasso.common.agenda_events import AgendaUnavailable, upcoming_event
from vieasso.common.clock import Clock
from vieasso.common.directory import DirectoryView
from vieasso.common.nats.lease import leased
from vieasso.common.nats.publish import Publish
from vieasso.common.tasks import stop_task
from vieasso.common.web.tokens import AssociationTokens
from vieasso.ressources.adapters.availability import BUCKET as AVAILABILITY
from vieasso.ressources.adapters.availability import AvailabilityMirror, AvailabilityStore
from vieasso.ressources.adapters.entries import Entries
from vieasso.ressources.adapters.loans import BUCKET as LOANS
from vieasso.ressources.adapters.loans import LoanMirror, LoanStore
from vieasso.ressources.adapters.seasons import SeasonStore
from vieasso.ressources.config import RessourcesSettings
from vieasso.ressources.domain.errors import AgendaDown
from vieasso.ressources.domain.fairness import FairnessRules
from vieasso.ressources.domain.requests import Closed, sundays
from vieasso.ressources.handlers.facts import loan_fact
from vieasso.ressources.handlers.mails import SERVICE, LoanMails
from vieasso.ressources.handlers.reminders import sweep_mails
from vieasso.ressources.handlers.steps import release_dangling, sweep_overdue
from vieasso.ressources.handlers.unit import EventCheck, Lending

log = logging.getLogger(__name__)


class RessourcesService:
    def __init__(
        self,
        settings: RessourcesSettings,
        publish: Publish,
        clock: Clock,
        closed: Closed = sundays,
        directory: DirectoryView | None = None,  # association names in the mails
    ) -> None:
        self.settings = settings
        self.publish = publish
        self.clock = clock
        self.closed = closed
        self.entries = Entries()
        self.availability = AvailabilityMirror()
        self.loans = LoanMirror()
        self.unit: Lending | None = None
        self._tokens: AssociationTokens | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self.directory = directory or DirectoryView()
        self._own_directory, self._directory_started = directory is None, False
        self.mails: LoanMails | None = None
        self._mailer: asyncio.Task[None] | None = None

    def lending(self) -> Lending:
        if self.unit is None:
            raise RuntimeError("ressources not started")
        return self.unit

    def tokens(self) -> AssociationTokens:
        if self._tokens is None:
            raise RuntimeError("ressources not started")
        return self._tokens

    async def start(self, js: JetStreamContext, *, background: bool = True) -> Lending:
        self._tokens = AssociationTokens(js)
        self.entries.kv = await js.key_value(self.entries.bucket)
        for watched in (self.entries, self.availability, self.loans):
            await watched.start(js)
        s = self.settings
        loans_kv = await js.key_value(LOANS)
        self.unit = Lending(
            loans=LoanStore(loans_kv, self.loans),
            availability=AvailabilityStore(
                await js.key_value(AVAILABILITY),
                self.availability,
                attempts=s.ressources_cas_attempts,
                rng=random.Random(),  # noqa: S311 - retry jitter, not a secret
            ),
            entries=self.entries,
            publish=self.publish,
            clock=self.clock,
            closed=self.closed,
            fairness=FairnessRules(
                max_loans_per_season=s.ressources_max_loans_per_season,
                season_start_month=s.ressources_season_start_month,
                municipal_event_days=frozenset(s.ressources_municipal_event_days),
            ),
            seasons=SeasonStore(loans_kv, attempts=s.ressources_cas_attempts),
        )
        self.unit.own_event = self._agenda_check(js)
        if self._own_directory and not self._directory_started:
            await self.directory.start(js)
            self._directory_started = True
        self.mails = mails = LoanMails(
            self.publish, self.entries, self.directory, s.public_url(SERVICE)
        )
        self.unit.after_step = mails.after_step
        if background:
            mail_sweep = leased(js, s, "ressources.mails", partial(self._mail_sweep, mails))
            self._mailer = asyncio.create_task(mail_sweep, name="ressources-mails")
            await self._republish_recent(self.unit)
            sweep = leased(js, s, "ressources.sweeper", partial(self._sweep, self.unit))
            self._sweeper = asyncio.create_task(sweep, name="ressources-sweeper")
        log.info("ressources loaded", extra={"loans": len(self.loans.items)})
        return self.unit

    def _agenda_check(self, js: JetStreamContext) -> EventCheck:
        async def own_event(slug: str, event_id: str) -> bool:
            try:
                return await upcoming_event(js, slug, event_id, self.clock.now()) is not None
            except AgendaUnavailable as exc:
                raise AgendaDown() from exc

        return own_event

    async def _republish_recent(self, unit: Lending) -> None:
        """Facts of the last changes again, same ids: lost ones are stored, others dropped."""
        window = self.settings.ressources_republish_window_seconds
        if window <= 0:
            return
        since = self.clock.now() - timedelta(seconds=window)
        for loan in list(self.loans.items.values()):
            if loan.updated_at >= since:
                await loan_fact(unit.publish, loan)

    async def _sweep(self, unit: Lending) -> None:
        while True:
            try:
                overdue = await sweep_overdue(unit)
                released = await release_dangling(unit)
                if overdue or released:
                    log.info("sweep", extra={"overdue": len(overdue), "released": released})
            except Exception:
                log.exception("ressources sweep failed; next round")
            await asyncio.sleep(self.settings.ressources_overdue_sweep_seconds)

    async def _mail_sweep(self, mails: LoanMails) -> None:
        s = self.settings
        window = timedelta(seconds=s.ressources_mail_replay_window_seconds)
        while True:
            try:
                steps, reminded = await sweep_mails(
                    mails, self.loans.items.values(), self.clock.now(),
                    window=window, from_hour=s.ressources_reminder_from_hour,
                )  # fmt: skip
                if steps or reminded:
                    log.info("loan mails", extra={"steps": steps, "reminded": len(reminded)})
            except Exception:
                log.exception("ressources mail sweep failed; next round")
            await asyncio.sleep(s.ressources_mail_sweep_seconds)

    async def stop(self) -> None:
        await stop_task(self._mailer)
        await stop_task(self._sweeper)
        if self._directory_started:
            await self.directory.stop()
            self._directory_started = False
        for watched in (self.loans, self.availability, self.entries):
            await watched.stop()
