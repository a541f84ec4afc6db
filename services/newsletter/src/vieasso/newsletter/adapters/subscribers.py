"""Subscribers in the ``newsletter_subscribers`` KV bucket, written with compare-and-set.

Keys: ``s.<id>`` → the `Subscriber` (JSON); ``e.<sha256 of the address>`` → the id, so that
one address is one subscriber (created with KV create: two concurrent requests cannot both
win). Erasure purges both keys, which also removes their history.

A departure (unsubscription, suspension, erasure) is announced (`Announce`: the
`SubscriberLeft` fact, adapters/departures.py) *before* it is written: a crash in between
leaves a fact that the next start applies, never a departure without its fact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from vieasso.common.subjects import Departure
from vieasso.newsletter.domain.subscriber import Subscriber, email_digest

Announce = Callable[[Subscriber, Departure], Awaitable[None]]

BUCKET = "newsletter_subscribers"
RECORD_PREFIX = "s."


class ConcurrentChange(RuntimeError):
    """Someone else changed the record since it was read: read again and retry."""


def record_key(subscriber_id: str) -> str:
    return f"{RECORD_PREFIX}{subscriber_id}"


def index_key(email: str) -> str:
    return f"e.{email_digest(email)}"


async def _silent(_subscriber: Subscriber, _departure: Departure) -> None:
    """Tools and benchmarks that write subscribers directly announce nothing."""


class SubscriberStore:
    def __init__(self, kv: KeyValue, announce: Announce = _silent) -> None:
        self._kv = kv
        self._announce = announce

    async def get(self, subscriber_id: str) -> tuple[Subscriber, int] | None:
        if not subscriber_id.isalnum():
            return None
        try:
            entry = await self._kv.get(record_key(subscriber_id))
        except KeyNotFoundError:
            return None
        return Subscriber.model_validate_json(entry.value or b""), entry.revision or 0

    async def find(self, email: str) -> tuple[Subscriber, int] | None:
        try:
            entry = await self._kv.get(index_key(email))
        except KeyNotFoundError:
            return None
        return await self.get((entry.value or b"").decode())

    async def add(self, subscriber: Subscriber) -> bool:
        """Store a new subscriber; False if the address already has one."""
        key = index_key(subscriber.email)
        try:
            await self._kv.create(key, subscriber.id.encode())
        except KeyWrongLastSequenceError:
            entry = await self._kv.get(key)
            if await self.get((entry.value or b"").decode()) is not None:
                return False
            try:  # an index left by an interrupted add or erase: take it over
                await self._kv.update(key, subscriber.id.encode(), last=entry.revision)
            except KeyWrongLastSequenceError:
                return False
        await self._kv.create(record_key(subscriber.id), subscriber.model_dump_json().encode())
        return True

    async def save(
        self, subscriber: Subscriber, revision: int, departure: Departure | None = None
    ) -> int:
        """Write the changed record; with `departure`, announce it first."""
        if departure is not None:
            await self._announce(subscriber, departure)
        try:
            return await self._kv.update(
                record_key(subscriber.id), subscriber.model_dump_json().encode(), last=revision
            )
        except KeyWrongLastSequenceError as exc:
            raise ConcurrentChange(subscriber.id) from exc

    async def erase(self, subscriber: Subscriber, *, announce: bool = True) -> None:
        """Forget the person: record, address index and their history (KV purge); announced
        first unless it is the replay of an erasure already announced."""
        if announce:
            await self._announce(subscriber, Departure.ERASED)
        await self._kv.purge(index_key(subscriber.email))
        await self._kv.purge(record_key(subscriber.id))
