"""Building an edition: its period, its content, who gets what; finishing it.

The edition of a period has a deterministic id (`2026-w48`) and its record is created with
KV create, so two instances, two runs or a restart never build two editions of a period.
A build interrupted before every delivery was queued is resumed by the next run; the
deliveries it queues again are dropped by JetStream (same message ids) or by the ledger.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from nats.js.errors import KeyWrongLastSequenceError

from vieasso.common import subjects
from vieasso.common.clock import Clock
from vieasso.common.messages.newsletter import (
    Delivery,
    DeliveryBatch,
    EditionBuilt,
    EditionSent,
    Frequency,
    LetterAudience,
)
from vieasso.common.nats.publish import Publish
from vieasso.newsletter.adapters.editions import EditionExists, EditionStore
from vieasso.newsletter.adapters.ledger import Ledger
from vieasso.newsletter.adapters.mirror import SubscriberMirror
from vieasso.newsletter.adapters.queue import DeliveryQueue, batch_id
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.content import EditionContent, Selector
from vieasso.newsletter.domain.delivery import LedgerState
from vieasso.newsletter.domain.edition import (
    Edition,
    EditionState,
    Series,
    default_period_start,
)
from vieasso.newsletter.domain.index import ContentIndex
from vieasso.newsletter.handlers.rendered import EditionMails

if TYPE_CHECKING:
    from vieasso.newsletter.handlers.letter import AssociationLetter

log = logging.getLogger(__name__)

BATCH = 50
PUBLISHERS = 16
MAX_SPAN = {Frequency.HEBDOMADAIRE: timedelta(days=14), Frequency.MENSUELLE: timedelta(days=62)}
_FACTS = uuid.UUID("5e0c2a8e-3f41-4d7a-b1f9-2a6c0e9d7b13")


@dataclass
class Plan:
    """Who gets which items of an edition."""

    content: EditionContent
    deliveries: list[Delivery] = field(default_factory=list)
    distinct_contents: int = 0


class Editions:
    def __init__(  # noqa: PLR0917 - the use case's collaborators
        self,
        store: EditionStore,
        queue: DeliveryQueue,
        ledger: Ledger,
        mirror: SubscriberMirror,
        index: ContentIndex,
        mails: EditionMails,
        publish: Publish,
        settings: NewsletterSettings,
        clock: Clock,
    ) -> None:
        self.store = store
        self.queue = queue
        self._ledger = ledger
        self._mirror = mirror
        self._index = index
        self.mails = mails
        self._publish = publish
        self._settings = settings
        self._clock = clock
        self.letter: AssociationLetter | None = None  # the associations' letter's recipients

    async def period(self, which: Frequency | Series, now: datetime) -> tuple[str, datetime]:
        """The id of the edition due at `now` and the start of what it covers."""
        series = Series.of(which)
        frequency = series.frequency
        eid = series.edition_id(now, self._settings.zone)
        start = max(default_period_start(frequency, now), now - MAX_SPAN[frequency])
        last = await self.store.last(series.key)
        if last is not None and last.id != eid and now - MAX_SPAN[frequency] < last.period_end:
            start = min(last.period_end, now)
        if start >= now:  # a "last" edition from the future (clock moved back): ignore it
            start = default_period_start(frequency, now)
        return eid, start

    def content(
        self, start: datetime, end: datetime, audience: LetterAudience = LetterAudience.HABITANTS
    ) -> EditionContent:
        if audience is LetterAudience.ASSOCIATIONS:
            return self._index.letter_content(
                start=start, end=end, event_days=self._settings.letter_event_days
            )
        return self._index.edition_content(
            start=start, end=end, event_days=self._settings.digest_event_days
        )

    async def plan_for(self, series: Series, content: EditionContent) -> Plan:
        """Who gets which items: subscribers of the frequency, or associations."""
        if series.audience is not LetterAudience.ASSOCIATIONS:
            return self.plan(series.frequency, content)
        if self.letter is None:
            raise RuntimeError("the associations' letter is not wired")
        plan = Plan(content)
        plan.deliveries, plan.distinct_contents = await self.letter.plan(content)
        return plan

    def plan(self, frequency: Frequency, content: EditionContent) -> Plan:
        selector = Selector(content, self._settings.digest_max_items)
        plan = Plan(content)
        if content.empty:
            return plan
        for subscriber_id, reader in self._mirror.readers.items():
            if not reader.active or reader.preferences.frequency is not frequency:
                continue
            items = selector.select(reader.preferences)
            if items:
                plan.deliveries.append(Delivery(subscriber_id=subscriber_id, items=items))
        plan.distinct_contents = selector.distinct_contents
        return plan

    async def build(self, which: Frequency | Series, now: datetime | None = None) -> Edition:
        """Create (or resume) the edition due now and queue its deliveries."""
        series = Series.of(which)
        frequency = series.frequency
        now = now or self._clock.now()
        eid, start = await self.period(series, now)
        found = await self.store.get(eid)
        if found is not None and found[0].state is not EditionState.BUILDING:
            log.info("edition already built", extra={"edition": eid})
            return found[0]
        if found is not None:
            edition, revision = found
            content = await self.store.content(eid) or self.content(
                edition.period_start, edition.period_end, series.audience
            )
        else:
            content = self.content(start, now, series.audience)
            edition = self._new(eid, series, start, now, content)
            try:
                revision = await self.store.create(edition)
            except EditionExists:
                existing = await self.store.get(eid)
                if existing is None:
                    raise
                return existing[0]
            await self.store.save_content(eid, content)
        plan = await self.plan_for(series, content)
        await self._queue(eid, plan.deliveries)
        edition = edition.model_copy(
            update={
                "state": EditionState.SENDING,
                "recipients": len(plan.deliveries),
                "distinct_contents": plan.distinct_contents,
            }
        )
        await self.store.save(edition, revision)
        await self.store.set_last(series.key, eid)
        await self._publish(
            subjects.edition(eid, subjects.EditionChange.BUILT),
            EditionBuilt(
                message_id=uuid.uuid5(_FACTS, f"{eid}:built"),
                edition_id=eid,
                frequency=frequency,
                audience=series.audience,
                period_start=edition.period_start,
                period_end=edition.period_end,
                recipients=edition.recipients,
                associations=edition.associations,
                missions=edition.missions,
                events=edition.events,
            ),
        )
        log.info(
            "edition built",
            extra={
                "edition": eid,
                "recipients": edition.recipients,
                "distinct_contents": plan.distinct_contents,
            },
        )
        await self.finish_if_done(eid)
        return edition

    def _new(
        self, eid: str, series: Series, start: datetime, end: datetime, content: EditionContent
    ) -> Edition:
        return Edition(
            id=eid,
            frequency=series.frequency,
            audience=series.audience,
            state=EditionState.BUILDING,
            period_start=start,
            period_end=end,
            created_at=self._clock.now(),
            subject=self.mails.subject(series, end),
            associations=len(content.associations),
            missions=len(content.missions),
            events=len(content.events),
            items=len(content.items),
        )

    async def _queue(self, eid: str, deliveries: list[Delivery]) -> None:
        gate = asyncio.Semaphore(PUBLISHERS)

        async def put(number: int, chunk: list[Delivery]) -> None:
            async with gate:
                await self.queue.put(
                    DeliveryBatch(
                        message_id=batch_id(eid, number), edition_id=eid, deliveries=tuple(chunk)
                    )
                )

        await asyncio.gather(
            *(
                put(n, deliveries[i : i + BATCH])
                for n, i in enumerate(range(0, len(deliveries), BATCH))
            )
        )

    async def finish_if_done(self, eid: str) -> Edition | None:
        """Once every batch is acknowledged: count the outcomes, publish `EditionSent`."""
        found = await self.store.get(eid)
        if found is None or found[0].state is not EditionState.SENDING:
            return None
        if await self.queue.pending(eid):
            return None
        edition, revision = found
        tally = await self._ledger.tally(eid)
        done = edition.model_copy(
            update={
                "state": EditionState.SENT,
                "delivered": tally[LedgerState.SENT],
                "bounced": tally[LedgerState.BOUNCED],
                "failed": tally[LedgerState.FAILED] + tally[LedgerState.DEFERRED],
                "skipped": tally[LedgerState.SKIPPED],
                "uncertain": tally[LedgerState.SENDING],
                "finished_at": self._clock.now(),
            }
        )
        try:
            await self.store.save(done, revision)
        except KeyWrongLastSequenceError:  # another sender finished it first
            return None
        await self._publish(
            subjects.edition(eid, subjects.EditionChange.SENT),
            EditionSent(
                message_id=uuid.uuid5(_FACTS, f"{eid}:sent"),
                edition_id=eid,
                delivered=done.delivered,
                bounced=done.bounced,
                failed=done.failed,
                skipped=done.skipped,
                uncertain=done.uncertain,
            ),
        )
        log.info("edition sent", extra={"edition": eid, "delivered": done.delivered})
        return done
