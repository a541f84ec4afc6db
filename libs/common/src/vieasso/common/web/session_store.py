"""Server-side sign-in sessions, in the annuaire's KV bucket `annuaire_sessions`.

The cookie holds only a random session id; the bucket holds, under the sha256 of that id (so
neither the bucket nor a copy of it gives a usable session), who signed in and until when:

| key                      | value (`SessionRecord`)                                       |
|--------------------------|---------------------------------------------------------------|
| sha256 hex of session id | kind (`association`/`city`), slug, credential, created, expires |

`credential` is a fingerprint of the hash of the token the person signed in with (the
association's token, or the city's admin token). Every read compares it with the current
one: a token issued again, an association archived (no token any more) or an admin token
changed ends the sessions opened with the old one, as the old token cookies did.

A record is written once, with a per-message TTL equal to its lifetime (absolute, never
extended); the bucket's TTL, the longest lifetime, is the hard bound, and the expiry is
checked on every read too. Signing out deletes the record. The annuaire writes the bucket;
the agenda and the newsletter read it (one KV get per signed-in page).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum

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
    created_at: datetime
    expires_at: datetime


class _Association(BaseModel):
    """What a session needs of `annuaire_associations[<slug>]` (other fields ignored)."""

    model_config = ConfigDict(extra="ignore")

    state: str = ""
    token_hash: str | None = None


def token_hash(token: str) -> str:
    """sha256 hex of a token: what the directory stores for an association's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def credential_of(hashed_token: str) -> str:
    """The fingerprint of a token's hash kept in a session (not the hash itself)."""
    return hashlib.sha256(_DOMAIN + hashed_token.encode()).hexdigest()[:32]


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
        now = self._clock.now()
        lifetime = LIFETIMES[kind]
        record = SessionRecord(
            kind=kind,
            slug=slug,
            credential=credential_of(hashed_token),
            created_at=now,
            expires_at=now + lifetime,
        )
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
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

    async def association_credential(self, slug: str) -> str | None:
        """The credential of validated association `slug`'s current token, else None."""
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
        if found.state != AssociationState.VALIDATED.value or not found.token_hash:
            return None
        return credential_of(found.token_hash)
