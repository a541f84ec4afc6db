"""``ressources_availability``: one record per catalogue entry holding its allocations,
changed only by compare-and-set on the record just read.

Every change reads the stored record and its revision, applies a pure change (which checks
the stock, `domain.availability`), and writes with ``update(last=revision)`` (``create`` for
a first record). A wrong-revision answer means someone else wrote in between: read again and
retry, after a random pause that grows with the attempts; after `attempts` rounds give up
with `TryAgain` (nothing written). No lock service, no in-process lock: the server's
revision check is the only arbiter, so two processes are as safe as two tasks.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from nats.errors import Error as NatsError
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.adapters.watched import Watched
from vieasso.ressources.domain.availability import AvailabilityRecord
from vieasso.ressources.domain.catalogue import entry_key
from vieasso.ressources.domain.errors import TryAgain
from vieasso.ressources.domain.periods import Allocation, Slot, free_units

BUCKET = "ressources_availability"
PAUSE = 0.004  # seconds: the first retry's longest pause, doubled each round up to MAX_PAUSE
MAX_PAUSE = 0.25

Change = Callable[[AvailabilityRecord], AvailabilityRecord | None]


class StorageError(RuntimeError):
    """JetStream did not answer: nothing is known to be saved."""


def parse(value: bytes) -> AvailabilityRecord:
    return AvailabilityRecord.model_validate_json(value)


class AvailabilityMirror(Watched[AvailabilityRecord]):
    """Every entry's allocations in memory: for showing what is free, never for deciding."""

    def __init__(self) -> None:
        super().__init__(BUCKET, parse)

    def allocations(self, kind: ResourceKind, entry_id: str) -> tuple[Allocation, ...]:
        record = self.items.get(entry_key(kind, entry_id))
        return record.allocations if record else ()

    def free(self, kind: ResourceKind, entry_id: str, stock: int, first: Slot, last: Slot) -> int:
        return free_units(self.allocations(kind, entry_id), stock, first, last)


class AvailabilityStore:
    def __init__(
        self, kv: KeyValue, mirror: AvailabilityMirror, *, attempts: int, rng: random.Random
    ) -> None:
        self.kv = kv
        self.mirror = mirror
        self.attempts = attempts
        self._rng = rng

    async def read(self, kind: ResourceKind, entry_id: str) -> tuple[AvailabilityRecord, int]:
        """The stored record and its revision (0: none yet), straight from the server."""
        key = entry_key(kind, entry_id)
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return AvailabilityRecord(entry_id=entry_id, kind=kind), 0
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        return parse(entry.value or b""), entry.revision or 0

    async def change(self, kind: ResourceKind, entry_id: str, change: Change) -> bool:
        """Apply `change` by compare-and-set, retried; False when it changed nothing.

        `change` may raise (`NotAvailable`): it is then raised here, nothing written.
        """
        key = entry_key(kind, entry_id)
        for attempt in range(self.attempts):
            record, revision = await self.read(kind, entry_id)
            new = change(record)
            if new is None:
                return False
            data = new.model_dump_json().encode()
            try:
                if revision == 0:
                    written = await self.kv.create(key, data)
                else:
                    written = await self.kv.update(key, data, last=revision)
            except KeyWrongLastSequenceError:
                pause = min(MAX_PAUSE, PAUSE * 2**attempt)
                await asyncio.sleep(self._rng.uniform(0, pause))
                continue
            except NatsError as exc:
                raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
            self.mirror.apply(key, new, written)
            return True
        raise TryAgain()
