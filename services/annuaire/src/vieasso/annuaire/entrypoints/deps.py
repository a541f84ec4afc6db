"""FastAPI dependencies: the annuaire unit, the caller (admin / association / anonymous)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.handlers.associations import hash_token
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.annuaire.service import AnnuaireService
from vieasso.common.http.client import client_ip
from vieasso.common.http.ratelimit import client_key
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.validation import ascii_digits
from vieasso.common.web import ServiceStarting

_BEARER = HTTPBearer(auto_error=False, description="Jeton de la Ville ou de l'association.")

SlugPath = Annotated[
    str, Path(min_length=1, max_length=80, pattern=SLUG_PATTERN, description="Identifiant.")
]


def unit(request: Request) -> Annuaire:
    service: AnnuaireService = request.app.state.annuaire
    if service.unit is None:
        raise ServiceStarting
    return service.unit


Unit = Annotated[Annuaire, Depends(unit)]

TOO_MANY_REGISTRATIONS = (
    "Trop d'inscriptions envoyées depuis votre connexion : réessayez plus tard, ou écrivez au "
    "Service Vie Associative, qui peut inscrire plusieurs associations pour vous."
)


async def registration_wait(request: Request) -> float:
    """Count one registration of this visitor: 0.0 when allowed, else seconds to wait."""
    service: AnnuaireService = request.app.state.annuaire
    visitor = client_ip(request, service.settings.trusted_networks)
    return await service.registrations.hit(client_key(visitor))


@dataclass(frozen=True)
class Caller:
    """Who calls: the city (admin), one association (its slug), or anyone."""

    admin: bool = False
    slug: str | None = None

    def may_edit(self, slug: str) -> bool:
        return self.admin or self.slug == slug


def caller(
    request: Request,
    app: Unit,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> Caller:
    if credentials is None:
        return Caller()
    token = credentials.credentials.encode()
    settings: AnnuaireSettings = request.app.state.settings
    if hmac.compare_digest(token, settings.admin_token.get_secret_value().encode()):
        return Caller(admin=True)
    slug = app.index.by_token.get(hash_token(credentials.credentials))
    if slug is None:
        raise HTTPException(
            401, "Jeton d'accès invalide ou révoqué.", headers={"WWW-Authenticate": "Bearer"}
        )
    return Caller(slug=slug)


AnyCaller = Annotated[Caller, Depends(caller)]


def _authenticated(who: Caller) -> None:
    if not who.admin and who.slug is None:
        raise HTTPException(
            401,
            "Authentification requise : en-tête « Authorization: Bearer <jeton> ».",
            headers={"WWW-Authenticate": "Bearer"},
        )


def admin(who: AnyCaller) -> Caller:
    _authenticated(who)
    if not who.admin:
        raise HTTPException(403, "Réservé au Service Vie Associative de la Ville.")
    return who


def editor(slug: SlugPath, who: AnyCaller) -> Caller:
    """The city, or the association whose slug is in the path."""
    _authenticated(who)
    if not who.may_edit(slug):
        raise HTTPException(403, "Ce jeton ne permet pas de modifier cette association.")
    return who


Admin = Annotated[Caller, Depends(admin)]
Editor = Annotated[Caller, Depends(editor)]


def revision_of(if_match: str | None) -> int | None:
    """`If-Match: "12"` → 12 (the ETag of a detail answer is its KV revision)."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not ascii_digits(text):
        raise HTTPException(412, "En-tête If-Match invalide : reprenez l'ETag reçu.")
    return int(text)
