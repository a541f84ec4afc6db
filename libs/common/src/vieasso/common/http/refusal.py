"""A request the edge guards refuse (too large, foreign origin): a French page for a person,
`{"detail": ...}` for an API client (the shape of every other error of the services)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from vieasso.common.settings import Settings
from vieasso.common.web.pages import shared_templates, site_urls
from vieasso.common.web.starting import wants_page

TITLES = {403: "Demande refusée", 413: "Envoi trop volumineux"}


def refusal(request: Request, settings: Settings, status: int, detail: str) -> Response:
    headers = {"Cache-Control": "no-store"}
    if not wants_page(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    return shared_templates(site_urls(settings)).TemplateResponse(
        request,
        "refus.html.j2",
        {"title": TITLES.get(status, "Demande refusée"), "message": detail},
        status_code=status,
        headers=headers,
    )


async def refuse(
    scope: Scope, receive: Receive, send: Send, *, settings: Settings, status: int, detail: str
) -> None:
    """Answer `status` from a pure ASGI middleware, before or instead of the app."""
    response = refusal(Request(scope, receive), settings, status, detail)
    await response(scope, receive, send)
