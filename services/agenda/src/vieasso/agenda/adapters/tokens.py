"""Association tokens, as the annuaire stores them: `token_hash` beside the public record.

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
