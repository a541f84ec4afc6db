"""API tokens: the city's admin token, and association tokens as the annuaire stores them
(`token_hash` beside the public record), for every service's `Authorization: Bearer` API.

The annuaire keeps `token_hash` (sha256 hex of the association's token) in the value of
`annuaire_associations[<slug>]`; only the hash is ever read here.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from pydantic import BaseModel, ConfigDict

from vieasso.common.directory import ASSOCIATIONS
from vieasso.common.settings import Settings


class _TokenRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token_hash: str | None = None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AssociationTokens:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def accepts(self, slug: str, token: str) -> bool:
        """True when `token` is the current token of association `slug`."""
        kv = await self._js.key_value(ASSOCIATIONS)
        try:
            entry = await kv.get(slug)
        except KeyNotFoundError:
            return False
        try:
            record = _TokenRecord.model_validate(json.loads(entry.value or b"{}"))
        except ValueError:
            return False
        if not record.token_hash:
            return False
        return hmac.compare_digest(record.token_hash, token_digest(token))


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def is_admin_token(settings: Settings, token: str) -> bool:
    expected = settings.admin_token.get_secret_value()
    return hmac.compare_digest(token.encode(), expected.encode())
