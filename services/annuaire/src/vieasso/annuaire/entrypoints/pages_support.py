"""What every page of the annuaire needs: rendering, the signed-in caller, choice lists."""

from __future__ import annotations

import hmac
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from vieasso.annuaire.config import AnnuaireSettings
from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.handlers.associations import hash_token
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.annuaire.service import AnnuaireService
from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.validation import ascii_digits
from vieasso.common.web import Kind, ServiceStarting, sessions_of

PER_PAGE = 20
MAX_PAGE = 10_000
CODE_MAX = 80  # slugs and mission ids; theme and quartier codes are shorter
UNAVAILABLE = 503
KINDS = [("ponctuelle", "Ponctuelle"), ("reguliere", "Régulière")]
REMOTE = [("non", "Sur place"), ("possible", "À distance possible"), ("total", "À distance")]
MISSION_STATES = {"open": "Ouverte", "filled": "Pourvue", "closed": "Close"}
ASSOCIATION_STATES = {"pending": "En attente", "validated": "Validée", "archived": "Archivée"}
SIGN_IN_AGAIN = (
    "Votre session n'est plus valable : reconnectez-vous (lien de connexion par courriel, ou "
    "jeton de l'association)."
)
_CODE = re.compile(SLUG_PATTERN)


class PageError(Exception):
    """Shown as a French error page with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInNeeded(Exception):
    """No sign-in cookie: go to the space's sign-in page."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def unit_of(request: Request) -> Annuaire:
    service: AnnuaireService = request.app.state.annuaire
    if service.unit is None:
        raise ServiceStarting
    return service.unit


def settings_of(request: Request) -> AnnuaireSettings:
    settings: AnnuaireSettings = request.app.state.settings
    return settings


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page of `templates/`, with the choice lists and labels every page may use."""
    templates: Jinja2Templates = request.app.state.templates
    app = request.app.state.annuaire.unit
    base: dict[str, Any] = {
        "themes": [(t.code, t.label) for t in app.index.themes()] if app else [],
        "quartiers": [(q.code, q.label) for q in app.index.quartiers()] if app else [],
        "kinds": KINDS,
        "remote_modes": REMOTE,
        "mission_states": MISSION_STATES,
        "association_states": ASSOCIATION_STATES,
    }
    base["theme_labels"] = dict(base["themes"])
    base["quartier_labels"] = dict(base["quartiers"])
    response = templates.TemplateResponse(request, name, base | (context or {}), status_code=status)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def see_other(url: str) -> RedirectResponse:
    """Post/Redirect/Get: a successful form answers 303 to the page to show next."""
    return RedirectResponse(url, status_code=303)


def code_or_none(value: str | None) -> str | None:
    """A code, slug or mission id from a URL, or None if absent or malformed."""
    value = (value or "").strip()
    return value if value and len(value) <= CODE_MAX and _CODE.fullmatch(value) else None


def page_number(value: str | None) -> int:
    return int(value) if value and ascii_digits(value) and 0 < int(value) < MAX_PAGE else 1


async def signed_in_association(request: Request, app: Annuaire) -> AssociationRecord:
    """The association of the sign-in session (`vieasso.common.web.session`).

    No cookie: 303 to the sign-in page. A session that ended (signed out, expired, token
    issued again, association archived) or an unknown cookie: 403.
    """
    sessions = sessions_of(request)
    slug = await sessions.association(request)
    record = app.index.association(slug) if slug is not None else None
    if record is None or record.state is not AssociationState.VALIDATED:
        if not sessions.has_cookie(request, Kind.ASSOCIATION):
            raise SignInNeeded("/espace-association/connexion")
        raise PageError(403, SIGN_IN_AGAIN)
    return record


def association_token_owner(app: Annuaire, slug: str, token: str) -> bool:
    """The sign-in check: `token` is the current token of validated association `slug`."""
    record = app.index.association(slug)
    return (
        record is not None
        and record.state is AssociationState.VALIDATED
        and app.index.by_token.get(hash_token(token)) == slug
    )


def is_admin_token(settings: AnnuaireSettings, token: str) -> bool:
    return hmac.compare_digest(token.encode(), settings.admin_token.get_secret_value().encode())


async def require_admin(request: Request) -> None:
    """City pages: 303 to the sign-in page without the cookie, 403 with an ended session."""
    sessions = sessions_of(request)
    if await sessions.city(request):
        return
    if not sessions.has_cookie(request, Kind.CITY):
        raise SignInNeeded("/espace-ville/connexion")
    raise PageError(403, "Votre session de la Ville n'est plus valable : reconnectez-vous.")


async def sign_out(request: Request) -> Response:
    """POST (the pages' button): deletes the sessions of both spaces and their cookies. GET
    (a link followed, a prefetch) signs no one out: it shows the button."""
    if request.method != "POST":
        return confirm_page(
            request,
            heading="Se déconnecter ?",
            question="Vous serez déconnecté de l'espace association et de l'espace ville.",
            button="Se déconnecter",
            back="/",
        )
    response = see_other("/")
    await sessions_of(request).sign_out(request, response)
    return response


async def confirmed(request: Request) -> bool:
    """An irreversible action runs only once confirmed on `confirmer.html.j2` (no script)."""
    return (await bounded_form(request)).get("confirmation") == "oui"


def confirm_page(
    request: Request, *, heading: str, question: str, button: str, back: str
) -> HTMLResponse:
    context = {
        "heading": heading,
        "question": question,
        "button": button,
        "action": request.url.path,
        "back": back,
    }
    return render(request, "confirmer.html.j2", context)
