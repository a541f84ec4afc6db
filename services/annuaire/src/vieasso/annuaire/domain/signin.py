"""One-time sign-in links to the association space (pure rules, no storage).

A link carries a random token; only its sha256 is stored (`link_key`), with the association,
the expiry and a fingerprint of the contact address it was mailed to, keyed by the token
(`contact_mark`): a link stops opening the space once the contact changed, and the bucket
alone tells nothing about the address.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from vieasso.annuaire.domain.rules import normalize

SIGN_IN_MINUTES = 15
WELCOME_DAYS = 7
SIGN_IN_LIFETIME = timedelta(minutes=SIGN_IN_MINUTES)
WELCOME_LIFETIME = timedelta(days=WELCOME_DAYS)
TOKEN_BYTES = 32
_MARK_DOMAIN = b"vieasso-link-contact:"

Purpose = Literal["connexion", "bienvenue"]


class LinkRecord(BaseModel):
    """What `annuaire_signin_links` stores under the sha256 of a link's token."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    slug: str
    purpose: Purpose
    contact_mark: str
    created_at: datetime
    expires_at: datetime


def link_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def contact_mark(token: str, email: str) -> str:
    material = _MARK_DOMAIN + token.encode() + b":" + email.strip().lower().encode()
    return hashlib.sha256(material).hexdigest()[:32]


def opens(record: LinkRecord, token: str, contact_email: str | None, now: datetime) -> bool:
    """The link may still open the space: not expired, same contact as when mailed."""
    return (
        record.expires_at > now
        and contact_email is not None
        and hmac.compare_digest(record.contact_mark, contact_mark(token, contact_email))
    )


def wanted_slug(text: str) -> str:
    """What a person typed to name an association: its identifier, or its page's address
    pasted whole (`https://…/associations/les-amis-de-battant/`) → the last segment."""
    return text.strip().rstrip("/").rsplit("/", 1)[-1].lower()


def same_name(a: str, b: str) -> bool:
    """Names compared as people type them: case, accents and punctuation ignored."""
    return normalize(a) == normalize(b)
