"""``newsletter_requests``: subscription requests taken and not yet handled.

The form and the API answer at once and handle the request after the answer (so that the
answer says nothing about the address). The request is written here first, under a random
key, and deleted once handled: a replica killed in between leaves it behind, and the one
holding the lease ``newsletter.requests`` handles it (`Subscriptions.recover`). Writing a
random key takes the same time whatever the address.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from vieasso.common.nats.kv import scan
from vieasso.newsletter.domain.subscriber import Preferences

BUCKET = "newsletter_requests"
PREFIX = "req."


class PendingRequest(BaseModel):
    """One request of the form or the API, as taken."""

    model_config = ConfigDict(frozen=True)

    email: str
    preferences: Preferences
    ip: str | None = None
    requested_at: AwareDatetime


class PendingRequests:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext) -> PendingRequests:
        return cls(await js.key_value(BUCKET))

    async def add(self, request: PendingRequest) -> str:
        """Store `request` under a new key; the key."""
        key = PREFIX + secrets.token_hex(12)
        await self._kv.create(key, request.model_dump_json().encode())
        return key

    async def done(self, key: str) -> None:
        try:
            await self._kv.delete(key)
        except KeyNotFoundError:  # handled and deleted by another replica meanwhile
            return

    async def older_than(self, moment: datetime) -> AsyncIterator[tuple[str, PendingRequest]]:
        """The requests taken before `moment` and still here (an unreadable one is dropped:
        nothing could handle it)."""
        async for entry in scan(self._kv, PREFIX + "*"):
            try:
                request = PendingRequest.model_validate_json(entry.value or b"")
            except ValidationError:
                await self.done(entry.key)
                continue
            if request.requested_at < moment:
                yield entry.key, request
