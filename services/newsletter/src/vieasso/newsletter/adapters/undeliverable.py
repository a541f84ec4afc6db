"""Associations' contact addresses that hard-bounced, as the associations' letter sees them.

One record per association, whichever mail saw the bounce (a courrier or the letter):
``undeliverable.<slug>`` of the ``newsletter_courrier`` bucket (`adapters/courrier_store.py`),
holding a keyed hash of the address refused (never the address), when, the SMTP code and
its answer without addresses. The letter skips the association while its contact is still
that address; once the association changes its contact in the directory, the hash no longer
matches and the letter goes to the new address. The city sees the records on
``/espace-ville/courriers``. Residents' subscribers are suspended instead (their record's
state), which this does not touch.
"""

from __future__ import annotations

from datetime import datetime

from vieasso.newsletter.adapters.courrier_store import CourrierStore
from vieasso.newsletter.domain import courrier as rules


class Undeliverable:
    def __init__(self, store: CourrierStore, secret: bytes) -> None:
        self._store = store
        self._secret = secret

    def digest(self, address: str) -> str:
        return rules.address_hash(address, self._secret)

    async def mark(
        self, slug: str, address: str, at: datetime, code: int | None, reason: str
    ) -> None:
        record = rules.Undeliverable(
            address_hash=self.digest(address), at=at, code=code, reason=rules.scrubbed(reason)
        )
        await self._store.mark(slug, record)

    async def blocked(self, slug: str, address: str) -> bool:
        """Whether `address` is the association's address that bounced."""
        record = await self._store.undeliverable(slug)
        return record is not None and record.address_hash == self.digest(address)

    async def all(self) -> dict[str, str]:
        """{slug: hash of the address that bounced} (one pass over the records)."""
        return {
            slug: record.address_hash
            for slug, record in (await self._store.all_undeliverable()).items()
        }
