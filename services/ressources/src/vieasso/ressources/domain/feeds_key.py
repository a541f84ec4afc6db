"""The secret address of an association's loan calendar.

A calendar application subscribes to a URL and sends nothing else (no cookie, no header), so
the URL itself is the credential: ``/feeds/associations/<slug>/prets.ics?jeton=<key>`` with
``key = HMAC-SHA256(admin token, "ressources-feed" ‖ slug ‖ fingerprint of the association's
current token)``. Nothing is stored: the service recomputes the key on each request.

- Only the service can make a key (it needs the platform's secret), and a key opens one
  association's calendar only.
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

DOMAIN = b"vieasso-ressources-feed\x00"
KEY_LENGTH = 32  # characters of URL-safe base64: 192 bits


def feed_key(secret: str, slug: str, token_fingerprint: str) -> str:
    material = DOMAIN + slug.encode() + b"\x00" + token_fingerprint.encode()
    digest = hmac.new(secret.encode(), material, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:KEY_LENGTH]


def key_matches(secret: str, slug: str, token_fingerprint: str, given: str) -> bool:
    expected = feed_key(secret, slug, token_fingerprint)
    return hmac.compare_digest(expected.encode(), given.encode())
