"""The registration form: a new association lands `pending` until the city validates it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from vieasso.annuaire.domain.commands import AssociationFields, RegisterAssociation
from vieasso.annuaire.domain.errors import AlreadyExists, InvalidInput, NumberHeld
from vieasso.annuaire.entrypoints.deps import TOO_MANY_REGISTRATIONS, registration_wait
from vieasso.annuaire.entrypoints.page_forms import (
    ASSOCIATION,
    FormValues,
    command_data,
    errors_of,
    read_form,
)
from vieasso.annuaire.entrypoints.pages_support import code_or_none, render, see_other, unit_of
from vieasso.annuaire.handlers.associations import register_association
from vieasso.common.http.ratelimit import retry_after

router = APIRouter(include_in_schema=False)
PATH = "/associations/inscription"
HONEYPOT = "commentaire"  # hidden from people (CSS, aria-hidden, tabindex=-1); robots fill it
HONEYPOT_FILLED = (
    "Le champ « Ne pas remplir » doit rester vide : videz-le (ou désactivez le remplissage "
    "automatique de votre navigateur), puis envoyez à nouveau le formulaire."
)


def _form(
    request: Request, values: FormValues, errors: dict[str, str], status: int = 200
) -> Response:
    return render(request, "inscription.html.j2", {"values": values, "errors": errors}, status)


@router.get(PATH, response_class=HTMLResponse)
async def registration_form(request: Request) -> Response:
    unit_of(request)
    return _form(request, {"themes": [], "address.city": "Besançon"}, {})


def _too_many(request: Request, wait: float) -> Response:
    context = {"message": TOO_MANY_REGISTRATIONS, "status": 429}
    page = render(request, "erreur.html.j2", context, 429)
    page.headers.update(retry_after(wait))
    return page


@router.post(PATH, response_class=HTMLResponse)
async def register(request: Request) -> Response:
    """Same validation as `POST /api/associations`: the command model, then the handler.

    A filled honeypot (hidden from people) gets the form again with a 422 and stores
    nothing: a person whose browser filled it is told what to do, a robot learns nothing."""
    app = unit_of(request)
    values = await read_form(request, ASSOCIATION)
    if str(values.pop(HONEYPOT, "")).strip():
        return _form(request, values, {HONEYPOT: HONEYPOT_FILLED}, 422)
    try:
        body = RegisterAssociation.model_validate(command_data(values, ASSOCIATION, change=False))
        fields = AssociationFields.model_validate(body.model_dump(exclude={"contact"}))
        wait = await registration_wait(request)
        if wait:
            return _too_many(request, wait)
        record = await register_association(app, fields, body.contact)
    except (ValidationError, InvalidInput) as exc:
        return _form(request, values, errors_of(exc, values, ASSOCIATION), 422)
    except NumberHeld as exc:
        return _form(request, values, {exc.field: exc.message}, 422)
    except AlreadyExists as exc:
        return _form(request, values, {"name": exc.message}, 422)
    return see_other(f"{PATH}/merci?identifiant={record.slug}")


@router.get(PATH + "/merci", response_class=HTMLResponse)
async def thanks(
    request: Request, identifiant: Annotated[str | None, Query(max_length=80)] = None
) -> Response:
    """The association's identifier, needed with its token to sign in once validated."""
    unit_of(request)
    return render(request, "inscription_merci.html.j2", {"slug": code_or_none(identifiant)})
