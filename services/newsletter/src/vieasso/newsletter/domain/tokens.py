"""Signed, single-purpose tokens for the links in mails (HMAC-SHA256, constant-time check).

A token is ``<payload>.<signature>``, both base64url: the payload says what the token is
for, for whom and until when (0: no expiry, for the unsubscribe link, which must keep
working in old mails), and, for a confirmation link, the subscriber's `generation` when it
was mailed (a link of an earlier generation confirms nothing, see `Subscriber.confirmable`).
The subscriber id in it is random, so the token leaks no address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from vieasso.common.validation import ascii_digits

SIGNATURE_BYTES = 20
FIELDS = (3, 4)  # purpose, subscriber id, expiry[, generation]
MAX_DIGITS = 12


class Purpose(StrEnum):
    CONFIRM = "c"  # confirm a subscription (expires)
    UNSUBSCRIBE = "u"  # one-click unsubscribe (never expires)
    MANAGE = "m"  # preferences, export, erase (expires, long)
    LETTER_UNSUBSCRIBE = "l"  # an association leaves the associations' letter (its slug)


class InvalidToken(ValueError):
    """Unsigned, tampered with, for another purpose, or expired."""


class Claims(NamedTuple):
    subscriber_id: str
    generation: int  # 0 in the tokens made without one


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: str) -> bytes:
    return hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]


def sign(
    secret: bytes,
    purpose: Purpose,
    subscriber_id: str,
    expires: datetime | None,
    generation: int | None = None,
) -> str:
    expiry = int(expires.timestamp()) if expires is not None else 0
    fields = [purpose.value, subscriber_id, str(expiry)]
    if generation is not None:
        fields.append(str(generation))
    payload = _b64(":".join(fields).encode())
    return f"{payload}.{_b64(_mac(secret, payload))}"


def verify(secret: bytes, token: str, purpose: Purpose, now: datetime) -> str:
    """The subscriber id the token was made for; raises InvalidToken otherwise."""
    return claims(secret, token, purpose, now).subscriber_id


def claims(secret: bytes, token: str, purpose: Purpose, now: datetime) -> Claims:
    """Who the token was made for, and at which generation; raises InvalidToken otherwise."""
    payload, _, signature = token.partition(".")
    try:
        given = _unb64(signature)
        fields = _unb64(payload).decode().split(":")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("malformed") from exc
    if not hmac.compare_digest(given, _mac(secret, payload)):
        raise InvalidToken("bad signature")
    if len(fields) not in FIELDS or fields[0] != purpose.value:
        raise InvalidToken("wrong purpose")
    numbers = fields[2:]
    if not all(ascii_digits(n) and len(n) <= MAX_DIGITS for n in numbers):
        raise InvalidToken("malformed")
    expiry = int(fields[2])
    if expiry and now.timestamp() > expiry:
        raise InvalidToken("expired")
    return Claims(fields[1], int(numbers[1]) if len(numbers) > 1 else 0)
