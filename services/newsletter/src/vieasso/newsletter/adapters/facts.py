"""Replays the directory and agenda facts into the digest's index, then follows them.

The index lives in memory and is rebuilt from JetStream at every start (SPEC §2), so the
consumers are ephemeral pull consumers reading each stream from its first message; health
turns 200 only once both are caught up. A consumer lost with the server is recreated from
the next sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import Error as JsError

from vieasso.common import subjects

log = logging.getLogger(__name__)

Apply = Callable[[str, bytes], None]
FEEDS = (("ANNUAIRE", "annuaire.>"), ("AGENDA", subjects.EVENTS_ALL))
BATCH = 500


class _Feed:
    def __init__(self, js: JetStreamContext, stream: str, subject: str, apply: Apply) -> None:
        self._js = js
        self._stream = stream
        self._subject = subject
        self._apply = apply
        self._next_seq = 1
        self._sub: JetStreamContext.PullSubscription | None = None

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

    def _take(self, msg: Msg) -> int:
        meta = msg.metadata
        self._next_seq = meta.sequence.stream + 1
        try:
            self._apply(msg.subject, msg.data)
        except Exception:
            log.exception("fact skipped", extra={"subject": msg.subject})
        pending: int = meta.num_pending
        return pending

    async def catch_up(self) -> None:
        sub = await self._subscribe()
        if (await sub.consumer_info()).num_pending == 0:
            return
        while True:
            try:
                messages = await sub.fetch(BATCH, timeout=1.0)
            except NatsTimeout:
                info = await sub.consumer_info()
                if info.num_pending == 0:
                    return
                continue
            pending = 0
            for msg in messages:
                pending = self._take(msg)
            if pending == 0:
                return

    async def close(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None

    async def follow(self) -> None:
        while True:
            try:
                sub = self._sub or await self._subscribe()
                for msg in await sub.fetch(BATCH, timeout=5.0):
                    self._take(msg)
            except NatsTimeout:
                continue
            except (JsError, OSError) as exc:  # consumer gone with a server restart, etc.
                log.warning("facts consumer lost, recreating", extra={"error": repr(exc)})
                self._sub = None
                await asyncio.sleep(1.0)


class FactsFeed:
    def __init__(self, js: JetStreamContext, apply: Apply) -> None:
        self._feeds = [_Feed(js, stream, subject, apply) for stream, subject in FEEDS]
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Replay everything, then follow in the background."""
        for feed in self._feeds:
            await feed.catch_up()
        self._tasks = [asyncio.create_task(feed.follow()) for feed in self._feeds]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for feed in self._feeds:
            await feed.close()
