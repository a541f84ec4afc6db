"""Association space: sign in with the association's token, dashboard, edit the record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from vieasso.annuaire.domain.commands import ChangeAssociation
from vieasso.annuaire.domain.errors import ConflictError, InvalidInput, InvalidState
from vieasso.annuaire.entrypoints.page_forms import (
    ASSOCIATION,
    FormValues,
    command_data,
    errors_of,
    read_form,
    values_of,
)
from vieasso.annuaire.entrypoints.pages_support import (
    association_token_owner,
    render,
    see_other,
    sign_out,
    signed_in_association,
    unit_of,
)
from vieasso.annuaire.handlers.associations import change_association, hash_token
from vieasso.common.messages.annuaire import MissionState
from vieasso.common.web import Kind, sessions_of

router = APIRouter(prefix="/espace-association", include_in_schema=False)
WRONG = "Identifiant ou jeton incorrect (ou association pas encore validée)."
Field = Annotated[str, Form(max_length=200)]
DONE = {
    "fiche": "Votre fiche est enregistrée.",
    "mission": "La mission est enregistrée.",
    "close": "La mission est close.",
}


@router.get("/connexion", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    unit_of(request)
    return render(request, "connexion_association.html.j2", {"values": {}, "errors": {}})


@router.post("/connexion", response_class=HTMLResponse)
async def sign_in(request: Request, slug: Field = "", token: Field = "") -> Response:
    """A session is opened only for the association's current token (checked as a hash)."""
    app = unit_of(request)
    # the identifier, or the address of the association's page pasted whole
    slug, token = slug.strip().rstrip("/").rsplit("/", 1)[-1].lower(), token.strip()
    if not association_token_owner(app, slug, token):
        context = {"values": {"slug": slug}, "errors": {"token": WRONG}}
        return render(request, "connexion_association.html.j2", context, status=401)
    response = see_other("/espace-association")
    await sessions_of(request).sign_in(response, Kind.ASSOCIATION, hash_token(token), slug)
    return response


router.add_api_route("/deconnexion", sign_out, methods=["GET", "POST"], response_class=HTMLResponse)


@router.get("", response_class=HTMLResponse)
async def dashboard(
    request: Request, ok: Annotated[str | None, Query(max_length=20)] = None
) -> Response:
    app = unit_of(request)
    record = await signed_in_association(request, app)
    missions = app.index.missions_by(record.slug)
    context = {
        "association": record,
        "done": DONE.get(ok or ""),
        "missions": [m for m in missions if m.state is not MissionState.CLOSED],
    }
    return render(request, "espace_association.html.j2", context)


async def _record_form(
    request: Request, values: FormValues, errors: dict[str, str], status: int = 200
) -> Response:
    app = unit_of(request)
    record = await signed_in_association(request, app)
    found = app.index.associations.items.get(record.slug)
    context = {
        "association": record,
        "values": values,
        "errors": errors,
        "revision": values.get("revision") or (found.revision if found else ""),
    }
    return render(request, "fiche.html.j2", context, status)


@router.get("/fiche", response_class=HTMLResponse)
async def record_form(request: Request) -> Response:
    record = await signed_in_association(request, unit_of(request))
    return await _record_form(request, values_of(record, ASSOCIATION), {})


@router.post("/fiche", response_class=HTMLResponse)
async def change_record(request: Request) -> Response:
    """Same validation as `PATCH /api/associations/{slug}`, compare-and-set on the revision
    the form was filled from: a change made meanwhile is never silently overwritten."""
    app = unit_of(request)
    record = await signed_in_association(request, app)
    values = await read_form(request, ASSOCIATION)
    revision = str(values.get("revision", ""))
    try:
        change = ChangeAssociation.model_validate(command_data(values, ASSOCIATION, change=True))
        await change_association(
            app,
            record.slug,
            change,
            expected_revision=int(revision) if revision.isdigit() else None,
        )
    except (ValidationError, InvalidInput) as exc:
        return await _record_form(request, values, errors_of(exc, values, ASSOCIATION), 422)
    except (ConflictError, InvalidState) as exc:
        values["revision"] = ""  # the next try starts from the current record
        return await _record_form(request, values, {"__root__": exc.message}, 409)
    return see_other("/espace-association?ok=fiche")
