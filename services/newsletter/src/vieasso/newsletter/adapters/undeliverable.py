"""Associations' contact addresses that hard-bounced, in the delivery ledger's bucket.

Key ``undeliverable.<slug>`` of ``newsletter_deliveries``: a digest of the address that
bounced (SHA-256 of the address in lower case: the address itself is not copied here),
when, and the SMTP code. The associations' letter skips the association while its contact
is still that address; once the association changes its contact in the directory, the
digest no longer matches and the letter goes to the new address. Residents' subscribers are
suspended instead (their record's state), which this does not touch.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import AwareDatetime, BaseModel, ConfigDict

from vieasso.common.nats.kv import scan

PREFIX = "undeliverable."


class Mark(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str  # SHA-256 digest of the address, never the address
    at: AwareDatetime
    code: int | None = None


def digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


class Undeliverable:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def mark(self, slug: str, address: str, at: datetime, code: int | None) -> None:
        mark = Mark(address=digest(address), at=at, code=code)
        await self._kv.put(PREFIX + slug, mark.model_dump_json().encode())

    async def blocked(self, slug: str, address: str) -> bool:
        """Whether `address` is the association's address that bounced."""
        try:
            entry = await self._kv.get(PREFIX + slug)
        except KeyNotFoundError:
            return False
        if not entry.value:  # deleted
            return False
        return Mark.model_validate_json(entry.value).address == digest(address)

    async def all(self) -> dict[str, str]:
        """{slug: digest of the address that bounced} (one pass over the marks)."""
        return {
            entry.key.removeprefix(PREFIX): Mark.model_validate_json(entry.value).address
            async for entry in scan(self._kv, f"{PREFIX}*")
            if entry.value
        }
