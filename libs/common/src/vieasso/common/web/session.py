"""Sign-in cookies of the association and city spaces.

The association cookie holds "<slug>:<token>" (the association's own token, checked by each
service exactly like its Bearer token: hashed, compared with the stored hash); the admin
cookie holds the city's admin token. HttpOnly (no script reads them), SameSite=Lax (a
cross-site form cannot post with them), Path=/, Secure behind an https public URL.
"""

from __future__ import annotations

import re

from fastapi import Request, Response

from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.settings import Settings

ASSOCIATION_COOKIE = "vieasso_association"
ADMIN_COOKIE = "vieasso_admin"
ASSOCIATION_MAX_AGE = 7 * 24 * 3600
ADMIN_MAX_AGE = 8 * 3600
_MAX_TOKEN = 200

_SLUG = re.compile(SLUG_PATTERN)


def _secure(settings: Settings) -> bool:
    base = settings.public_base_url
    return base is not None and base.scheme == "https"


def _set(response: Response, name: str, value: str, max_age: int, settings: Settings) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )


def set_association_cookie(response: Response, slug: str, token: str, settings: Settings) -> None:
    _set(response, ASSOCIATION_COOKIE, f"{slug}:{token}", ASSOCIATION_MAX_AGE, settings)


def set_admin_cookie(response: Response, token: str, settings: Settings) -> None:
    _set(response, ADMIN_COOKIE, token, ADMIN_MAX_AGE, settings)


def clear_cookies(response: Response) -> None:
    """Sign out of both spaces."""
    for name in (ASSOCIATION_COOKIE, ADMIN_COOKIE):
        response.delete_cookie(name, path="/", httponly=True, samesite="lax")


def association_credentials(request: Request) -> tuple[str, str] | None:
    """(slug, token) from the cookie, or None when absent or malformed (not yet checked)."""
    raw = request.cookies.get(ASSOCIATION_COOKIE, "")
    slug, sep, token = raw.partition(":")
    if not sep or not token or len(token) > _MAX_TOKEN or not _SLUG.fullmatch(slug):
        return None
    return slug, token


def admin_credentials(request: Request) -> str | None:
    """The admin token from the cookie (not yet checked), or None."""
    token = request.cookies.get(ADMIN_COOKIE, "")
    return token if token and len(token) <= _MAX_TOKEN else None
