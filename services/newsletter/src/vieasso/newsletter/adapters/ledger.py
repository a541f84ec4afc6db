"""The delivery ledger (KV ``newsletter_deliveries``, key ``<edition_id>.<subscriber_id>``;
the mails other services ask for use ``courrier.<service>.<key>``, see handlers/courrier.py).

`claim` writes ``sending`` with compare-and-set *before* the SMTP transaction: of two
workers handed the same delivery (redelivery, a second instance), only one wins; a
delivery already ``sending`` or final is never sent again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from vieasso.common.nats.kv import scan
from vieasso.newsletter.domain.delivery import LedgerEntry, LedgerState

BUCKET = "newsletter_deliveries"


@dataclass(frozen=True)
class Claim:
    """Either ours to send (`revision` set) or already handled (`state` of the ledger, and
    its `entry` when it was read)."""

    revision: int | None
    attempts: int
    state: LedgerState | None = None
    entry: LedgerEntry | None = None


def key(edition_id: str, subscriber_id: str) -> str:
    return f"{edition_id}.{subscriber_id}"


class Ledger:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def claim(self, edition_id: str, subscriber_id: str, now: datetime) -> Claim:
        return await self.claim_key(key(edition_id, subscriber_id), now)

    async def claim_key(self, k: str, now: datetime) -> Claim:
        """`claim` of any ledger key (also the mails of ``courrier.<service>.<key>``)."""
        first = LedgerEntry(state=LedgerState.SENDING, attempts=1, at=now)
        try:
            revision = await self._kv.create(k, first.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            pass
        else:
            return Claim(revision, 1)
        try:
            entry = await self._kv.get(k)
        except KeyNotFoundError:
            return Claim(None, 0, LedgerState.SENDING)  # purged meanwhile: leave it alone
        current = LedgerEntry.model_validate_json(entry.value or b"")
        if current.state is not LedgerState.DEFERRED:
            return Claim(None, current.attempts, current.state, current)
        attempts = current.attempts + 1
        retry = LedgerEntry(state=LedgerState.SENDING, attempts=attempts, at=now)
        try:
            revision = await self._kv.update(
                k, retry.model_dump_json().encode(), last=entry.revision
            )
        except KeyWrongLastSequenceError:
            return Claim(None, attempts, LedgerState.SENDING)
        return Claim(revision, attempts)

    async def record(
        self, edition_id: str, subscriber_id: str, revision: int, entry: LedgerEntry
    ) -> None:
        await self.record_key(key(edition_id, subscriber_id), revision, entry)

    async def record_key(self, k: str, revision: int, entry: LedgerEntry) -> None:
        await self._kv.update(k, entry.model_dump_json().encode(), last=revision)

    async def skip(self, edition_id: str, subscriber_id: str, now: datetime) -> bool:
        entry = LedgerEntry(state=LedgerState.SKIPPED, at=now)
        try:
            await self._kv.create(key(edition_id, subscriber_id), entry.model_dump_json().encode())
        except KeyWrongLastSequenceError:
            return False
        return True

    async def tally(self, edition_id: str) -> Counter[LedgerState]:
        """How many deliveries of the edition are in each state (one pass over its keys)."""
        counts: Counter[LedgerState] = Counter()
        async for entry in scan(self._kv, f"{edition_id}.*"):
            counts[LedgerEntry.model_validate_json(entry.value or b"").state] += 1
        return counts

    async def entries(self, subscriber_id: str) -> dict[str, LedgerEntry]:
        """The subscriber's entries, by edition id (GDPR export)."""
        return {
            entry.key.rsplit(".", 1)[0]: LedgerEntry.model_validate_json(entry.value or b"")
            async for entry in scan(self._kv, f"*.{subscriber_id}")
        }

    async def forget(self, subscriber_id: str) -> int:
        """GDPR erasure: purge the subscriber's entries of every edition."""
        keys = [e.key async for e in scan(self._kv, f"*.{subscriber_id}", meta_only=True)]
        for k in keys:
            await self._kv.purge(k)
        return len(keys)
