"""Who may act: the city's admin token, or an association's own token for its slug.

These checks serve the API's `Authorization: Bearer` header; the pages' sign-in cookies hold
sessions opened on the annuaire after the same check (vieasso.common.web.session).
"""

# (no `from __future__ import annotations`: FastAPI reads the dependency's annotations)
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Header, HTTPException, Path

from vieasso.common.web.tokens import bearer_token, is_admin_token

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
UNAUTHORIZED = "Jeton d'accès manquant ou invalide."
FORBIDDEN = "Ce jeton ne permet pas d'agir pour cette association."


def is_admin(wiring: "Wiring", token: str) -> bool:
    return is_admin_token(wiring.settings, token)


async def may_act_for(wiring: "Wiring", slug: str, token: str) -> bool:
    """True for the admin token, or for the current token of association `slug`."""
    return is_admin(wiring, token) or await wiring.tokens().accepts(slug, token)


def association_or_admin(wiring: "Wiring") -> Callable[..., Awaitable[str]]:
    """Dependency of the `/api/associations/{slug}/…` routes: the slug, once the bearer token
    may act for it (401 without a token, 403 with another association's)."""

    async def dependency(
        slug: SlugPath, authorization: Annotated[str | None, Header()] = None
    ) -> str:
        token = bearer_token(authorization)
        if token is None:
            raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
        if await may_act_for(wiring, slug, token):
            return slug
        raise HTTPException(403, FORBIDDEN)

    return dependency
