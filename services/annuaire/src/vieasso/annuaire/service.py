"""The running annuaire: opens its buckets, seeds the reference data, loads its indexes,
catches up recent facts, counts the open annonces between associations (the ressources'
facts) and closes expired missions periodically, in the replica holding the lease
`annuaire.missions` (vieasso.common.nats.lease)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

from nats.js import JetStreamContext

from vieasso.annuaire.adapters.entraide import EntraideCounts
from vieasso.annuaire.adapters.identifiers import BUCKET as IDENTIFIERS
from vieasso.annuaire.adapters.identifiers import Identifiers
from vieasso.annuaire.adapters.index import DirectoryIndex
from vieasso.annuaire.adapters.kv import KvRepository
from vieasso.annuaire.adapters.letter import LetterChoices
from vieasso.annuaire.adapters.links import BUCKET as LINKS
from vieasso.annuaire.adapters.links import SignInLinks
from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.missions import MissionRecord
from vieasso.annuaire.handlers.facts import association_fact, mission_fact
from vieasso.annuaire.handlers.identifiers import hold_validated_numbers
from vieasso.annuaire.handlers.missions import close_expired_missions
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.annuaire.handlers.venues import save_venue, seed_reference
from vieasso.common.clock import Clock, SystemClock
from vieasso.common.directory import ASSOCIATIONS, MISSIONS, REFERENCE, VENUES
from vieasso.common.http.shared_limit import SharedRateLimit
from vieasso.common.messages.annuaire import VenuePublic
from vieasso.common.nats.lease import leased
from vieasso.common.nats.provisioning import provision
from vieasso.common.nats.publish import Publish
from vieasso.common.nats.runtime import NatsRuntime
from vieasso.common.reference.loader import load_quartiers, load_themes, load_venues
from vieasso.common.tasks import stop_task

log = logging.getLogger(__name__)
LIMITS = "annuaire_limits"


class AnnuaireService:
    def __init__(self, settings: AnnuaireSettings, publish: Publish, clock: Clock) -> None:
        self.settings = settings
        self.publish = publish
        self.clock = clock
        self.index = DirectoryIndex()
        self.entraide = EntraideCounts()  # the home page's counts of open annonces
        self.unit: Annuaire | None = None
        # Counted in the KV bucket `annuaire_limits`, shared by every replica.
        self.registrations = SharedRateLimit(
            "registrations",
            settings.registration_limit_per_ip,
            settings.registration_window_seconds,
        )
        self.link_requests = SharedRateLimit(
            "signin-requests", settings.signin_requests_per_ip, settings.signin_window_seconds
        )
        self.links_per_association = SharedRateLimit(
            "signin-links",
            settings.signin_links_per_association,
            settings.signin_window_seconds,
        )
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self, js: JetStreamContext, *, background: bool = True) -> Annuaire:
        await seed_reference(await js.key_value(REFERENCE), load_themes(), load_quartiers())
        await self.index.start(js)
        for limit in (self.registrations, self.link_requests, self.links_per_association):
            await limit.open(js, LIMITS)
        unit = Annuaire(
            associations=KvRepository(
                await js.key_value(ASSOCIATIONS), self.index.associations, AssociationRecord
            ),
            missions=KvRepository(await js.key_value(MISSIONS), self.index.missions, MissionRecord),
            venues=KvRepository(await js.key_value(VENUES), self.index.venues, VenuePublic),
            identifiers=Identifiers(await js.key_value(IDENTIFIERS)),
            index=self.index,
            publish=self.publish,
            clock=self.clock,
            links=SignInLinks(await js.key_value(LINKS)),
            link_limit=self.links_per_association,
            letters=LetterChoices(js),
            public_url=self.settings.public_url("annuaire"),
        )
        await hold_validated_numbers(unit)
        for venue in load_venues():
            if venue.id not in self.index.venues.items:
                await save_venue(unit, venue)
        if background:
            await self._republish_recent(unit)
            await self.entraide.start(js)
            sweep = leased(js, self.settings, "annuaire.missions", partial(self._sweep, unit))
            self._sweeper = asyncio.create_task(sweep, name="annuaire-mission-sweeper")
        self.unit = unit
        log.info(
            "annuaire loaded",
            extra={
                "associations": len(self.index.associations.items),
                "missions": len(self.index.missions.items),
            },
        )
        return unit

    async def _republish_recent(self, unit: Annuaire) -> None:
        """Facts of the last changes again, same ids: lost ones are stored, others dropped."""
        if self.settings.republish_window_seconds <= 0:
            return
        since = self.clock.now() - timedelta(seconds=self.settings.republish_window_seconds)
        for item in list(self.index.associations.items.values()):
            if item.value.updated_at >= since:
                await association_fact(self.publish, item.value, item.revision)
        for mission in list(self.index.missions.items.values()):
            if mission.value.updated_at >= since:
                await mission_fact(self.publish, mission.value, mission.revision)

    async def _sweep(self, unit: Annuaire) -> None:
        while True:
            try:
                closed = await close_expired_missions(unit)
                if closed:
                    log.info("expired missions closed", extra={"count": len(closed)})
            except Exception:
                log.exception("closing expired missions failed; next round")
            await asyncio.sleep(self.settings.mission_sweep_seconds)

    async def stop(self) -> None:
        await stop_task(self._sweeper)
        await self.entraide.stop()
        await self.index.stop()


@asynccontextmanager
async def standalone(
    settings: AnnuaireSettings, clock: Clock | None = None, *, connect_timeout: float = 15.0
) -> AsyncIterator[Annuaire]:
    """The annuaire's use cases without HTTP, for the `import` and `demo` commands.

    Raises `TimeoutError` when NATS cannot be reached and made ready in `connect_timeout`.
    """
    runtime = NatsRuntime(settings, service="annuaire")
    service = AnnuaireService(settings, runtime.publish, clock or SystemClock())
    try:
        async with asyncio.timeout(connect_timeout):
            await runtime.broker.connect()
            await provision(runtime.js, settings.nats_replicas, service=runtime.service)
            app = await service.start(runtime.js, background=False)
        yield app
    finally:
        await service.stop()
        await runtime.broker.stop()
