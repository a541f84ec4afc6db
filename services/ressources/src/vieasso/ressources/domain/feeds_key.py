"""The secret address of an association's loan calendar:
``/feeds/associations/<slug>/prets.ics?jeton=<key>``, the key of
`vieasso.common.web.calendars` for the purpose ``vieasso-ressources-feed`` (how it is made,
revoked, and why it opens nothing else: see there).
"""

from __future__ import annotations

from vieasso.common.web import calendars

PURPOSE = b"vieasso-ressources-feed"


def feed_key(secret: str, slug: str, token_fingerprint: str) -> str:
    return calendars.feed_key(secret, PURPOSE, slug, token_fingerprint)


def key_matches(secret: str, slug: str, token_fingerprint: str, given: str) -> bool:
    return calendars.key_matches(secret, PURPOSE, slug, token_fingerprint, given)
