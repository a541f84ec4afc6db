"""What the services' calendar (ICS) addresses share: the answer with a strong ETag (304
when the client has these bytes), and the secret address of one association's calendar.

A calendar application subscribes to a URL and sends nothing else (no cookie, no header),
so the URL itself is the credential: ``…?jeton=<key>`` with ``key = HMAC-SHA256(admin
token, purpose ‖ slug ‖ fingerprint of the association's current token)``. Nothing is
stored: the service recomputes the key on each request.

- Only a service can make a key (it needs the platform's secret), and a key opens one
  association's calendar of one purpose only (`purpose`: its loans, its aids…).
- Issuing a new association token (association space of the annuaire) changes the
  fingerprint, so every address given out before stops working: that is how an association
  revokes a leaked address. Changing the admin token revokes every association's address.
- The key is not the association's token: a leaked calendar address opens no session and
  writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request
from fastapi.responses import Response

MEDIA_TYPE = "text/calendar; charset=utf-8"
KEY_LENGTH = 32  # characters of URL-safe base64: 192 bits


def feed_key(secret: str, purpose: bytes, slug: str, token_fingerprint: str) -> str:
    material = purpose + b"\x00" + slug.encode() + b"\x00" + token_fingerprint.encode()
    digest = hmac.new(secret.encode(), material, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:KEY_LENGTH]


def key_matches(secret: str, purpose: bytes, slug: str, token_fingerprint: str, given: str) -> bool:
    expected = feed_key(secret, purpose, slug, token_fingerprint)
    return hmac.compare_digest(expected.encode(), given.encode())


def calendar_response(request: Request, body: bytes, cache_control: str) -> Response:
    """The calendar's bytes with a strong ETag, or 304 when `If-None-Match` names it."""
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    given = request.headers.get("if-none-match", "")
    if any(tag.strip().removeprefix("W/") in (etag, "*") for tag in given.split(",") if tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
