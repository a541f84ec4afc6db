"""The `agenda_events` KV bucket: canonical events by `<slug>.<event_id>`, written by CAS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KV_DEL, KV_OP, KV_PURGE, KeyValue

from vieasso.agenda.domain.model import StoredEvent

log = logging.getLogger(__name__)

BUCKET = "agenda_events"


def encode(record: StoredEvent) -> bytes:
    """The stored JSON: fields at their default are left out (a third smaller in memory)."""
    return record.model_dump_json(exclude_defaults=True).encode()


class ConcurrentWrite(RuntimeError):
    """Someone wrote the key since we read it: read again and decide again."""


class EventStore:
    """Reads and writes `agenda_events`; every write names the revision it replaces."""

    def __init__(self, kv: KeyValue, js: JetStreamContext) -> None:
        self._kv = kv
        self._js = js
        self._subscription: JetStreamContext.PushSubscription | None = None

    @classmethod
    async def open(cls, js: JetStreamContext) -> EventStore:
        return cls(await js.key_value(BUCKET), js)

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
        value = encode(record)
        try:
            if revision is None:
                return await self._kv.create(record.key, value)
            return await self._kv.update(record.key, value, last=revision)
        except KeyWrongLastSequenceError as exc:
            raise ConcurrentWrite(record.key) from exc

    async def load(self, apply: Callable[[bytes, int], None], *, known: Known) -> int:
        """Call `apply(value, revision)` for the latest value of every key; returns the count.

        One ordered consumer (last value per key, then every later write) stays open: after
        the initial load it applies later writes too, skipping those `known` already holds
        (our own). A callback per message, no per-message queue: 50,000 events load in about
        a second.
        """
        info = await self._js.stream_info(f"KV_{BUCKET}")
        remaining = int(info.state.messages)
        loaded = asyncio.Event()
        count = 0
        if remaining == 0:
            loaded.set()

        async def on_message(msg: Msg) -> None:
            nonlocal count
            meta = msg.metadata
            key = msg.subject[len(_PREFIX) :]
            revision = int(meta.sequence.stream)
            deleted = (msg.headers or {}).get(KV_OP) in (KV_DEL, KV_PURGE)
            if msg.data and not deleted and not known(key, revision):
                try:
                    apply(msg.data, revision)
                    count += 1
                except (ValueError, KeyError, TypeError):
                    log.exception("unreadable event in %s key %s", BUCKET, key)
            if not loaded.is_set() and meta.num_pending == 0:
                loaded.set()

        self._subscription = await self._js.subscribe(
            f"{_PREFIX}>",
            cb=on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
            pending_msgs_limit=-1,
            pending_bytes_limit=-1,
        )
        await asyncio.wait_for(loaded.wait(), timeout=_LOAD_TIMEOUT)
        return count

    async def close(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()


Known = Callable[[str, int], bool]
_PREFIX = f"$KV.{BUCKET}."
_LOAD_TIMEOUT = 60.0
