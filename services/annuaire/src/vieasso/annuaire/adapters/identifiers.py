"""Holders of RNA and SIREN numbers in the ``annuaire_identifiers`` KV bucket.

Keys ``rna.<id>`` / ``siren.<9 digits>`` → the slug of the validated association holding
the number. Every write is compare-and-set: `create` for a free number (of two validations
of the same number, one wins), `update(last=…)` to take over one whose holder is archived,
`delete(last=…)` to give one back; a lost race answers False and the caller reads again.
"""

from __future__ import annotations

from nats.errors import Error as NatsError
from nats.js.errors import (
    KeyDeletedError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
)
from nats.js.kv import KeyValue

from vieasso.annuaire.adapters.kv import StorageError
from vieasso.common.nats.kv import scan

BUCKET = "annuaire_identifiers"


class Identifiers:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def holder(self, key: str) -> tuple[str, int] | None:
        """The slug holding `key` and the revision it was read at (None: free)."""
        try:
            entry = await self._kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):  # deleted: given back
            return None
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        return (entry.value or b"").decode(), entry.revision or 0

    async def take(self, key: str, slug: str, last: int | None = None) -> bool:
        """Write `slug` as holder if `key` is free (`last` None) or still at `last`."""
        try:
            if last is None:
                await self._kv.create(key, slug.encode())
            else:
                await self._kv.update(key, slug.encode(), last=last)
        except KeyWrongLastSequenceError:
            return False
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc
        return True

    async def give_back(self, key: str, slug: str) -> None:
        """Free `key` if `slug` holds it (never someone else's)."""
        held = await self.holder(key)
        if held is None or held[0] != slug:
            return
        try:
            await self._kv.delete(key, last=held[1])
        except KeyWrongLastSequenceError:
            return  # taken over meanwhile: no longer ours
        except NatsError as exc:
            raise StorageError(f"{BUCKET}/{key}: {exc!r}") from exc

    async def holders(self) -> dict[str, str]:
        """Every held number and its holder, in one pass over the bucket."""
        return {
            entry.key: (entry.value or b"").decode()
            async for entry in scan(self._kv, ">")
            if entry.value
        }
