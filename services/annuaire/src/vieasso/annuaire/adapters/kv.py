"""KV repositories with compare-and-set: `create` for new keys, `update(last=revision)` for edits.

A lost race raises our `ConflictError` (HTTP 409): nothing is overwritten, nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from nats.errors import Error as NatsError
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import BaseModel

from vieasso.annuaire.domain.errors import AlreadyExists, ConflictError

M = TypeVar("M", bound=BaseModel)


class StorageError(RuntimeError):
    """JetStream did not answer or refused the write: nothing is known to be saved."""


@dataclass(frozen=True, slots=True)
class Versioned(Generic[M]):
    """A value with the KV revision it was read at (the `last` of the next update)."""

    value: M
    revision: int


class KvRepository(Generic[M]):
    def __init__(self, kv: KeyValue, bucket: str, model: type[M]) -> None:
        self.kv = kv
        self.bucket = bucket
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
        try:
            return await self.kv.create(key, value.model_dump_json().encode())
        except KeyWrongLastSequenceError as exc:
            raise AlreadyExists("Une fiche existe déjà sous cet identifiant.") from exc
        except NatsError as exc:
            raise StorageError(f"{self.bucket}/{key}: {exc!r}") from exc

    async def update(self, key: str, value: M, *, last: int) -> int:
        try:
            return await self.kv.update(key, value.model_dump_json().encode(), last=last)
        except KeyWrongLastSequenceError as exc:
            raise ConflictError() from exc
        except NatsError as exc:
            raise StorageError(f"{self.bucket}/{key}: {exc!r}") from exc
