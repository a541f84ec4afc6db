"""Server-side sign-in sessions, in the annuaire's KV bucket `annuaire_sessions`.

The cookie holds only a random session id; the bucket holds, under the sha256 of that id (so
neither the bucket nor a copy of it gives a usable session), who signed in and until when:

| key                      | value (`SessionRecord`)                                       |
|--------------------------|---------------------------------------------------------------|
| sha256 hex of session id | kind (`association`/`city`), slug, credential, created, expires |

`credential` is a fingerprint of what the person proved, compared on every read with the
current one (`via`):

- `token`: the hash of the token they signed in with (the association's token, or the
  city's admin token). A token issued again or revoked, an association archived (no token
  any more) or an admin token changed ends the sessions opened with the old one.
- `link` (an association that followed a one-time link mailed to its private contact): the
  contact's address, fingerprinted with the session id as key (`link_credential`; the id is
  in the cookie only, so the bucket holds nothing that can be matched with an address). A
  change of the private contact (the person who received the link left) or the association
  archived ends these sessions; a token issued or revoked does not (the token is for tools).

A record is written once, with a per-message TTL equal to its lifetime (absolute, never
extended); the bucket's TTL, the longest lifetime, is the hard bound, and the expiry is
checked on every read too. Signing out deletes the record. The annuaire writes the bucket;
the other services read it (one KV get per signed-in page).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel, ConfigDict, ValidationError

from vieasso.common.clock import Clock
from vieasso.common.directory import ASSOCIATIONS
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.web.starting import ServiceStarting

SESSIONS = "annuaire_sessions"
ASSOCIATION_LIFETIME = timedelta(days=7)
CITY_LIFETIME = timedelta(hours=8)
LONGEST = max(ASSOCIATION_LIFETIME, CITY_LIFETIME)
SESSION_ID_BYTES = 32
_DOMAIN = b"vieasso-session-credential:"
_LINK_DOMAIN = b"vieasso-session-contact:"
Via = Literal["token", "link"]


class SessionsUnavailable(ServiceStarting):
    """NATS did not answer: the page answers 503 « réessayez » rather than a 500."""


@contextmanager
def _unavailable_as_503() -> Iterator[None]:
    try:
        yield
    except KeyNotFoundError:
        raise
    except (NatsError, TimeoutError) as exc:
        raise SessionsUnavailable from exc


class Kind(StrEnum):
    ASSOCIATION = "association"
    CITY = "city"


LIFETIMES = {Kind.ASSOCIATION: ASSOCIATION_LIFETIME, Kind.CITY: CITY_LIFETIME}


class SessionRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Kind
    slug: str | None = None
    credential: str
    via: Via = "token"
    created_at: datetime
    expires_at: datetime


class _Contact(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str


class _Association(BaseModel):
    """What a session needs of `annuaire_associations[<slug>]` (other fields ignored)."""

    model_config = ConfigDict(extra="ignore")

    state: str = ""
    token_hash: str | None = None
    private_contact: _Contact | None = None


def token_hash(token: str) -> str:
    """sha256 hex of a token: what the directory stores for an association's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def credential_of(hashed_token: str) -> str:
    """The fingerprint of a token's hash kept in a session (not the hash itself)."""
    return hashlib.sha256(_DOMAIN + hashed_token.encode()).hexdigest()[:32]


def link_credential(session_id: str, contact_email: str) -> str:
    """The fingerprint of the contact address a link session was opened through, keyed by the
    session id (never stored): the bucket alone cannot tell which address it was."""
    material = _LINK_DOMAIN + session_id.encode() + b":" + contact_email.strip().lower().encode()
    return hashlib.sha256(material).hexdigest()[:32]


def session_key(session_id: str) -> str:
    """The bucket key of a session: the sha256 hex of its id, never the id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Opens, reads and deletes sessions; `open(js)` once NATS is connected."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._kv: KeyValue | None = None
        self._associations: KeyValue | None = None

    @property
    def ready(self) -> bool:
        return self._kv is not None

    async def open(self, js: JetStreamContext) -> None:
        self._associations = await js.key_value(ASSOCIATIONS)
        self._kv = await js.key_value(SESSIONS)

    def _bucket(self) -> KeyValue:
        if self._kv is None:
            raise RuntimeError("the session store is not open yet")
        return self._kv

    async def create(self, kind: Kind, hashed_token: str, slug: str | None = None) -> str:
        """A new session for whoever proved they hold the token of hash `hashed_token`;
        returns its id (for the cookie, shown nowhere else)."""
        return await self._create(kind, slug, "token", lambda _: credential_of(hashed_token))

    async def create_by_link(self, slug: str, contact_email: str) -> str:
        """A new session of association `slug`, opened by a one-time link mailed to
        `contact_email` (its private contact at that moment); returns its id."""
        return await self._create(
            Kind.ASSOCIATION, slug, "link", lambda sid: link_credential(sid, contact_email)
        )

    async def _create(
        self, kind: Kind, slug: str | None, via: Via, credential: Callable[[str], str]
    ) -> str:
        now = self._clock.now()
        lifetime = LIFETIMES[kind]
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        record = SessionRecord(
            kind=kind,
            slug=slug,
            credential=credential(session_id),
            via=via,
            created_at=now,
            expires_at=now + lifetime,
        )
        with _unavailable_as_503():
            await self._bucket().create(
                session_key(session_id),
                record.model_dump_json().encode(),
                msg_ttl=lifetime.total_seconds(),
            )
        return session_id

    async def get(self, session_id: str) -> SessionRecord | None:
        """The session of `session_id`, or None: unknown, deleted, expired or unreadable."""
        try:
            with _unavailable_as_503():
                entry = await self._bucket().get(session_key(session_id))
        except KeyNotFoundError:
            return None
        try:
            record = SessionRecord.model_validate_json(entry.value or b"")
        except ValidationError:
            return None
        return record if record.expires_at > self._clock.now() else None

    async def revoke(self, session_id: str) -> None:
        """Delete the session (signing out): its cookie, even copied, opens nothing any more."""
        with _unavailable_as_503():
            await self._bucket().delete(session_key(session_id))

    async def association_credential(
        self, slug: str, via: Via = "token", session_id: str = ""
    ) -> str | None:
        """The credential a session of validated association `slug` opened `via` a token or
        a link must hold now (link: keyed by `session_id`), else None."""
        if self._associations is None:
            raise RuntimeError("the session store is not open yet")
        try:
            with _unavailable_as_503():
                entry = await self._associations.get(slug)
        except KeyNotFoundError:
            return None
        try:
            found = _Association.model_validate(json.loads(entry.value or b"{}"))
        except (ValueError, ValidationError):
            return None
        if found.state != AssociationState.VALIDATED.value:
            return None
        if via == "link":
            contact = found.private_contact
            return link_credential(session_id, contact.email) if contact else None
        return credential_of(found.token_hash) if found.token_hash else None
