"""The `agenda_events` KV bucket: canonical events by `<slug>.<event_id>`, written by CAS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import ValidationError

from vieasso.agenda.domain.model import StoredEvent

log = logging.getLogger(__name__)

BUCKET = "agenda_events"


class ConcurrentWrite(RuntimeError):
    """Someone wrote the key since we read it: read again and decide again."""


class EventStore:
    """Reads and writes `agenda_events`; every write names the revision it replaces."""

    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv
        self._watcher: KeyValue.KeyWatcher | None = None
        self._follow: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, js: JetStreamContext) -> EventStore:
        return cls(await js.key_value(BUCKET))

    async def get(self, key: str) -> tuple[StoredEvent, int] | None:
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:
            return None
        if entry.value is None:
            return None
        return StoredEvent.model_validate_json(entry.value), entry.revision or 0

    async def save(self, record: StoredEvent, revision: int | None) -> int:
        """Write `record` if the key is still at `revision` (None: must not exist)."""
        value = record.model_dump_json().encode()
        try:
            if revision is None:
                return await self._kv.create(record.key, value)
            return await self._kv.update(record.key, value, last=revision)
        except KeyWrongLastSequenceError as exc:
            raise ConcurrentWrite(record.key) from exc

    async def load(self, apply: Callable[[StoredEvent, int], None]) -> int:
        """Call `apply` for every stored event (latest value per key); returns the count.

        The watch stays open: `follow` then applies every later write (ours and others').
        """
        self._watcher = watcher = await self._kv.watchall()
        count = 0
        while True:
            entry = await watcher.updates(timeout=_LOAD_TIMEOUT)  # type: ignore[no-untyped-call]
            if entry is None:
                break
            if _apply(entry, apply):
                count += 1
            if count % 5000 == 0:
                await asyncio.sleep(0)
        return count

    def follow(
        self, apply: Callable[[StoredEvent, int], None], *, known: Callable[[str, int], bool]
    ) -> None:
        """Apply later writes in the background; `known` skips our own (already applied)."""
        watcher = self._watcher
        if watcher is None:
            raise RuntimeError("load() first")

        async def run() -> None:
            async for entry in watcher:
                if entry is not None and not known(entry.key, entry.revision or 0):
                    _apply(entry, apply)

        self._follow = asyncio.create_task(run(), name="agenda-events-follow")

    async def close(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follow
        if self._watcher is not None:
            with contextlib.suppress(Exception):
                await self._watcher.stop()  # type: ignore[no-untyped-call]


_LOAD_TIMEOUT = 30.0


def _apply(entry: KeyValue.Entry, apply: Callable[[StoredEvent, int], None]) -> bool:
    if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
        return False
    try:
        record = StoredEvent.model_validate_json(entry.value)
    except ValidationError:
        log.exception("unreadable event in %s key %s", BUCKET, entry.key)
        return False
    apply(record, entry.revision or 0)
    return True
