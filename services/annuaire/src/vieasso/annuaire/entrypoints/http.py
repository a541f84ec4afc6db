"""HTTP API of the annuaire service (SPEC §4), and its French error answers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from vieasso.annuaire.adapters.kv import StorageError
from vieasso.annuaire.domain.errors import (
    ConflictError,
    DomainError,
    InvalidInput,
    InvalidState,
    NotFound,
)
from vieasso.annuaire.entrypoints import (
    http_associations,
    http_exports,
    http_missions,
    http_reference,
)
from vieasso.common.http.errors import invalid_response
from vieasso.common.nats.publish import PublishError

UNAVAILABLE = "Enregistrement momentanément impossible (NATS indisponible) : réessayez."


def build_router() -> APIRouter:
    router = APIRouter()
    for module in (http_associations, http_missions, http_reference, http_exports):
        router.include_router(module.router)
    return router


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, InvalidInput):
            return invalid_response(exc.errors)
        status = 404 if isinstance(exc, NotFound) else 409
        if not isinstance(exc, NotFound | ConflictError | InvalidState):
            status = 400
        return JSONResponse({"detail": exc.message}, status_code=status)

    @app.exception_handler(StorageError)
    @app.exception_handler(PublishError)
    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503, headers={"Retry-After": "5"})
