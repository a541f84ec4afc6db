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
from vieasso.ressources.domain.errors import LoanError, TryAgain
from vieasso.ressources.domain.periods import Allocation, Slot, Span, peak, spans_of

BUCKET = "ressources_availability"
PAUSE = 0.004  # seconds: the first retry's longest pause, doubled each round up to MAX_PAUSE
MAX_PAUSE = 0.25

Change = Callable[[AvailabilityRecord], AvailabilityRecord | None]


class StorageError(RuntimeError):
    """JetStream did not answer: nothing is known to be saved."""


def parse(value: bytes) -> AvailabilityRecord:
    return AvailabilityRecord.model_validate_json(value)


class AvailabilityMirror(Watched[AvailabilityRecord]):
    """Every entry's allocations in memory: for showing what is free, never for deciding.

    A whole-catalogue query reads every entry's allocations: they are kept as integer spans
    too, computed once per stored revision of a record rather than once per query.
    """

    def __init__(self) -> None:
        super().__init__(BUCKET, parse)
        self._spans: dict[str, tuple[AvailabilityRecord, tuple[Span, ...]]] = {}

    def allocations(self, kind: ResourceKind, entry_id: str) -> tuple[Allocation, ...]:
        record = self.items.get(entry_key(kind, entry_id))
        return record.allocations if record else ()

    def spans(self, kind: ResourceKind, entry_id: str) -> tuple[Span, ...]:
        key = entry_key(kind, entry_id)
        record = self.items.get(key)
        if record is None:
            self._spans.pop(key, None)
            return ()
        cached = self._spans.get(key)
        if cached is None or cached[0] is not record:
            cached = self._spans[key] = (record, spans_of(record.allocations))
        return cached[1]

    def free(self, kind: ResourceKind, entry_id: str, stock: int, first: Slot, last: Slot) -> int:
        return self.free_between(kind, entry_id, stock, first.ordinal, last.ordinal)

    def free_between(self, kind: ResourceKind, entry_id: str, stock: int, lo: int, hi: int) -> int:
        """Units free on every slot ordinal from `lo` to `hi`."""
        return max(0, stock - peak(self.spans(kind, entry_id), lo, hi))


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
        revision = entry.revision or 0
        known = self.mirror.known(key)
        if known is not None and known[1] == revision:
            return known[0], revision  # the same bytes, parsed already
        return parse(entry.value or b""), revision

    async def change(self, kind: ResourceKind, entry_id: str, change: Change) -> bool:
        """Apply `change` by compare-and-set, retried; False when it changed nothing.

        `change` may raise (`NotAvailable`): it is then raised here, nothing written.

        The first attempt starts from the watched copy and its revision, without reading:
        when that copy is current, which it nearly always is, the write succeeds at once. A
        decision is only ever final on a record the server vouched for: a write accepted with
        `last=revision` proves the record was the stored one; a refusal (`NotAvailable`, or
        nothing to change) taken on the copy is taken again on the record read from the server.
        """
        key = entry_key(kind, entry_id)
        known = self.mirror.known(key)
        for attempt in range(self.attempts):
            optimistic = known is not None
            record, revision = known if known is not None else await self.read(kind, entry_id)
            known = None
            try:
                new = change(record)
            except LoanError:
                if optimistic:
                    continue
                raise
            if new is None:
                if optimistic:
                    continue
                return False
            data = new.model_dump_json().encode()
            try:
                if revision == 0:
                    written = await self.kv.create(key, data)
                else:
                    written = await self.kv.update(key, data, last=revision)
            except KeyWrongLastSequenceError:
                if not optimistic:
                    pause = min(MAX_PAUSE, PAUSE * 2**attempt)
                    await asyncio.sleep(self._rng.uniform(0, pause))
                continue
            except NatsError as exc:
                raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
            self.mirror.apply(key, new, written)
            return True
        raise TryAgain()
