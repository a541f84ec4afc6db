"""``ressources_annonces``: annonces, threads and the associations' entraide settings.

Keys: ``annonce.<id>`` (`Annonce`), ``fil.<id>.<slug>`` (`Thread`), ``lettre.<slug>`` and
``suspendu.<slug>`` (`Flag`), ``quota.<slug>`` (`Quota`: the messages of the last hour, read
from the bucket only). Each of the others has its watched copy (lists, pages);
every change re-reads the stored record and writes by compare-and-set (`Conflict`).
"""

from __future__ import annotations

from typing import TypeVar

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Line
from vieasso.ressources.adapters.availability import StorageError
from vieasso.ressources.adapters.watched import Watched
from vieasso.ressources.domain.annonces import CONFLICT, Annonce, Conflict
from vieasso.ressources.domain.annonces_threads import Thread

BUCKET = "ressources_annonces"
M = TypeVar("M", bound=BaseModel)


class Flag(BaseModel):
    """``lettre.<slug>`` (matching annonces in the letter) or ``suspendu.<slug>`` (the city
    suspended the association's replies): on or off, since when, why."""

    model_config = ConfigDict(frozen=True)

    on: bool
    at: AwareDatetime
    reason: Line | None = Field(default=None, max_length=500)


class _Prefixed(Watched[M]):
    def __init__(self, prefix: str, model: type[M]) -> None:
        super().__init__(BUCKET, model.model_validate_json)
        self.prefix = prefix

    def wanted(self, key: str) -> bool:
        return key.startswith(self.prefix)


class AnnonceStore:
    """The three watched copies and the compare-and-set writes."""

    def __init__(self) -> None:
        self.annonces: Watched[Annonce] = _Prefixed("annonce.", Annonce)
        self.threads: Watched[Thread] = _Prefixed("fil.", Thread)
        self.flags: Watched[Flag] = _Prefixed("lettre.", Flag)
        self.suspended: Watched[Flag] = _Prefixed("suspendu.", Flag)
        self.kv: KeyValue | None = None

    def _copies(self) -> tuple[Watched[Annonce], Watched[Thread], Watched[Flag], Watched[Flag]]:
        return self.annonces, self.threads, self.flags, self.suspended

    async def start(self, js: JetStreamContext) -> None:
        self.kv = await js.key_value(BUCKET)
        for copy in self._copies():
            await copy.start(js)

    async def stop(self) -> None:
        for copy in self._copies():
            await copy.stop()

    def annonce(self, annonce_id: str) -> Annonce | None:
        return self.annonces.items.get(f"annonce.{annonce_id}")

    def flag(self, kind: str, slug: str) -> Flag | None:
        copy = self.flags if kind == "lettre" else self.suspended
        return copy.items.get(f"{kind}.{slug}")

    async def read(self, key: str, model: type[M]) -> tuple[M | None, int]:
        """The stored record and its revision (None, 0: none)."""
        if self.kv is None:
            raise RuntimeError("annonces not started")
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return None, 0
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        return model.model_validate_json(entry.value or b""), entry.revision or 0

    async def write(self, key: str, value: M, copy: Watched[M] | None, *, last: int) -> None:
        """Store `value` if `key` is still at revision `last` (0: new), else `Conflict`;
        then in `copy` (None: a record no page reads, such as a quota)."""
        if self.kv is None:
            raise RuntimeError("annonces not started")
        data = value.model_dump_json().encode()
        try:
            if last == 0:
                revision = await self.kv.create(key, data)
            else:
                revision = await self.kv.update(key, data, last=last)
        except KeyWrongLastSequenceError as exc:
            raise Conflict(CONFLICT) from exc
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        if copy is not None:
            copy.apply(key, value, revision)
