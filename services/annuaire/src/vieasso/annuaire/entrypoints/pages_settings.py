"""Association space: its API token (issue, revoke) and the associations' letter choice."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from vieasso.annuaire.domain.errors import DomainError
from vieasso.annuaire.entrypoints.pages_support import (
    PageError,
    confirm_page,
    confirmed,
    render,
    see_other,
    signed_in_association,
    unit_of,
)
from vieasso.annuaire.handlers.associations import hash_token, issue_token, revoke_token
from vieasso.annuaire.handlers.letter import choose_letter
from vieasso.common.http.limits import bounded_form
from vieasso.common.web import sessions_of

router = APIRouter(prefix="/espace-association", include_in_schema=False)
BACK = "/espace-association"


@router.post("/jeton", response_class=HTMLResponse)
async def new_token(request: Request) -> Response:
    """A new token, shown once; the previous one stops working (asks first)."""
    app = unit_of(request)
    record = await signed_in_association(request, app)
    if not await confirmed(request):
        return confirm_page(
            request,
            heading="Émettre un nouveau jeton d’API ?",
            question="Le jeton actuel, s’il y en a un, cessera aussitôt de fonctionner : les "
            "outils qui l’utilisent devront recevoir le nouveau.",
            button="Émettre un nouveau jeton",
            back=BACK,
        )
    try:
        result = await issue_token(app, record.slug, by="association")
    except DomainError as exc:
        raise PageError(409, exc.message) from exc
    page = render(request, "espace_jeton.html.j2", {"association": record, "token": result.token})
    await sessions_of(request).renew_token_session(
        request, page, hash_token(result.token), record.slug
    )
    return page


@router.post("/jeton/revoquer", response_class=HTMLResponse)
async def revoke(request: Request) -> Response:
    app = unit_of(request)
    record = await signed_in_association(request, app)
    if not await confirmed(request):
        return confirm_page(
            request,
            heading="Révoquer le jeton d’API ?",
            question="Les outils qui l’utilisent seront refusés. Si vous vous êtes connecté "
            "avec ce jeton, vous serez déconnecté (un lien de connexion reste possible).",
            button="Révoquer le jeton",
            back=BACK,
        )
    try:
        await revoke_token(app, record.slug, by="association")
    except DomainError as exc:
        raise PageError(409, exc.message) from exc
    return see_other(f"{BACK}?ok=jeton-revoque")


@router.post("/lettre", response_class=HTMLResponse)
async def letter(request: Request) -> Response:
    """The checkbox « Recevoir la lettre des associations »: unchecked sends nothing."""
    app = unit_of(request)
    record = await signed_in_association(request, app)
    subscribed = (await bounded_form(request)).get("lettre") == "oui"
    if subscribed != await app.letters.subscribed(record.slug):
        await choose_letter(app, record.slug, subscribed=subscribed)
    return see_other(f"{BACK}?ok=lettre-{'oui' if subscribed else 'non'}")
