"""At every start, before any mail leaves: apply again every departure the records lack.

A backup restored from before an erasure brings the person's record back; one restored from
before an unsubscription or a suspension brings them back active. The `SubscriberLeft`
facts of the ``NEWSLETTER`` stream, which the restore keeps, say otherwise: erased ids are
erased again (record, address index, ledger), and a record older than its departure (a lower
generation) leaves again. On a platform that was not restored nothing matches, and the only
reads are of the few records of people who came back after leaving.
"""

from __future__ import annotations

import logging

from vieasso.common.clock import Clock
from vieasso.common.subjects import Departure
from vieasso.newsletter.adapters.departures import Departures
from vieasso.newsletter.adapters.ledger import Ledger
from vieasso.newsletter.adapters.mirror import SubscriberMirror
from vieasso.newsletter.adapters.subscribers import ConcurrentChange, SubscriberStore
from vieasso.newsletter.domain.subscriber import SubscriberState

log = logging.getLogger(__name__)

ATTEMPTS = 5
RECEIVING = (SubscriberState.ACTIVE, SubscriberState.PENDING)


class DepartureReplay:
    def __init__(
        self,
        departures: Departures,
        store: SubscriberStore,
        ledger: Ledger,
        mirror: SubscriberMirror,
        clock: Clock,
    ) -> None:
        self._departures = departures
        self._store = store
        self._ledger = ledger
        self._mirror = mirror
        self._clock = clock

    async def run(self) -> int:
        """Apply what the records lack (the mirror must be loaded); how many changed."""
        applied = 0
        latest = await self._departures.latest()
        for subscriber_id, (departure, generation) in latest.items():
            reader = self._mirror.get(subscriber_id)
            if reader is None:
                continue  # erased, or never stored here
            if departure is Departure.ERASED:
                applied += await self._erase(subscriber_id)
            elif reader.state in RECEIVING:
                applied += await self._leave(subscriber_id, departure, generation)
        if applied:
            await self._mirror.settle()
        log.info("departures replayed", extra={"departures": len(latest), "applied": applied})
        return applied

    async def _erase(self, subscriber_id: str) -> int:
        found = await self._store.get(subscriber_id)
        if found is None:
            return 0
        await self._store.erase(found[0], announce=False)
        await self._ledger.forget(subscriber_id)
        log.warning("erased subscriber found again: erased", extra={"subscriber": subscriber_id})
        return 1

    async def _leave(self, subscriber_id: str, departure: Departure, generation: int) -> int:
        for _ in range(ATTEMPTS):
            found = await self._store.get(subscriber_id)
            if found is None:
                return 0
            current, revision = found
            changed = current.departed(departure, generation, self._clock.now())
            if changed is current:
                return 0
            try:
                await self._store.save(changed, revision)
            except ConcurrentChange:
                continue
            log.warning(
                "departure found missing: applied again",
                extra={"subscriber": subscriber_id, "departure": departure.value},
            )
            return 1
        raise ConcurrentChange(subscriber_id)
