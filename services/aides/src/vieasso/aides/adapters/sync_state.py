"""The ``aides_sync`` bucket: `cursor` (`SyncCursor`) and `report.last` (`SyncReport`).

One sync runs at a time per process; two instances syncing together write the same facts
(the schemes' writes are compare-and-set), so a plain `put` is enough for these two keys.
"""

from __future__ import annotations

from typing import TypeVar

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import KeyDeletedError, KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel, ValidationError

from vieasso.aides.adapters.bucket import StorageError
from vieasso.aides.domain.sync_report import SyncCursor, SyncReport

BUCKET = "aides_sync"
CURSOR = "cursor"
REPORT = "report.last"
M = TypeVar("M", bound=BaseModel)


class SyncState:
    def __init__(self) -> None:
        self._kv: KeyValue | None = None

    async def open(self, js: JetStreamContext) -> None:
        if self._kv is None:
            self._kv = await js.key_value(BUCKET)

    async def cursor(self) -> SyncCursor:
        return await self._read(CURSOR, SyncCursor) or SyncCursor()

    async def report(self) -> SyncReport | None:
        return await self._read(REPORT, SyncReport)

    async def save(self, report: SyncReport, cursor: SyncCursor | None = None) -> None:
        if cursor is not None:
            await self._put(CURSOR, cursor)
        await self._put(REPORT, report)

    def _bucket(self) -> KeyValue:
        if self._kv is None:
            raise StorageError(f"{BUCKET} not open")
        return self._kv

    async def _read(self, key: str, model: type[M]) -> M | None:
        try:
            entry = await self._bucket().get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        try:
            return model.model_validate_json(entry.value or b"")
        except ValidationError:
            return None  # an older shape: the next run writes a new one

    async def _put(self, key: str, value: BaseModel) -> None:
        try:
            await self._bucket().put(key, value.model_dump_json().encode())
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
