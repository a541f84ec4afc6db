"""An in-memory copy of one of our KV buckets, kept current by a KV watch (fast reads only:
every decision re-reads the stored record and writes by compare-and-set)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import ValidationError

from vieasso.common.nats.kv import BucketWatch

log = logging.getLogger(__name__)

T = TypeVar("T")


class Watched(Generic[T]):
    def __init__(self, bucket: str, parse: Callable[[bytes], T]) -> None:
        self.bucket = bucket
        self._parse = parse
        self.items: dict[str, T] = {}
        self._revisions: dict[str, int] = {}
        self._watch = BucketWatch(bucket, self._entry)

    async def start(self, js: JetStreamContext) -> None:
        await self._watch.start(js)

    async def stop(self) -> None:
        await self._watch.stop()

    def known(self, key: str) -> tuple[T, int] | None:
        """The value held for `key` and its revision, as far as this copy knows."""
        value = self.items.get(key)
        return None if value is None else (value, self._revisions[key])

    def apply(self, key: str, value: T | None, revision: int) -> None:
        """A value as of `revision` (None: deleted); older revisions never win."""
        if self._revisions.get(key, 0) >= revision:
            return
        self._revisions[key] = revision
        if value is None:
            self.items.pop(key, None)
        else:
            self.items[key] = value

    def wanted(self, key: str) -> bool:
        """Whether `key` holds one of the items (a bucket may hold other records too)."""
        return True

    def _entry(self, entry: KeyValue.Entry) -> None:
        if not self.wanted(entry.key):
            return
        revision = entry.revision or 0
        if entry.operation in (KV_DEL, KV_PURGE):
            self.apply(entry.key, None, revision)
            return
        if self._revisions.get(entry.key, 0) >= revision:
            return  # our own write, applied already
        try:
            value = self._parse(entry.value or b"")
        except ValidationError:
            log.exception("unreadable value", extra={"bucket": self.bucket, "key": entry.key})
            return
        self.apply(entry.key, value, revision)
