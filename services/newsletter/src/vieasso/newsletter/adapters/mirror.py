"""An in-memory, always-current copy of who is subscribed (ids, addresses, preferences).

Builders read it to know who gets an edition; senders read the address at send time, so
that an unsubscription or an erasure made after the edition was built is respected.
Compact on purpose: B5 keeps 100,000 subscribers in memory. Read from the bucket's stream
in bounded batches (`StreamReplay`; the bucket keeps one revision per key).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_OP, KV_PURGE
from pydantic import ValidationError

from vieasso.common.nats.replay import StreamReplay
from vieasso.common.tasks import stop_task
from vieasso.newsletter.adapters.subscribers import BUCKET, RECORD_PREFIX
from vieasso.newsletter.domain.subscriber import Preferences, Subscriber, SubscriberState

log = logging.getLogger(__name__)

STREAM = f"KV_{BUCKET}"
PREFIX = f"$KV.{BUCKET}."
SETTLE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Reader:
    email: str
    state: SubscriberState
    preferences: Preferences

    @property
    def active(self) -> bool:
        return self.state is SubscriberState.ACTIVE


class SubscriberMirror:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self.readers: dict[str, Reader] = {}
        self._preferences: dict[Preferences, Preferences] = {}
        self._replay = StreamReplay(js, STREAM, f"{PREFIX}{RECORD_PREFIX}*", self._apply)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._replay.catch_up()
        self._task = asyncio.create_task(self._replay.follow())

    def _apply(self, msg: Msg) -> None:
        subscriber_id = msg.subject[len(PREFIX) + len(RECORD_PREFIX) :]
        operation = (msg.headers or {}).get(KV_OP)
        if operation in (KV_DEL, KV_PURGE) or not msg.data:
            self.readers.pop(subscriber_id, None)
            return
        try:
            subscriber = Subscriber.model_validate_json(msg.data)
        except ValidationError:
            log.exception("unreadable subscriber record", extra={"subscriber": subscriber_id})
            return
        preferences = self._preferences.setdefault(subscriber.preferences, subscriber.preferences)
        self.readers[subscriber_id] = Reader(subscriber.email, subscriber.state, preferences)

    def get(self, subscriber_id: str) -> Reader | None:
        return self.readers.get(subscriber_id)

    async def settle(self) -> None:
        """Wait until the mirror has read every record written so far (the start's own
        writes, before any edition is built from it)."""
        last = (await self._js.stream_info(STREAM)).state.last_seq
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        while self._replay.next_seq <= last:
            if loop.time() > deadline:
                log.warning("subscriber mirror still behind its bucket", extra={"seq": last})
                return
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._replay.halt()
        await stop_task(self._task)
        await self._replay.close()
