"""Signed, single-purpose tokens for the links in mails (HMAC-SHA256, constant-time check).

A token is ``<payload>.<signature>``, both base64url: the payload says what the token is
for, for whom and until when (0: no expiry, for the unsubscribe link, which must keep
working in old mails). The subscriber id in it is random, so the token leaks no address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum

SIGNATURE_BYTES = 20
FIELDS = 3  # purpose, subscriber id, expiry


class Purpose(StrEnum):
    CONFIRM = "c"  # confirm a subscription (expires)
    UNSUBSCRIBE = "u"  # one-click unsubscribe (never expires)
    MANAGE = "m"  # preferences, export, erase (expires, long)


class InvalidToken(ValueError):
    """Unsigned, tampered with, for another purpose, or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: str) -> bytes:
    return hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]


def sign(secret: bytes, purpose: Purpose, subscriber_id: str, expires: datetime | None) -> str:
    expiry = int(expires.timestamp()) if expires is not None else 0
    payload = _b64(f"{purpose.value}:{subscriber_id}:{expiry}".encode())
    return f"{payload}.{_b64(_mac(secret, payload))}"


def verify(secret: bytes, token: str, purpose: Purpose, now: datetime) -> str:
    """The subscriber id the token was made for; raises InvalidToken otherwise."""
    payload, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
        fields = _unb64(payload).decode().split(":")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("malformed") from exc
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise InvalidToken("bad signature")
    if len(fields) != FIELDS or fields[0] != purpose.value or not fields[2].isdigit():
        raise InvalidToken("wrong purpose")
    expiry = int(fields[2])
    if expiry and now.timestamp() > expiry:
        raise InvalidToken("expired")
    return fields[1]
