"""The deliveries work queue (stream ``NEWSLETTER_DELIVERIES``).

Builders publish `DeliveryBatch`es (deterministic message ids: a rebuild within the
duplicate window is dropped by the server); every sender instance pulls from one durable
consumer, so each batch goes to one of them at a time. A batch stays in the stream until
acknowledged: a sender that dies leaves it to be redelivered after `ACK_WAIT`. One that
keeps failing is retried with a growing delay, then dead-lettered (`redelivery`, whose
`MAX_DELIVER` the consumer is declared with).
"""

from __future__ import annotations

import contextlib
import uuid

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from vieasso.common import subjects
from vieasso.common.messages.newsletter import DeliveryBatch
from vieasso.common.nats.deadletter import publish_dead_letter
from vieasso.common.nats.redelivery import MAX_DELIVER, Redelivery

SERVICE = "newsletter"
STREAM = "NEWSLETTER_DELIVERIES"
CONSUMER = "newsletter-sender"
ACK_WAIT = 60.0  # seconds (default); senders send `in_progress` while on a batch
RETRY_DELAY = 5.0  # seconds before a failed batch comes back, doubling with each delivery
_NAMESPACE = uuid.UUID("1c3f5d0e-8b0a-4f6e-9e52-3b7d1f0a9c21")


def batch_id(edition_id: str, number: int) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{edition_id}:{number}")


def consumer_config(ack_wait: float = ACK_WAIT) -> ConsumerConfig:
    """The senders' durable consumer: a batch is delivered `MAX_DELIVER` times at most."""
    return ConsumerConfig(
        durable_name=CONSUMER,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ack_wait,
        max_ack_pending=1000,
        max_deliver=MAX_DELIVER,
        filter_subject=subjects.DELIVERIES_ALL,
    )


class DeliveryQueue:
    def __init__(self, js: JetStreamContext, ack_wait: float = ACK_WAIT) -> None:
        self._js = js
        self.ack_wait = ack_wait
        self.redelivery = Redelivery(js, SERVICE, retry_delay=RETRY_DELAY)
        self._sub: JetStreamContext.PullSubscription | None = None

    async def put(self, batch: DeliveryBatch) -> None:
        await self._js.publish(
            subjects.delivery(batch.edition_id),
            batch.model_dump_json().encode(),
            stream=STREAM,
            headers={"Nats-Msg-Id": str(batch.message_id)},
        )

    async def pending(self, edition_id: str) -> int:
        """Batches of the edition not yet acknowledged (queued or being sent)."""
        subject = subjects.delivery(edition_id)
        info = await self._js.stream_info(STREAM, subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))

    async def fetch(self, count: int, wait: float) -> list[Msg]:
        if self._sub is None:
            config = consumer_config(self.ack_wait)
            await self._js.add_consumer(STREAM, config)  # creates, or updates the settings
            self._sub = await self._js.pull_subscribe_bind(CONSUMER, stream=STREAM)
        try:
            return await self._sub.fetch(count, timeout=wait)
        except (NatsTimeout, TimeoutError):  # nats-py raises either
            return []

    async def dead_letter(self, msg: Msg, error: str) -> None:
        """Keep a batch that can never be sent on the dead-letter stream, with why."""
        await publish_dead_letter(self._js, SERVICE, msg, error)

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
