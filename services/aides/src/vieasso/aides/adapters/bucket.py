"""One of our KV buckets and its in-memory mirror, for records of one pydantic model under
``<prefix><id>`` keys (``scheme.<id>`` in ``aides_schemes``, ``association.<slug>`` in
``aides_follows``).

Every write is a compare-and-set on the key's revision (`create` for a new key), so two
writers never overwrite each other; the mirror is loaded at start, follows the bucket with a
watch (the `demo` and `sync` commands write from another process), takes our own writes at
once, and never goes back to an older revision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Generic, TypeVar

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import BaseModel, ValidationError

from vieasso.aides.domain.errors import StaleRecord
from vieasso.common.nats.kv import BucketWatch

log = logging.getLogger(__name__)

V = TypeVar("V", bound=BaseModel)


class StorageError(RuntimeError):
    """JetStream did not answer or refused the write: nothing is known to be saved."""


@dataclass(frozen=True, slots=True)
class Versioned(Generic[V]):
    """A value with the revision it was stored at (the `last` of the next write)."""

    value: V
    revision: int


class WatchedBucket(Generic[V]):
    def __init__(self, bucket: str, prefix: str, model: type[V]) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.model = model
        self.items: dict[str, Versioned[V]] = {}  # by id (the key without its prefix)
        self._kv: KeyValue | None = None
        self._watch = BucketWatch(bucket, self._on_entry)

    async def open(self, js: JetStreamContext) -> None:
        """Load the whole bucket, then follow it (once: a start-up retried opens nothing)."""
        if self._kv is not None:
            return
        kv = await js.key_value(self.bucket)
        await self._watch.start(js)
        self._kv = kv

    async def close(self) -> None:
        await self._watch.stop()

    def get(self, record_id: str) -> Versioned[V] | None:
        return self.items.get(record_id)

    async def fetch(self, record_id: str) -> Versioned[V] | None:
        """The stored record, from the server (the mirror may be a moment behind another
        process's write); the mirror takes it too."""
        if self._kv is None:
            raise StorageError(f"{self.bucket} not open")
        key = f"{self.prefix}{record_id}"
        try:
            entry = await self._kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        except NatsError as exc:
            raise StorageError(f"{self.bucket}/{key}: {exc!r}") from exc
        value = self.model.model_validate_json(entry.value or b"")
        self._apply(record_id, value, entry.revision or 0)
        return Versioned(value, entry.revision or 0)

    def values(self) -> list[V]:
        return [item.value for item in self.items.values()]

    async def write(self, record_id: str, value: V, *, last: int | None) -> int:
        """Store `value` if its key is still at revision `last` (None: the key is new);
        raises `StaleRecord` otherwise, `StorageError` if JetStream does not answer."""
        if self._kv is None:
            raise StorageError(f"{self.bucket} not open")
        key = f"{self.prefix}{record_id}"
        data = value.model_dump_json().encode()
        try:
            if last is None:
                revision = await self._kv.create(key, data)
            else:
                revision = await self._kv.update(key, data, last=last)
        except KeyWrongLastSequenceError as exc:
            raise StaleRecord() from exc
        except NatsError as exc:
            raise StorageError(f"{self.bucket}/{key}: {exc!r}") from exc
        self._apply(record_id, value, revision)
        return revision

    def _apply(self, record_id: str, value: V, revision: int) -> None:
        known = self.items.get(record_id)
        if known is None or known.revision < revision:
            self.items[record_id] = Versioned(value, revision)

    def _on_entry(self, entry: KeyValue.Entry) -> None:
        if not entry.key.startswith(self.prefix):
            return  # another kind of record in the same bucket
        record_id = entry.key.removeprefix(self.prefix)
        if entry.operation in (KV_DEL, KV_PURGE):
            self.items.pop(record_id, None)
            return
        try:
            value = self.model.model_validate_json(entry.value or b"")
        except ValidationError:
            log.exception("unreadable value", extra={"bucket": self.bucket, "key": entry.key})
            return
        if entry.revision is not None:
            self._apply(record_id, value, entry.revision)
