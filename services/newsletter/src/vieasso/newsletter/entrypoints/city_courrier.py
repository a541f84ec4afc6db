"""The city's courrier pages (`/espace-ville/courriers`): the templates of the mails other
services ask for, each previewed (HTML in a frame, text part as is) with sample parameters,
and the associations whose contact was refused for good. Signed in like the digest pages
(`entrypoints/city.py`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from vieasso.common.http.headers import mail_html_headers
from vieasso.common.messages.courrier import PARAMS, Template
from vieasso.newsletter.adapters.courrier_rendering import CourrierMail
from vieasso.newsletter.domain.courrier import SUBJECTS
from vieasso.newsletter.entrypoints.city import is_admin, sign_in
from vieasso.newsletter.entrypoints.deps import Service
from vieasso.newsletter.entrypoints.web import NO_STORE, message, render
from vieasso.newsletter.handlers.courrier_city import (
    DESCRIPTIONS,
    greeted,
    preview,
    samples,
    undeliverable,
)
from vieasso.newsletter.service import Newsletter

PAGE = "/espace-ville/courriers"


def _preview(service: Newsletter, template: Template) -> CourrierMail:
    params = samples(service.clock.now(), service.settings.public_url)[template]
    return preview(service.courrier.renderer, template, params)


def _template(name: str) -> Template | None:
    try:
        return Template(name)
    except ValueError:
        return None


def _unknown(request: Request) -> HTMLResponse:
    return message(request, "Modèle introuvable", "Ce modèle de courrier n’existe pas.", status=404)


def build_router() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get(PAGE, response_model=None)
    async def courriers(request: Request, service: Service) -> Response:
        if not await is_admin(request):
            return sign_in(service)
        secret = service.settings.token_secret.get_secret_value().encode()
        store = service.courrier.outcomes.store
        return render(
            request,
            "courriers.html.j2",
            title="Courriers aux associations",
            templates=[(t.value, SUBJECTS[t], DESCRIPTIONS[t]) for t in Template],
            undeliverable=await undeliverable(store, service.contacts, secret),
        )

    @router.get(PAGE + "/{name}", response_model=None)
    async def template_page(request: Request, name: str, service: Service) -> Response:
        if not await is_admin(request):
            return sign_in(service)
        template = _template(name)
        if template is None:
            return _unknown(request)
        return render(
            request,
            "courrier_modele.html.j2",
            title=f"Courrier « {template.value} »",
            code=template.value,
            mail=_preview(service, template),
            description=DESCRIPTIONS[template],
            params=list(PARAMS[template].model_fields),
            sample=greeted(template),
        )

    @router.get(PAGE + "/{name}/html", response_model=None)
    async def template_html(request: Request, name: str, service: Service) -> Response:
        if not await is_admin(request):
            return sign_in(service)
        template = _template(name)
        if template is None:
            return _unknown(request)
        return HTMLResponse(
            _preview(service, template).html,
            headers={**NO_STORE, **mail_html_headers(service.settings, framed_here=True)},
        )

    return router
