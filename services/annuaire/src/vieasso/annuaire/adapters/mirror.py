"""An in-memory copy of one KV bucket, loaded at start and kept current by a KV watch.

Our own writes are applied at once (`apply`), the watch brings everyone else's (the import
and demo commands write from another process); a revision never goes backwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from nats.js import JetStreamContext
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import BaseModel, ValidationError

from vieasso.annuaire.adapters.kv import Versioned
from vieasso.common.nats.kv import BucketWatch

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

OnChange = Callable[[str, "Versioned[Any] | None", "Versioned[Any] | None"], None]


class Mirror(Generic[M]):
    def __init__(
        self,
        bucket: str,
        parse: Callable[[str, bytes], M | None],
        on_change: OnChange | None = None,
    ) -> None:
        self.bucket = bucket
        self.parse = parse
        self.items: dict[str, Versioned[M]] = {}
        self._on_change = on_change
        self._watch = BucketWatch(bucket, self._entry)
        self._ours: dict[str, bytes] = {}
        self._skipped: dict[str, KeyValue.Entry] = {}

    def expect(self, key: str, data: bytes) -> None:
        """Our own write of `data` is under way: the watch need not parse it again (parsing
        costs as much as the write); the writer then calls `written` or `failed`."""
        self._ours[key] = data

    def written(self, key: str, value: M, revision: int) -> None:
        self._ours.pop(key, None)
        self._skipped.pop(key, None)
        self.apply(key, value, revision)

    def failed(self, key: str) -> None:
        """The writer got no answer: if the watch saw the value stored anyway, apply it."""
        self._ours.pop(key, None)
        entry = self._skipped.pop(key, None)
        if entry is not None:
            self._entry(entry)

    def apply(self, key: str, value: M, revision: int) -> None:
        old = self.items.get(key)
        if old is not None and old.revision >= revision:
            return
        new = Versioned(value, revision)
        self.items[key] = new
        if self._on_change is not None:
            self._on_change(key, old, new)

    def remove(self, key: str) -> None:
        old = self.items.pop(key, None)
        if old is not None and self._on_change is not None:
            self._on_change(key, old, None)

    async def start(self, js: JetStreamContext) -> None:
        await self._watch.start(js)

    def _entry(self, entry: KeyValue.Entry) -> None:
        if entry.operation in (KV_DEL, KV_PURGE):
            self.remove(entry.key)
            return
        known = self.items.get(entry.key)
        if known is not None and entry.revision is not None and known.revision >= entry.revision:
            return  # our own write, applied already
        if entry.value is not None and self._ours.get(entry.key) == entry.value:
            del self._ours[entry.key]
            self._skipped[entry.key] = entry
            return  # our own write, which its writer is about to apply
        try:
            value = self.parse(entry.key, entry.value or b"")
        except ValidationError:
            log.exception("unreadable value", extra={"bucket": self.bucket, "key": entry.key})
            return
        if value is not None and entry.revision is not None:
            self.apply(entry.key, value, entry.revision)

    async def stop(self) -> None:
        await self._watch.stop()


def model_parser(model: type[M]) -> Callable[[str, bytes], M | None]:
    every_field = set(model.model_fields)

    def parse(_: str, value: bytes) -> M | None:
        item = model.model_validate_json(value)
        if item.model_fields_set == every_field:
            # Each instance would hold its own copy of this set (2 KB, about half of a
            # record's memory): they share one. The models are frozen, and pydantic copies
            # the set before changing it (`model_copy`), so the shared one never changes.
            object.__setattr__(item, "__pydantic_fields_set__", every_field)
        return item

    return parse
