"""The newsletter's records about associations' contacts (KV ``newsletter_courrier``).

``undeliverable.<slug>`` → `Undeliverable`: the contact's server refused it for good (5xx),
with a keyed hash of the address refused, so that a contact changed since is mailed again.
"""

from __future__ import annotations

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from vieasso.common.nats.kv import scan
from vieasso.newsletter.domain.courrier import Undeliverable

BUCKET = "newsletter_courrier"
_UNDELIVERABLE = "undeliverable."


class CourrierStore:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def undeliverable(self, slug: str) -> Undeliverable | None:
        try:
            entry = await self._kv.get(_UNDELIVERABLE + slug)
        except KeyNotFoundError:
            return None
        if not entry.value:  # deleted
            return None
        return Undeliverable.model_validate_json(entry.value)

    async def mark(self, slug: str, record: Undeliverable) -> None:
        await self._kv.put(_UNDELIVERABLE + slug, record.model_dump_json().encode())

    async def clear(self, slug: str) -> None:
        await self._kv.delete(_UNDELIVERABLE + slug)

    async def all_undeliverable(self) -> dict[str, Undeliverable]:
        return {
            entry.key.removeprefix(_UNDELIVERABLE): Undeliverable.model_validate_json(entry.value)
            async for entry in scan(self._kv, _UNDELIVERABLE + "*")
            if entry.value
        }
