"""Errors on pages are French pages: the API's JSON answers stay for API clients.

The app's handlers for the API (`http.install_error_handlers`, FastAPI's own) are wrapped:
a request for a page gets `erreur.html.j2` with the same French message and status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vieasso.annuaire.adapters.kv import StorageError
from vieasso.annuaire.domain.errors import ConflictError, DomainError, InvalidState, NotFound
from vieasso.annuaire.entrypoints.http import UNAVAILABLE as NATS_UNAVAILABLE
from vieasso.annuaire.entrypoints.pages_support import (
    UNAVAILABLE,
    PageError,
    SignInNeeded,
    render,
    see_other,
)
from vieasso.common.nats.publish import PublishError

Handler = Callable[[Request, Any], Awaitable[Response]]
NOT_FOUND = 404
API_PREFIXES = ("/api/", "/export/", "/docs", "/openapi", "/healthz")
PAGE_NOT_FOUND = "Cette page n'existe pas. Elle a peut-être été déplacée ou supprimée."
BAD_REQUEST = "La demande n'est pas valide : revenez à la page précédente et réessayez."


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def _page(request: Request, status: int, message: str) -> Response:
    page = render(request, "erreur.html.j2", {"message": message, "status": status}, status)
    if status == UNAVAILABLE:
        page.headers["Retry-After"] = "2"
    return page


def _domain_status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return NOT_FOUND
    return 409 if isinstance(exc, ConflictError | InvalidState) else 400


def _for_pages(app: FastAPI, kind: type[Exception], page: Handler, api: Handler) -> None:
    """Pages get `page`, API clients the handler already installed (or `api`)."""
    installed: Handler = app.exception_handlers.get(kind, api)  # type: ignore[assignment]

    async def handle(request: Request, exc: Any) -> Response:
        if _is_page(request):
            return await page(request, exc)
        return await installed(request, exc)

    app.add_exception_handler(kind, handle)


def install_page_errors(app: FastAPI) -> None:
    """Call after the API's handlers are installed."""

    async def page_error(request: Request, exc: PageError) -> Response:
        return _page(request, exc.status, exc.message)

    async def sign_in(_: Request, exc: SignInNeeded) -> Response:
        return see_other(exc.location)

    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == NOT_FOUND and "text/html" in request.headers.get("accept", ""):
            return _page(request, NOT_FOUND, PAGE_NOT_FOUND)
        return await http_exception_handler(request, exc)

    async def invalid(request: Request, _: RequestValidationError) -> Response:
        return _page(request, 400, BAD_REQUEST)

    async def domain(request: Request, exc: DomainError) -> Response:
        return _page(request, _domain_status(exc), exc.message)

    async def unavailable(request: Request, _: Exception) -> Response:
        return _page(request, UNAVAILABLE, NATS_UNAVAILABLE)

    app.add_exception_handler(PageError, page_error)  # type: ignore[arg-type]
    app.add_exception_handler(SignInNeeded, sign_in)  # type: ignore[arg-type]
    _for_pages(app, StarletteHTTPException, not_found, http_exception_handler)
    _for_pages(app, RequestValidationError, invalid, request_validation_exception_handler)
    _for_pages(app, DomainError, domain, http_exception_handler)
    for kind in (StorageError, PublishError):
        _for_pages(app, kind, unavailable, http_exception_handler)
