"""The catalogue bucket ``ressources_catalogue`` and its in-memory mirror.

Keys: ``model.<id>`` (`EquipmentModel`), ``room.<id>`` (`Room`) and ``closed-days`` (the
city's own closed days, `CityClosures`). Every write is a compare-and-set on the key's
revision (`create` for a new key), so two writers never overwrite each other; the mirror is
loaded at start, follows the bucket with a watch (the `demo` command writes from another
process), takes our own writes at once, and never goes back to an older revision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Generic, TypeVar

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue
from pydantic import BaseModel, TypeAdapter, ValidationError

from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.kv import BucketWatch
from vieasso.ressources.adapters.entries import is_entry
from vieasso.ressources.domain.calendar import Calendar, CityClosures
from vieasso.ressources.domain.catalogue import (
    CatalogueEntry,
    EquipmentModel,
    Room,
    entry_key,
)
from vieasso.ressources.domain.catalogue_errors import EntryConflict

log = logging.getLogger(__name__)

BUCKET = "ressources_catalogue"
CLOSED_DAYS = "closed-days"
_ENTRY: TypeAdapter[EquipmentModel | Room] = TypeAdapter(CatalogueEntry)

V = TypeVar("V", bound=BaseModel)


class StorageError(RuntimeError):
    """JetStream did not answer or refused the write: nothing is known to be saved."""


@dataclass(frozen=True, slots=True)
class Versioned(Generic[V]):
    """A value with the revision it was stored at (the `last` of the next write)."""

    value: V
    revision: int


class CatalogueStore:
    """The catalogue's records, read from memory, written to the bucket by compare-and-set."""

    def __init__(self) -> None:
        self.items: dict[str, Versioned[BaseModel]] = {}
        self._kv: KeyValue | None = None
        self._watch = BucketWatch(BUCKET, self._on_entry)

    async def open(self, js: JetStreamContext) -> None:
        """Load the whole bucket, then follow it (once: a start-up retried opens nothing)."""
        if self._kv is not None:
            return
        kv = await js.key_value(BUCKET)
        await self._watch.start(js)
        self._kv = kv

    async def close(self) -> None:
        await self._watch.stop()

    def get(self, kind: ResourceKind, entry_id: str) -> Versioned[EquipmentModel | Room] | None:
        found = self.items.get(entry_key(kind, entry_id))
        if found is None or not isinstance(found.value, EquipmentModel | Room):
            return None
        return Versioned(found.value, found.revision)

    def entries(self) -> list[EquipmentModel | Room]:
        """Every model and room, archived ones included."""
        return [i.value for i in self.items.values() if isinstance(i.value, EquipmentModel | Room)]

    def models(self, *, archived: bool = False) -> list[EquipmentModel]:
        """Models by category then name (the archived ones only if asked)."""
        found = [
            e for e in self.entries() if isinstance(e, EquipmentModel) and (archived or e.active)
        ]
        return sorted(found, key=lambda m: (m.category, m.name.casefold(), m.id))

    def rooms(self, *, archived: bool = False) -> list[Room]:
        found = [e for e in self.entries() if isinstance(e, Room) and (archived or e.active)]
        return sorted(found, key=lambda r: (r.name.casefold(), r.id))

    def closures(self) -> Versioned[CityClosures] | None:
        found = self.items.get(CLOSED_DAYS)
        if found is None or not isinstance(found.value, CityClosures):
            return None
        return Versioned(found.value, found.revision)

    def calendar(self) -> Calendar:
        """Closed days as they stand now (public holidays, Sundays, the city's list)."""
        closures = self.closures()
        return Calendar(closures.value.days if closures else ())

    async def write(self, key: str, value: BaseModel, *, last: int | None) -> int:
        """Store `value` if the key is still at revision `last` (None: the key is new);
        raises `EntryConflict` otherwise, `StorageError` if JetStream does not answer."""
        if self._kv is None:
            raise StorageError("catalogue bucket not open")
        data = value.model_dump_json().encode()
        try:
            if last is None:
                revision = await self._kv.create(key, data)
            else:
                revision = await self._kv.update(key, data, last=last)
        except KeyWrongLastSequenceError as exc:
            raise EntryConflict() from exc
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        self._apply(key, value, revision)
        return revision

    def _apply(self, key: str, value: BaseModel, revision: int) -> None:
        known = self.items.get(key)
        if known is None or known.revision < revision:
            self.items[key] = Versioned(value, revision)

    def _on_entry(self, entry: KeyValue.Entry) -> None:
        if entry.operation in (KV_DEL, KV_PURGE):
            self.items.pop(entry.key, None)
            return
        try:
            value = _parse(entry.key, entry.value or b"")
        except ValidationError:
            log.exception("unreadable catalogue value", extra={"key": entry.key})
            return
        if value is not None and entry.revision is not None:
            self._apply(entry.key, value, entry.revision)


def _parse(key: str, data: bytes) -> BaseModel | None:
    if key == CLOSED_DAYS:
        return CityClosures.model_validate_json(data)
    if is_entry(key):
        return _ENTRY.validate_json(data)
    return None
