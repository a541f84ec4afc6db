"""The `annuaire_signin_links` bucket: one-time sign-in links, stored only as sha256.

Each record is written once with a per-message TTL equal to its lifetime (the bucket's TTL,
the welcome link's 7 days, is the hard bound); expiry is checked on every read too. Using a
link deletes its record with the revision read (compare-and-set): of two simultaneous uses,
one wins, the other finds it used.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from nats.errors import Error as NatsError
from nats.js.errors import APIError, KeyDeletedError, KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import ValidationError

from vieasso.annuaire.adapters.kv import StorageError
from vieasso.annuaire.domain.signin import TOKEN_BYTES, LinkRecord, Purpose, contact_mark, link_key

BUCKET = "annuaire_signin_links"
_WRONG_LAST = (10071, 10164)


class SignInLinks:
    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    async def create(
        self, slug: str, purpose: Purpose, contact_email: str, now: datetime, lifetime: timedelta
    ) -> str:
        """A new link for `slug`; returns its token (for the mail, stored nowhere)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        record = LinkRecord(
            slug=slug,
            purpose=purpose,
            contact_mark=contact_mark(token, contact_email),
            created_at=now,
            expires_at=now + lifetime,
        )
        try:
            await self.kv.create(
                link_key(token),
                record.model_dump_json().encode(),
                msg_ttl=lifetime.total_seconds(),
            )
        except NatsError as exc:
            raise StorageError(f"{BUCKET}: {exc!r}") from exc
        return token

    async def find(self, token: str) -> tuple[LinkRecord, int] | None:
        """The link's record and revision, or None: unknown, used or expired by TTL."""
        try:
            entry = await self.kv.get(link_key(token))
        except (KeyNotFoundError, KeyDeletedError):
            return None
        except NatsError as exc:
            raise StorageError(f"{BUCKET}: {exc!r}") from exc
        if entry.value is None or entry.revision is None:
            return None
        try:
            return LinkRecord.model_validate_json(entry.value), entry.revision
        except ValidationError:
            return None

    async def use(self, token: str, revision: int) -> bool:
        """Delete the link if it is still at `revision`: True for the one use that wins."""
        try:
            await self.kv.delete(link_key(token), last=revision)
        except APIError as exc:
            if exc.err_code in _WRONG_LAST:
                return False
            raise StorageError(f"{BUCKET}: {exc!r}") from exc
        except NatsError as exc:
            raise StorageError(f"{BUCKET}: {exc!r}") from exc
        return True
