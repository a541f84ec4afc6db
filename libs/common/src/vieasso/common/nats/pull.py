"""A durable JetStream pull consumer that hands every message to a handler, many in flight.

What it does, per the JetStream pull protocol: it sends one pull request at a time
(`$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>`, asking for as many messages as there are free
slots, lingering `expires` seconds when the stream is empty) to its own inbox, and a
subscription callback starts one task per message delivered there. The handler acknowledges
(or naks) each message itself; at most `max_in_flight` are being handled at once.

Why not FastStream's subscriber or nats-py's `fetch()`: on the agenda's hot path (B1), their
per-message machinery cost more CPU than validating the submission. `fetch()` makes two
tasks, a `uuid4` and a timer per message (`Subscription.next_msg`); FastStream adds its
middleware, dependency resolution and task group on top. Here a message costs one task.

A request ends when all its messages came, when the server says it expired or was cut
(status 408/409), or when nothing at all came back in time (lost with a reconnection): the
next one is sent then, and the consumer is declared again first when it may be gone.

A handler that raises gets its message back later, and a message delivered more than
`attempts` times goes to the dead-letter stream instead of the handler (`redelivery`): the
consumer's `max_deliver` must leave room for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, Header

from vieasso.common.nats.redelivery import ATTEMPTS, Handler, Redelivery
from vieasso.common.tasks import stop_task

__all__ = ["Handler", "PullConsumer"]

log = logging.getLogger(__name__)

_STATUS = "Status"
_HEARTBEAT = "100"
_NO_RESPONDERS = "503"
_CONSUMER_GONE = ("consumer deleted", "consumer not found")


class PullConsumer:
    """Consume `stream` through the durable consumer `config` describes (created if missing).

    Messages come to an inbox of the connection (`Client.new_inbox`: under the connection's
    inbox prefix, which the service's NATS user may read). The handler acknowledges each;
    `service` names the dead letters (``deadletter.<service>.<subject>``).
    """

    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        *,
        stream: str,
        config: ConsumerConfig,
        handler: Handler,
        service: str,
        attempts: int = ATTEMPTS,
        retry_delay: float = 2.0,
        max_in_flight: int = 500,
        expires: float = 5.0,
    ) -> None:
        if not config.durable_name:
            raise ValueError("a durable consumer is needed (config.durable_name)")
        if config.max_deliver is None or config.max_deliver <= attempts:
            raise ValueError("config.max_deliver must leave deliveries to dead-letter")
        self._nc = nc
        self._js = js
        self._stream = stream
        self._config = config
        self._handler = handler
        self._redelivery = Redelivery(js, service, attempts=attempts, retry_delay=retry_delay)
        self._inbox = nc.new_inbox()
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{config.durable_name}"
        self._max = max_in_flight
        self._expires = expires
        self._in_flight = 0
        self._owed = 0  # messages the current pull request may still bring
        self._wake = asyncio.Event()  # a request ended, or slots were freed
        self._refill = max(1, max_in_flight // 4)  # ask again once a quarter is free
        self._deadline = 0.0  # when the current request should have ended, at the latest
        self._declare = True
        self._tasks: set[asyncio.Task[None]] = set()
        self._sub: Subscription | None = None
        self._loop_task: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def start(self) -> None:
        await self._js.add_consumer(self._stream, self._config)
        self._declare = False
        self._sub = await self._nc.subscribe(
            self._inbox, cb=self._on_message, pending_msgs_limit=-1, pending_bytes_limit=-1
        )
        self._loop_task = asyncio.create_task(self._pull(), name=f"pull-{self._next}")

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop asking for messages, then let those being handled finish (up to `grace` seconds);
        any still unacknowledged is redelivered by the server after its ack wait."""
        await stop_task(self._loop_task)
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)

    async def _pull(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._owed > 0:  # wait for the current request to end
                self._wake.clear()
                remaining = self._deadline - loop.time()
                if remaining > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), remaining)
                    continue
                log.warning("%s: no answer to a pull request; asking again", self._next)
                self._owed = 0
                self._declare = True
            free = self._max - self._in_flight
            if free < self._refill:  # wait for slots
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                if self._declare:
                    await self._js.add_consumer(self._stream, self._config)
                    self._declare = False
                request = {"batch": free, "expires": int(self._expires * 1e9)}
                self._owed = free
                self._deadline = loop.time() + self._expires + 2.0
                await self._nc.publish(self._next, json.dumps(request).encode(), self._inbox)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: pull request failed; retrying in 1 s", self._next)
                self._owed = 0
                await asyncio.sleep(1.0)

    async def _on_message(self, msg: Msg) -> None:
        status = msg.headers.get(_STATUS) if msg.headers else None
        if status is not None:
            # 404/408: the request expired; 409: it was cut short; 503: no consumer there
            if status != _HEARTBEAT:
                headers = msg.headers or {}
                description = str(headers.get(Header.DESCRIPTION, "")).lower()
                if status == _NO_RESPONDERS or description.startswith(_CONSUMER_GONE):
                    self._declare = True
                self._end_request()
            return
        self._owed = max(0, self._owed - 1)
        if self._owed == 0:
            self._end_request()
        self._in_flight += 1
        task = asyncio.create_task(self._handle(msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, msg: Msg) -> None:
        try:
            await self._redelivery.handle(msg, self._handler)
        except Exception:  # not even a nak went out: the server redelivers after ack_wait
            log.exception("%s: message left to its ack wait", self._next)
        finally:
            self._in_flight -= 1
            if self._owed == 0 and self._max - self._in_flight >= self._refill:
                self._wake.set()

    def _end_request(self) -> None:
        self._owed = 0
        self._wake.set()
