"""Departures of subscribers as facts on the ``NEWSLETTER`` stream, and reading them back.

``newsletter.subscribers.<id>.unsubscribed`` / ``.suspended`` / ``.erased`` (`SubscriberLeft`:
the random id and the record's generation, no address). The stream outlives what a backup
restore puts back (docs/deploy.md, "Restoring": the restore keeps the server's
``NEWSLETTER``), so the newsletter can apply again, at start, what a restored bucket lacks.
"""

from __future__ import annotations

import logging

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError

from vieasso.common import subjects
from vieasso.common.messages.newsletter import SubscriberLeft
from vieasso.common.nats.publish import Publish
from vieasso.common.nats.replay import StreamReplay
from vieasso.common.subjects import Departure
from vieasso.newsletter.domain.subscriber import Subscriber

log = logging.getLogger(__name__)

STREAM = "NEWSLETTER"
# id → (departure, generation): an erasure wins, otherwise the highest generation
Latest = dict[str, tuple[Departure, int]]


class Departures:
    def __init__(self, js: JetStreamContext, publish: Publish) -> None:
        self._js = js
        self._publish = publish

    async def record(self, subscriber: Subscriber, departure: Departure) -> None:
        """Publish the fact (acknowledged by JetStream, or raises `PublishError`)."""
        fact = SubscriberLeft(
            subscriber_id=subscriber.id, departure=departure, generation=subscriber.generation
        )
        await self._publish(subjects.departure(subscriber.id, departure), fact)

    async def latest(self) -> Latest:
        """Every subscriber's last departure, read from the stream's first message."""
        latest: Latest = {}

        def take(msg: Msg) -> None:
            try:
                fact = SubscriberLeft.model_validate_json(msg.data)
            except ValidationError:
                log.warning("unreadable departure skipped", extra={"subject": msg.subject})
                return
            known = latest.get(fact.subscriber_id)
            if known is None or _after(fact.departure, fact.generation, known):
                latest[fact.subscriber_id] = (fact.departure, fact.generation)

        replay = StreamReplay(self._js, STREAM, subjects.DEPARTURES_ALL, take)
        try:
            await replay.catch_up()
        finally:
            await replay.close()
        return latest


def _after(departure: Departure, generation: int, known: tuple[Departure, int]) -> bool:
    if known[0] is Departure.ERASED:
        return False
    return departure is Departure.ERASED or generation >= known[1]
