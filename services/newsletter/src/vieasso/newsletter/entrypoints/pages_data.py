"""Pages of one's data (GDPR export and erasure, from the preferences page) and the archive
of the editions sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from vieasso.newsletter.domain.tokens import InvalidToken
from vieasso.newsletter.entrypoints.deps import Service
from vieasso.newsletter.entrypoints.web import BAD_LINK, NO_STORE, Form, first, message, render
from vieasso.newsletter.handlers.subscriptions import UnknownSubscriber

OptionalToken = Annotated[str, Query(max_length=400)]


def build_router() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get("/donnees")
    async def export(service: Service, token: OptionalToken = "") -> JSONResponse:
        try:
            data = await service.subscriptions.export(token)
        except (InvalidToken, UnknownSubscriber):
            return JSONResponse({"detail": BAD_LINK[0]}, status_code=404)
        headers = {"Content-Disposition": 'attachment; filename="mes-donnees.json"', **NO_STORE}
        return JSONResponse(data, headers=headers)

    @router.post("/donnees/effacer")
    async def erase(request: Request, service: Service, fields: Form) -> HTMLResponse:
        try:
            await service.subscriptions.erase(first(fields, "token"))
        except InvalidToken:
            return message(request, "Lien invalide", *BAD_LINK, status=400)
        return message(
            request, "Données effacées", "Nous avons effacé votre adresse et vos préférences."
        )

    @router.get("/archives")
    async def archives(request: Request, service: Service) -> HTMLResponse:
        editions = await service.archived_editions()
        return render(request, "archives.html.j2", title="Les lettres envoyées", editions=editions)

    @router.get("/archives/{edition_id}")
    async def archive(request: Request, edition_id: str, service: Service) -> HTMLResponse:
        """The letter itself, as mailed (its generic version: no personal link)."""
        html = await service.archive_html(edition_id)
        if html is None:
            return message(request, "Lettre introuvable", "Cette lettre n’existe pas.", status=404)
        return HTMLResponse(html, headers={"Cache-Control": "public, max-age=3600"})

    return router
