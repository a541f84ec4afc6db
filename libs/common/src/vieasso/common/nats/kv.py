"""Reading KV buckets: every current value in one pass, and watches that then follow changes.

nats-py's watcher signals "caught up" with a `None` marker decided from the consumer's
pending count, which can come *before* entries the server already pushed (the count is 0
once everything is in flight). So the end is taken from the entries themselves: the last
one has `delta` (pending after it) 0; a marker with nothing after it within `GRACE` means
the pattern matches nothing if the consumer never delivered anything.

`read_last` and `write_if` are one key's compare-and-set with a per-message TTL (which
nats-py's `KeyValue.update` cannot set): the shared rate limits and the leases use them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import Header
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from vieasso.common.tasks import stop_task

GRACE = 0.25  # seconds
TIMEOUT = 30.0
WRONG_LAST = (10071, 10164)  # JetStream: wrong last (subject) sequence


async def read_last(kv: KeyValue, key: str) -> tuple[bytes | None, int]:
    """The value under `key` (None: none, deleted or lapsed) and the revision it was read at
    (0: nothing there ever, or nothing left), for `write_if`."""
    try:
        entry = await kv.get(key)
    except KeyNotFoundError as missing:  # none yet, or deleted
        marker = getattr(missing, "entry", None)  # the deletion's revision
        return None, (marker.revision or 0) if marker is not None else 0
    return entry.value or b"", entry.revision or 0


async def write_if(  # noqa: PLR0917 - one write's parts
    js: JetStreamContext, bucket: str, key: str, value: bytes, last: int, ttl: float | None = None
) -> int | None:
    """Store `value` under `key` if the key is still at revision `last` (compare-and-set),
    lapsing after `ttl` whole seconds if given; its new revision, None when it had moved."""
    try:
        ack = await js.publish(
            f"$KV.{bucket}.{key}",
            value,
            headers={Header.EXPECTED_LAST_SUBJECT_SEQUENCE: str(last)},
            msg_ttl=ttl,
        )
    except NatsError as exc:
        if getattr(exc, "err_code", None) in WRONG_LAST:
            return None
        raise
    return ack.seq


async def catch_up(watcher: KeyValue.KeyWatcher) -> AsyncIterator[KeyValue.Entry]:
    """Entries (deletes included) until the watcher has delivered the current state."""
    seen = False
    while True:
        try:
            entry = await watcher.updates(timeout=TIMEOUT if seen else GRACE)  # type: ignore[no-untyped-call]
        except (NatsTimeout, TimeoutError):  # nats-py raises either
            if seen or not await _empty(watcher):
                if seen:
                    raise
                continue
            return
        if entry is None:
            if not seen and await _empty(watcher):
                return  # an empty pattern: no need to wait for the grace period
            continue
        seen = True
        yield entry
        if not entry.delta:
            return


async def _empty(watcher: KeyValue.KeyWatcher) -> bool:
    """Nothing was or will be delivered (the watcher's consumer says so)."""
    sub = watcher._sub  # nats-py exposes no other way to the watcher's consumer
    if sub is None:
        return True
    info = await sub.consumer_info()
    return bool(info.num_pending == 0 and info.delivered.consumer_seq == 0)


async def scan(
    kv: KeyValue, pattern: str, *, meta_only: bool = False
) -> AsyncIterator[KeyValue.Entry]:
    """Yield the latest entry of every key matching `pattern` (deleted keys skipped)."""
    watcher = await kv.watch(pattern, meta_only=meta_only)
    try:
        async for entry in catch_up(watcher):
            if entry.operation not in (KV_DEL, KV_PURGE):
                yield entry
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]


class BucketWatch:
    """Feeds `on_entry` every current entry of a bucket (deletes included), then every change.

    `start` returns once the current state has been delivered (see `catch_up`); the changes
    after it arrive from a background task until `stop`.
    """

    def __init__(self, bucket: str, on_entry: Callable[[KeyValue.Entry], None]) -> None:
        self.bucket = bucket
        self._on_entry = on_entry
        self._watcher: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, js: JetStreamContext) -> None:
        kv = await js.key_value(self.bucket)
        self._watcher = await kv.watchall()
        async for entry in catch_up(self._watcher):
            self._on_entry(entry)
        self._task = asyncio.create_task(self._follow(), name=f"watch-{self.bucket}")

    async def _follow(self) -> None:
        async for entry in self._watcher:
            if entry is not None:
                self._on_entry(entry)

    async def stop(self) -> None:
        await stop_task(self._task)
        if self._watcher is not None:
            with contextlib.suppress(Exception):
                await self._watcher.stop()
