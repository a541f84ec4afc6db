"""City space: sign in with the admin token, validate (token shown once), refuse, archive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from vieasso.annuaire.domain.errors import DomainError, InvalidInput, NotFound
from vieasso.annuaire.domain.search import AssociationQuery
from vieasso.annuaire.entrypoints.pages_support import (
    PER_PAGE,
    PageError,
    code_or_none,
    confirm_page,
    confirmed,
    is_admin_token,
    page_number,
    render,
    require_admin,
    see_other,
    settings_of,
    sign_out,
    unit_of,
)
from vieasso.annuaire.handlers import associations as handlers
from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.web import sessions_of

router = APIRouter(prefix="/espace-ville", include_in_schema=False)
Short = Annotated[str | None, Query(max_length=200)]
WRONG = "Jeton de la Ville incorrect."
DONE = {
    "archive": "L’association est archivée : sa fiche et ses missions ne sont plus publiées.",
    "refus": "L’inscription est refusée : la personne responsable reçoit le motif par courriel.",
}
REASON_NEEDED = "Indiquez le motif du refus : il est envoyé à la personne responsable."


@router.get("/connexion", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    unit_of(request)
    return render(request, "connexion_ville.html.j2", {"errors": {}})


@router.post("/connexion", response_class=HTMLResponse)
async def sign_in(request: Request, token: Annotated[str, Form(max_length=200)] = "") -> Response:
    settings = settings_of(request)
    if not is_admin_token(settings, token.strip()):
        return render(request, "connexion_ville.html.j2", {"errors": {"token": WRONG}}, 401)
    response = see_other("/espace-ville")
    await sessions_of(request).sign_in_city(response)
    return response


router.add_api_route("/deconnexion", sign_out, methods=["GET", "POST"], response_class=HTMLResponse)


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    await require_admin(request)
    app = unit_of(request)
    counts = {
        state.value: len(app.index.search_associations(AssociationQuery(state=state)))
        for state in AssociationState
    }
    return render(request, "espace_ville.html.j2", {"counts": counts})


@router.get("/associations", response_class=HTMLResponse)
async def associations(
    request: Request, state: Short = None, q: Short = None, page: Short = None, ok: Short = None
) -> Response:
    await require_admin(request)
    app = unit_of(request)
    chosen = AssociationState(state) if state in set(AssociationState) else AssociationState.PENDING
    found = app.index.search_associations(
        AssociationQuery(q=(q or "").strip() or None, state=chosen)
    )
    last = max(1, -(-len(found) // PER_PAGE))
    number = min(page_number(page), last)
    shown = found[(number - 1) * PER_PAGE : number * PER_PAGE]
    records = [r for slug in shown if (r := app.index.association(slug)) is not None]
    context = {
        "state": chosen.value,
        "q": q or "",
        "records": records,
        "total": len(found),
        "page": number,
        "last_page": last,
        "done": DONE.get(ok or ""),
    }
    return render(request, "ville_associations.html.j2", context)


async def _token_page(request: Request, slug: str, *, new: bool) -> Response:
    app = unit_of(request)
    try:
        if new:
            result = await handlers.issue_token(app, slug, by="ville")
        else:
            result = await handlers.validate_association(app, slug)
    except NotFound as exc:
        raise PageError(404, exc.message) from exc
    except DomainError as exc:
        raise PageError(409, exc.message) from exc
    context = {"association": result.association, "token": result.token, "new": new}
    return render(request, "ville_jeton.html.j2", context)


@router.post("/associations/{slug}/valider", response_class=HTMLResponse)
async def validate(request: Request, slug: str) -> Response:
    """Validates and shows the association's token, this once (never stored in clear)."""
    await require_admin(request)
    return await _token_page(request, slug, new=False)


@router.post("/associations/{slug}/jeton", response_class=HTMLResponse)
async def new_token(request: Request, slug: str) -> Response:
    """A new token for a validated association (lost, or imported without one)."""
    await require_admin(request)
    return await _token_page(request, slug, new=True)


@router.post("/associations/{slug}/archiver", response_class=HTMLResponse)
async def archive(request: Request, slug: str) -> Response:
    """Asks first: archiving cannot be undone (the association cannot be validated again)."""
    await require_admin(request)
    app = unit_of(request)
    record = app.index.association(slug) if code_or_none(slug) else None
    if record is None:
        raise PageError(404, "Association introuvable.")
    if not await confirmed(request):
        return confirm_page(
            request,
            heading=f"Archiver {record.name} ?",
            question="Sa fiche et ses missions ne seront plus publiées, son jeton ne fonctionnera "
            "plus. C’est définitif : une association archivée ne peut pas être validée à nouveau.",
            button="Archiver définitivement",
            back="/espace-ville/associations",
        )
    try:
        await handlers.archive_association(app, slug)
    except NotFound as exc:
        raise PageError(404, exc.message) from exc
    except DomainError as exc:
        raise PageError(409, exc.message) from exc
    return see_other("/espace-ville/associations?state=archived&ok=archive")


@router.post("/associations/{slug}/refuser", response_class=HTMLResponse)
async def refuse(request: Request, slug: str) -> Response:
    """Asks the reason first (mailed to the contact); the registration is then archived."""
    await require_admin(request)
    app = unit_of(request)
    record = app.index.association(slug) if code_or_none(slug) else None
    if record is None:
        raise PageError(404, "Association introuvable.")
    form = await bounded_form(request)
    reason = str(form.get("motif", "")).strip()
    if not reason or "motif" not in form:
        errors = {"motif": REASON_NEEDED} if "motif" in form else {}
        context = {"association": record, "errors": errors, "values": {"motif": reason}}
        return render(request, "ville_refus.html.j2", context, 422 if errors else 200)
    try:
        await handlers.refuse_registration(app, slug, reason)
    except InvalidInput as exc:
        errors = {"motif": exc.errors[0].message}
        context = {"association": record, "errors": errors, "values": {"motif": reason}}
        return render(request, "ville_refus.html.j2", context, 422)
    except NotFound as exc:
        raise PageError(404, exc.message) from exc
    except DomainError as exc:
        raise PageError(409, exc.message) from exc
    return see_other("/espace-ville/associations?state=archived&ok=refus")
