"""Signing in to the association space: a one-time link by mail (first), or the API token.

`POST /espace-association/connexion` with `association` (its name, identifier or page
address) asks for a link and answers the same page whatever was typed; with `token` (the
secondary form, « J'ai un jeton d'API ») it checks the token as before. `GET
/espace-association/lien/{token}` only shows a button (mail scanners fetch links); `POST`
uses the link, once, and opens the session.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from vieasso.annuaire.domain.signin import SIGN_IN_MINUTES, wanted_slug
from vieasso.annuaire.entrypoints.pages_support import (
    association_token_owner,
    render,
    see_other,
    unit_of,
)
from vieasso.annuaire.handlers.associations import hash_token
from vieasso.annuaire.handlers.signin import LinkRefused, ask_for_link, check_link, use_link
from vieasso.annuaire.service import AnnuaireService
from vieasso.common.http.client import client_ip
from vieasso.common.http.ratelimit import client_key, retry_after
from vieasso.common.web import Kind, sessions_of

router = APIRouter(prefix="/espace-association", include_in_schema=False)
PAGE = "connexion_association.html.j2"
WRONG = "Identifiant ou jeton incorrect (ou association pas encore validée)."
NAME_NEEDED = "Indiquez le nom de l’association, son identifiant ou l’adresse de sa page."
SENT = (
    "Si cette association est inscrite et validée, un lien de connexion vient d’être envoyé "
    "à la personne responsable indiquée lors de l’inscription. Il est valable "
    f"{SIGN_IN_MINUTES} minutes et ne sert qu’une fois. Pensez à regarder dans les "
    "courriers indésirables."
)
TOO_MANY = (
    "Trop de demandes de lien envoyées depuis votre connexion : réessayez dans une heure, "
    "ou écrivez au Service Vie Associative de la Ville."
)
Field = Annotated[str, Form(max_length=200)]
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


@router.get("/connexion", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    unit_of(request)
    return render(request, PAGE, {"values": {}, "errors": {}})


@router.post("/connexion", response_class=HTMLResponse)
async def sign_in(
    request: Request, association: Field = "", slug: Field = "", token: Field = ""
) -> Response:
    if token.strip():
        return await _with_token(request, wanted_slug(slug), token.strip())
    app = unit_of(request)
    text = association.strip()
    if not text:
        return render(request, PAGE, {"values": {}, "errors": {"association": NAME_NEEDED}}, 422)
    service: AnnuaireService = request.app.state.annuaire
    visitor = client_ip(request, service.settings.trusted_networks)
    wait = await service.link_requests.hit(client_key(visitor))
    if wait:
        page = render(request, "erreur.html.j2", {"message": TOO_MANY, "status": 429}, 429)
        page.headers.update(retry_after(wait))
        return page
    await ask_for_link(app, text)
    return render(request, PAGE, {"values": {"association": text}, "errors": {}, "sent": SENT})


async def _with_token(request: Request, slug: str, token: str) -> Response:
    """A session only for the association's current token (checked as a hash)."""
    if not association_token_owner(unit_of(request), slug, token):
        context = {"values": {"slug": slug}, "errors": {"token": WRONG}, "with_token": True}
        return render(request, PAGE, context, status=401)
    response = see_other("/espace-association")
    await sessions_of(request).sign_in(response, Kind.ASSOCIATION, hash_token(token), slug)
    return response


def _well_formed(token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise LinkRefused
    return token


def _refused(request: Request, exc: LinkRefused) -> Response:
    return render(request, "lien_invalide.html.j2", {"message": exc.message}, 410)


@router.get("/lien/{token}", response_class=HTMLResponse)
async def link_page(request: Request, token: str) -> Response:
    """Shows the button only: following (or prefetching) the link never uses it."""
    app = unit_of(request)
    try:
        slug = await check_link(app, _well_formed(token))
    except LinkRefused as exc:
        return _refused(request, exc)
    context = {"association": app.index.association(slug), "token": token}
    return render(request, "lien_connexion.html.j2", context)


@router.post("/lien/{token}", response_class=HTMLResponse)
async def follow_link(request: Request, token: str) -> Response:
    """Uses the link (once) and opens the association's session."""
    app = unit_of(request)
    try:
        slug, contact_email = await use_link(app, _well_formed(token))
    except LinkRefused as exc:
        return _refused(request, exc)
    response = see_other("/espace-association")
    await sessions_of(request).sign_in_by_link(response, slug, contact_email)
    return response
