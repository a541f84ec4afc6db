"""Sign-in cookies of the association and city spaces, backed by server-side sessions.

Signing in on the annuaire (after checking the token exactly like a Bearer token) opens a
session in the KV bucket `annuaire_sessions` (`session_store`) and sets a cookie holding only
the session's random id, never a token. Every service reads the same cookie and asks the
bucket who it is (`Sessions.association`, `Sessions.city`); signing out deletes the session,
so a copy of the cookie opens nothing any more.

Cookies: HttpOnly (no script reads them), SameSite=Lax, Path=/, no Domain; behind an https
public URL they are Secure and named with the `__Host-` prefix (the browser then refuses
one set by another host or over http). In development over http://127.0.0.1 a Secure cookie
would not come back, so the plain names are used (`cookie_name` decides, from the settings).
"""

from __future__ import annotations

import hmac
import re

from fastapi import Request, Response
from nats.js import JetStreamContext

from vieasso.common.clock import Clock
from vieasso.common.settings import Settings
from vieasso.common.web.session_store import (
    LIFETIMES,
    Kind,
    SessionStore,
    credential_of,
    token_hash,
)
from vieasso.common.web.starting import ServiceStarting

ASSOCIATION_COOKIE = "vieasso_association"
ADMIN_COOKIE = "vieasso_admin"
HOST_PREFIX = "__Host-"
_BASE_NAMES = {Kind.ASSOCIATION: ASSOCIATION_COOKIE, Kind.CITY: ADMIN_COOKIE}
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{20,100}")


def secure_cookies(settings: Settings) -> bool:
    """Secure, `__Host-` cookies: the platform is served over https."""
    base = settings.public_base_url
    return base is not None and base.scheme == "https"


def cookie_name(kind: Kind, settings: Settings) -> str:
    """`__Host-vieasso_…` behind https, `vieasso_…` in development over http."""
    base = _BASE_NAMES[kind]
    return f"{HOST_PREFIX}{base}" if secure_cookies(settings) else base


class Sessions:
    """Each service's view of the sign-in sessions (`app.state.sessions`)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.store = SessionStore(clock)
        self._admin_credential = credential_of(token_hash(settings.admin_token.get_secret_value()))

    async def open(self, js: JetStreamContext) -> None:
        await self.store.open(js)

    def _ready(self) -> SessionStore:
        if not self.store.ready:
            raise ServiceStarting
        return self.store

    def session_id(self, request: Request, kind: Kind) -> str | None:
        """The cookie's session id (well-formed, not yet checked), or None."""
        value = request.cookies.get(cookie_name(kind, self.settings), "")
        return value if _SESSION_ID.fullmatch(value) else None

    def has_cookie(self, request: Request, kind: Kind) -> bool:
        """The browser sent the space's cookie (valid or not)."""
        return bool(request.cookies.get(cookie_name(kind, self.settings)))

    async def sign_in(
        self, response: Response, kind: Kind, hashed_token: str, slug: str | None = None
    ) -> None:
        """Open a session for a token already checked, and set its cookie on `response`."""
        session_id = await self._ready().create(kind, hashed_token, slug)
        self._set_cookie(response, kind, session_id)

    async def sign_in_by_link(self, response: Response, slug: str, contact_email: str) -> None:
        """A one-time link mailed to `contact_email` was followed: an association session."""
        session_id = await self._ready().create_by_link(slug, contact_email)
        self._set_cookie(response, Kind.ASSOCIATION, session_id)

    async def renew_token_session(
        self, request: Request, response: Response, hashed_token: str, slug: str
    ) -> None:
        """The signed-in association issued itself a new token: a session opened with the old
        token would end, so this browser's is replaced by one bound to the new token (a
        session opened by link is kept as it is)."""
        session_id = self.session_id(request, Kind.ASSOCIATION)
        record = await self._ready().get(session_id) if session_id else None
        if session_id is None or record is None or record.via != "token":
            return
        await self._ready().revoke(session_id)
        await self.sign_in(response, Kind.ASSOCIATION, hashed_token, slug)

    def _set_cookie(self, response: Response, kind: Kind, session_id: str) -> None:
        response.set_cookie(
            cookie_name(kind, self.settings),
            session_id,
            max_age=int(LIFETIMES[kind].total_seconds()),
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure_cookies(self.settings),
        )

    async def sign_in_city(self, response: Response) -> None:
        """The admin token was checked: a city session."""
        admin_token = self.settings.admin_token.get_secret_value()
        await self.sign_in(response, Kind.CITY, token_hash(admin_token))

    async def association(self, request: Request) -> str | None:
        """The slug of the signed-in association, or None (no session, or it ended: signed
        out, expired, token issued again, association archived)."""
        session_id = self.session_id(request, Kind.ASSOCIATION)
        if session_id is None:
            return None
        store = self._ready()
        record = await store.get(session_id)
        if record is None or record.kind is not Kind.ASSOCIATION or record.slug is None:
            return None
        current = await store.association_credential(record.slug, record.via, session_id)
        if current is None or not hmac.compare_digest(current, record.credential):
            return None
        return record.slug

    async def city(self, request: Request) -> bool:
        """A valid city session, opened with the current admin token."""
        session_id = self.session_id(request, Kind.CITY)
        if session_id is None:
            return False
        record = await self._ready().get(session_id)
        return (
            record is not None
            and record.kind is Kind.CITY
            and hmac.compare_digest(record.credential, self._admin_credential)
        )

    async def sign_out(self, request: Request, response: Response) -> None:
        """Delete the sessions of both spaces' cookies, and the cookies."""
        for kind in Kind:
            session_id = self.session_id(request, kind)
            if session_id is not None:
                await self._ready().revoke(session_id)
            response.delete_cookie(
                cookie_name(kind, self.settings),
                path="/",
                secure=secure_cookies(self.settings),
                httponly=True,
                samesite="lax",
            )


def sessions_of(request: Request) -> Sessions:
    """The running service's sessions (set by its `create_app`)."""
    sessions: Sessions = request.app.state.sessions
    return sessions
