"""The units a catalogue entry's availability record holds, read from the server, for the
catalogue's check before a model's stock is lowered (`domain.stock`)."""

from __future__ import annotations

from nats.errors import Error as NatsError
from nats.js.errors import KeyDeletedError, KeyNotFoundError
from nats.js.kv import KeyValue

from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.adapters.availability import BUCKET, parse
from vieasso.ressources.adapters.catalogue import StorageError
from vieasso.ressources.domain.catalogue import entry_key
from vieasso.ressources.domain.periods import Allocation


class HeldUnits:
    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    async def __call__(self, kind: ResourceKind, entry_id: str) -> tuple[Allocation, ...]:
        key = entry_key(kind, entry_id)
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return ()
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        return parse(entry.value or b"").allocations
