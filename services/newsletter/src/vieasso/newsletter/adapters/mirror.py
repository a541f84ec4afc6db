"""An in-memory, always-current copy of who is subscribed (ids, addresses, preferences).

Builders read it to know who gets an edition; senders read the address at send time, so
that an unsubscription or an erasure made after the edition was built is respected.
Compact on purpose: B5 keeps 100,000 subscribers in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import ValidationError

from vieasso.newsletter.adapters.kvscan import catch_up
from vieasso.newsletter.adapters.subscribers import RECORD_PREFIX
from vieasso.newsletter.domain.subscriber import Preferences, Subscriber, SubscriberState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reader:
    email: str
    state: SubscriberState
    preferences: Preferences

    @property
    def active(self) -> bool:
        return self.state is SubscriberState.ACTIVE


class SubscriberMirror:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self.readers: dict[str, Reader] = {}
        self._preferences: dict[Preferences, Preferences] = {}
        self._watcher: KeyValue.KeyWatcher | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._watcher = await self._kv.watch(f"{RECORD_PREFIX}*")
        async for entry in catch_up(self._watcher):
            self._apply(entry)
        self._task = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        if self._watcher is None:
            return
        async for entry in self._watcher:
            if entry is not None:
                self._apply(entry)

    def _apply(self, entry: KeyValue.Entry) -> None:
        subscriber_id = entry.key[len(RECORD_PREFIX) :]
        if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
            self.readers.pop(subscriber_id, None)
            return
        try:
            subscriber = Subscriber.model_validate_json(entry.value)
        except ValidationError:
            log.exception("unreadable subscriber record", extra={"subscriber": subscriber_id})
            return
        preferences = self._preferences.setdefault(subscriber.preferences, subscriber.preferences)
        self.readers[subscriber_id] = Reader(subscriber.email, subscriber.state, preferences)

    def get(self, subscriber_id: str) -> Reader | None:
        return self.readers.get(subscriber_id)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._watcher is not None:
            with contextlib.suppress(Exception):
                await self._watcher.stop()  # type: ignore[no-untyped-call]
