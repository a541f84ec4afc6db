"""The `agenda_events` KV bucket: canonical events by `<slug>.<event_id>`, written by CAS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from functools import partial

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamInfo
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
        self.seen = 0

    @classmethod
    async def open(cls, js: JetStreamContext) -> EventStore:
        return cls(await js.key_value(BUCKET), js)

    async def stream_info(self) -> StreamInfo:
        """The bucket's stream: its creation time and last sequence (for the snapshot)."""
        return await self._js.stream_info(f"KV_{BUCKET}")

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

    async def load(
        self,
        apply: Callable[[bytes, int], None],
        *,
        known: Known,
        forget: Callable[[str, int], None],
        after: int = 0,
        info: StreamInfo | None = None,
    ) -> int:
        """Call `apply(value, revision)` for the latest value of every key; returns the count.

        With `after` (the stream sequence a snapshot of the catalog covers), only later writes
        are read. One ordered consumer stays open: after the initial load it applies later
        writes too, skipping those `known` already holds (our own); a deleted key is passed
        to `forget`. A callback per message, no per-message queue. `seen` is then the stream
        sequence up to which every write has been applied (what a snapshot records). `info`:
        the bucket's stream as the caller just read it (read here otherwise).
        """
        info = info or await self.stream_info()
        loaded = asyncio.Event()
        count = 0
        if info.state.messages == 0 or info.state.last_seq <= after:
            loaded.set()
        self.seen = after

        async def on_message(msg: Msg) -> None:
            nonlocal count
            # The reply subject is $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.
            # <consumer seq>.<timestamp>.<pending>: cheaper to split than `msg.metadata`.
            tokens = msg.reply.split(".")
            revision = int(tokens[-4])
            key = msg.subject[len(_PREFIX) :]
            deleted = (msg.headers or {}).get(KV_OP) in (KV_DEL, KV_PURGE)
            if deleted:
                forget(key, revision)
            elif msg.data and not known(key, revision):
                try:
                    apply(msg.data, revision)
                    count += 1
                except (ValueError, KeyError, TypeError):
                    log.exception("unreadable event in %s key %s", BUCKET, key)
            self.seen = max(self.seen, revision)
            if not loaded.is_set() and tokens[-1] == "0":
                loaded.set()

        subscribe = partial(
            self._js.subscribe,
            f"{_PREFIX}>",
            cb=on_message,
            ordered_consumer=True,
            pending_msgs_limit=-1,
            pending_bytes_limit=-1,
        )
        if after:
            config = ConsumerConfig(
                deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=after + 1
            )
        else:
            config = ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT)
        sub = await subscribe(config=config)
        self._subscription = sub
        await self._until_caught_up(sub, loaded)
        return count

    @staticmethod
    async def _until_caught_up(
        sub: JetStreamContext.PushSubscription, loaded: asyncio.Event
    ) -> None:
        """Wait for the last pending write (or for the consumer to say nothing is pending)."""
        deadline = asyncio.get_running_loop().time() + _LOAD_TIMEOUT
        while not loaded.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(loaded.wait(), timeout=0.5)
                return
            info = await sub.consumer_info()
            delivered = info.delivered.stream_seq if info.delivered is not None else 0
            if info.num_pending == 0 and delivered == 0:
                return  # nothing was there to deliver (every later write was removed)
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{BUCKET}: still loading after {_LOAD_TIMEOUT:.0f} s")

    async def close(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()


Known = Callable[[str, int], bool]
_PREFIX = f"$KV.{BUCKET}."
_LOAD_TIMEOUT = 60.0
