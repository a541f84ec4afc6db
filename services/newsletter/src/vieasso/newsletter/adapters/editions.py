"""Editions in the ``newsletter_editions`` KV bucket.

- ``edition.<id>`` — the `Edition` record, created with KV create: whoever creates it builds
  the edition; a second instance, a second run or a restart finds it and does not.
- ``content.<id>`` — the edition's items (what the archive shows, what senders render).
- ``last.<frequency>`` — the id of the last edition: the next one starts where it ended
  (``last.associations`` for the associations' letter).
"""

from __future__ import annotations

from nats.js.errors import InvalidKeyError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue
from pydantic import TypeAdapter

from vieasso.common.nats.kv import scan
from vieasso.newsletter.domain.content import EditionContent, Item
from vieasso.newsletter.domain.edition import Edition

BUCKET = "newsletter_editions"
_ITEMS = TypeAdapter(tuple[tuple[Item, ...], tuple[Item, ...], tuple[Item, ...]])


class EditionExists(RuntimeError):
    """The edition of this period was already created (by us before, or elsewhere)."""


class EditionStore:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def create(self, edition: Edition) -> int:
        try:
            return await self._kv.create(
                f"edition.{edition.id}", edition.model_dump_json().encode()
            )
        except KeyWrongLastSequenceError as exc:
            raise EditionExists(edition.id) from exc

    async def get(self, edition_id: str) -> tuple[Edition, int] | None:
        try:
            entry = await self._kv.get(f"edition.{edition_id}")
        except (KeyNotFoundError, InvalidKeyError):  # an id from a URL may be anything
            return None
        return Edition.model_validate_json(entry.value or b""), entry.revision or 0

    async def save(self, edition: Edition, revision: int) -> int:
        return await self._kv.update(
            f"edition.{edition.id}", edition.model_dump_json().encode(), last=revision
        )

    async def save_content(self, edition_id: str, content: EditionContent) -> None:
        data = _ITEMS.dump_json((content.associations, content.missions, content.events))
        await self._kv.put(f"content.{edition_id}", data)

    async def content(self, edition_id: str) -> EditionContent | None:
        try:
            entry = await self._kv.get(f"content.{edition_id}")
        except KeyNotFoundError:
            return None
        associations, missions, events = _ITEMS.validate_json(entry.value or b"")
        return EditionContent(associations=associations, missions=missions, events=events)

    async def last(self, series: str) -> Edition | None:
        """The last edition of a series (`Series.key`: a frequency, or ``associations``)."""
        try:
            entry = await self._kv.get(f"last.{series}")
        except KeyNotFoundError:
            return None
        found = await self.get((entry.value or b"").decode())
        return found[0] if found else None

    async def set_last(self, series: str, edition_id: str) -> None:
        await self._kv.put(f"last.{series}", edition_id.encode())

    async def all(self) -> list[Edition]:
        editions = [
            Edition.model_validate_json(entry.value or b"")
            async for entry in scan(self._kv, "edition.*")
        ]
        return sorted(editions, key=lambda e: (e.created_at, e.id), reverse=True)
