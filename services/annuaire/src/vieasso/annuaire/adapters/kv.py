"""KV repositories with compare-and-set: `create` for new keys, `update(last=revision)` for edits.

A lost race raises our `ConflictError` (HTTP 409): nothing is overwritten, nothing is lost.
A successful write goes into the in-memory mirror at once (reads after writes see it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from nats.errors import Error as NatsError
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import BaseModel

from vieasso.annuaire.domain.errors import AlreadyExists, ConflictError

if TYPE_CHECKING:
    from vieasso.annuaire.adapters.mirror import Mirror

M = TypeVar("M", bound=BaseModel)


class StorageError(RuntimeError):
    """JetStream did not answer or refused the write: nothing is known to be saved."""


@dataclass(frozen=True, slots=True)
class Versioned(Generic[M]):
    """A value with the KV revision it was read at (the `last` of the next update)."""

    value: M
    revision: int


class KvRepository(Generic[M]):
    def __init__(self, kv: KeyValue, mirror: Mirror[M], model: type[M]) -> None:
        self.kv = kv
        self.mirror = mirror
        self.bucket = mirror.bucket
        self.model = model

    async def get(self, key: str) -> Versioned[M] | None:
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        except NatsError as exc:
            raise StorageError(f"{self.bucket}/{key}: {exc!r}") from exc
        if entry.value is None or entry.revision is None:
            return None
        return Versioned(self.model.model_validate_json(entry.value), entry.revision)

    async def create(self, key: str, value: M) -> int:
        return await self._write(key, value, None)

    async def update(self, key: str, value: M, *, last: int) -> int:
        return await self._write(key, value, last)

    async def _write(self, key: str, value: M, last: int | None) -> int:
        data = value.model_dump_json().encode()
        self.mirror.expect(key, data)
        try:
            if last is None:
                revision = await self.kv.create(key, data)
            else:
                revision = await self.kv.update(key, data, last=last)
        except KeyWrongLastSequenceError as exc:
            self.mirror.failed(key)
            if last is None:
                raise AlreadyExists("Une fiche existe déjà sous cet identifiant.") from exc
            raise ConflictError() from exc
        except NatsError as exc:
            self.mirror.failed(key)
            raise StorageError(f"{self.bucket}/{key}: {exc!r}") from exc
        self.mirror.written(key, value, revision)
        return revision
