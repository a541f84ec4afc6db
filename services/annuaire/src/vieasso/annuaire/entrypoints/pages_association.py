"""Association space: dashboard, edit the record (signing in: pages_signin.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
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
    render,
    see_other,
    sign_out,
    signed_in_association,
    unit_of,
)
from vieasso.annuaire.handlers.associations import change_association
from vieasso.common.messages.annuaire import MissionState
from vieasso.common.validation import ascii_digits

router = APIRouter(prefix="/espace-association", include_in_schema=False)
DONE = {
    "fiche": "Votre fiche est enregistrée.",
    "mission": "La mission est enregistrée.",
    "close": "La mission est close.",
    "jeton-revoque": "Le jeton d’API est révoqué : les outils qui l’utilisaient sont refusés.",
    "lettre-oui": "Vous recevrez la lettre des associations.",
    "lettre-non": "Vous ne recevrez plus la lettre des associations.",
}


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
        "letter": await app.letters.subscribed(record.slug),
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
            expected_revision=int(revision) if ascii_digits(revision) else None,
        )
    except (ValidationError, InvalidInput) as exc:
        return await _record_form(request, values, errors_of(exc, values, ASSOCIATION), 422)
    except (ConflictError, InvalidState) as exc:
        values["revision"] = ""  # the next try starts from the current record
        return await _record_form(request, values, {"__root__": exc.message}, 409)
    return see_other("/espace-association?ok=fiche")
