"""Reading a stream from its first message into memory, then following it.

Ephemeral pull consumers, fetched in bounded batches (memory stays flat however long the
stream is, unlike a push watcher that buffers what the server sends ahead); `catch_up`
returns once the consumer has nothing pending. A consumer lost with the server is
recreated from the next sequence. `halt()` before cancelling the `follow()` task: nats-py's
fetch can swallow a cancellation (see the newsletter's entrypoints/sender.py), the flag
cannot be missed.

Every replica replays the same stream into the same state, so an index built this way is
the same on all of them (a shared durable consumer would split the messages between them).
A message `apply` cannot take (malformed, or a bug) is skipped and logged, and handed to
`reject` when one is given (a dead letter: the replay never stalls on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import Error as JsError

log = logging.getLogger(__name__)

Apply = Callable[[Msg], None]
Reject = Callable[[Msg, str], Awaitable[None]]
BATCH = 500


class StreamReplay:
    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        subject: str,
        apply: Apply,
        reject: Reject | None = None,
    ) -> None:
        self._js = js
        self._stream = stream
        self._subject = subject
        self._apply = apply
        self._reject = reject
        self._next_seq = 1
        self._sub: JetStreamContext.PullSubscription | None = None
        self._halted = False

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        config = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=self._next_seq,
            inactive_threshold=300.0,
            mem_storage=True,
        )
        self._sub = await self._js.pull_subscribe(self._subject, stream=self._stream, config=config)
        return self._sub

    @property
    def next_seq(self) -> int:
        """The stream sequence of the next message to read."""
        return self._next_seq

    async def _take(self, msg: Msg) -> int:
        meta = msg.metadata
        self._next_seq = meta.sequence.stream + 1
        try:
            self._apply(msg)
        except Exception as exc:
            log.exception("message skipped", extra={"stream": self._stream})
            if self._reject is not None:
                try:
                    await self._reject(msg, repr(exc))
                except Exception:
                    log.exception("rejection failed", extra={"stream": self._stream})
        pending: int = meta.num_pending
        return pending

    async def catch_up(self) -> None:
        sub = await self._subscribe()
        if (await sub.consumer_info()).num_pending == 0:
            return
        while True:
            try:
                messages = await sub.fetch(BATCH, timeout=1.0)
            except (NatsTimeout, TimeoutError):  # nats-py raises either
                info = await sub.consumer_info()
                if info.num_pending == 0:
                    return
                continue
            pending = 0
            for msg in messages:
                pending = await self._take(msg)
            if pending == 0:
                return

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    def halt(self) -> None:
        """Make `follow()` return after its current fetch."""
        self._halted = True

    async def follow(self) -> None:
        while not self._halted:
            try:
                sub = self._sub or await self._subscribe()
                for msg in await sub.fetch(BATCH, timeout=5.0):
                    await self._take(msg)
            except (NatsTimeout, TimeoutError):  # nats-py raises either
                continue
            except (JsError, OSError) as exc:  # consumer gone with a server restart, etc.
                log.warning("consumer of %s lost (%r), recreating", self._stream, exc)
                self._sub = None
                await asyncio.sleep(1.0)
