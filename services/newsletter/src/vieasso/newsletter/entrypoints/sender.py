"""The sender: pulls delivery batches from the work queue and sends them.

Any number of instances (the service, `send-digest`) may run: they share one durable
consumer. A batch is acknowledged once every delivery in it reached the ledger's final
state; while it is worked on, `in_progress` keeps JetStream from handing it to another.

`stop()` does not rely on the cancellation alone: nats-py's fetch waits in
`asyncio.wait_for`, which (Python 3.11) swallows a cancellation arriving with a message, and
the loop would go on for ever. The loop also checks `_running`; a batch fetched as it stops
is left unacknowledged, for JetStream to hand out again after `ack_wait`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from nats.aio.msg import Msg
from pydantic import ValidationError

from vieasso.common.messages.newsletter import Delivery, DeliveryBatch
from vieasso.common.tasks import stop_task
from vieasso.newsletter.adapters.queue import DeliveryQueue
from vieasso.newsletter.handlers.deliveries import Deliverer
from vieasso.newsletter.handlers.editions import Editions
from vieasso.newsletter.handlers.rendered import EditionMail

log = logging.getLogger(__name__)

BATCHES_IN_FLIGHT = 8


class Sender:
    def __init__(
        self, queue: DeliveryQueue, deliverer: Deliverer, editions: Editions, concurrency: int
    ) -> None:
        self._queue = queue
        self._deliverer = deliverer
        self._editions = editions
        self._mails = asyncio.Semaphore(concurrency)
        self._batches = asyncio.Semaphore(BATCHES_IN_FLIGHT)
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._running = False

    def start(self) -> None:
        self._running = True
        self._loop = asyncio.create_task(self.run(), name="newsletter-sender")

    async def run(self) -> None:
        while self._running:
            try:
                await self._batches.acquire()
                messages = await self._queue.fetch(1, wait=2.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                self._batches.release()
                log.exception("cannot fetch deliveries; trying again")
                await asyncio.sleep(1.0)
                continue
            if not messages or not self._running:
                self._batches.release()
                continue
            for msg in messages:
                task = asyncio.create_task(self._handle(msg))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _handle(self, msg: Msg) -> None:
        try:  # a failure comes back later, then goes to the dead letters (`redelivery`)
            await self._queue.redelivery.handle(msg, self._handle_batch)
        except Exception:  # not even a nak went out: redelivered after the ack wait
            log.exception("delivery batch left to its ack wait")
        finally:
            self._batches.release()

    async def _handle_batch(self, msg: Msg) -> None:
        try:
            batch = DeliveryBatch.model_validate_json(msg.data)
        except ValidationError as exc:
            log.warning("unreadable delivery batch dead-lettered")
            await self._queue.dead_letter(msg, f"not a delivery batch: {_first(exc)}")
            await msg.term()
            return
        mail = await self._editions.mails.mail(batch.edition_id)
        if mail is None:
            log.warning("batch of an unknown edition dead-lettered")
            await self._queue.dead_letter(msg, f"unknown edition {batch.edition_id!r}")
            await msg.term()
            return
        heartbeat = asyncio.create_task(keep_alive(msg, self._queue.ack_wait / 3))
        try:
            await asyncio.gather(*(self._one(mail, d) for d in batch.deliveries))
        finally:
            heartbeat.cancel()
        await msg.ack_sync()
        await self._editions.finish_if_done(batch.edition_id)

    async def _one(self, mail: EditionMail, delivery: Delivery) -> None:
        async with self._mails:
            await self._deliverer.deliver(mail, delivery)

    async def stop(self) -> None:
        """Stop taking batches; let the ones in hand finish (or be redelivered)."""
        self._running = False
        await stop_task(self._loop)
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"


async def keep_alive(msg: Msg, every: float) -> None:
    """Tell JetStream every `every` seconds that `msg` is still being worked on."""
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(Exception):
            await msg.in_progress()
