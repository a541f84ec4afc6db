"""The catalogue as the loans need it: each entry read from ``ressources_catalogue`` (the
stock an approval checks) and a watched copy of all of them (what is free for some dates)."""

from __future__ import annotations

from nats.errors import Error as NatsError
from nats.js.errors import KeyDeletedError, KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import TypeAdapter

from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.adapters.availability import StorageError
from vieasso.ressources.adapters.watched import Watched
from vieasso.ressources.domain.catalogue import CatalogueEntry, EquipmentModel, Room, entry_key

BUCKET = "ressources_catalogue"
_ENTRY: TypeAdapter[EquipmentModel | Room] = TypeAdapter(CatalogueEntry)


def parse(value: bytes) -> EquipmentModel | Room:
    return _ENTRY.validate_json(value)


def is_entry(key: str) -> bool:
    """The bucket also holds the city's closed days (`adapters.catalogue.CLOSED_DAYS`)."""
    return key.startswith(("model.", "room."))


class Entries(Watched[EquipmentModel | Room]):
    def __init__(self) -> None:
        super().__init__(BUCKET, parse)
        self.kv: KeyValue | None = None

    def wanted(self, key: str) -> bool:
        return is_entry(key)

    async def read(self, kind: ResourceKind, entry_id: str) -> EquipmentModel | Room | None:
        """The stored entry, from the server (the watched copy may be a moment behind)."""
        if self.kv is None:
            raise StorageError("catalogue not opened")
        key = entry_key(kind, entry_id)
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return None
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        return parse(entry.value or b"")
