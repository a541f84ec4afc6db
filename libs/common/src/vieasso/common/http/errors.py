"""French error answers: 422 with one message per field, and French HTTP errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from vieasso.common.messages.base import FieldError
from vieasso.common.validation import french_errors

INVALID = "Les données envoyées ne sont pas valides."


def invalid_response(errors: list[FieldError]) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={"detail": INVALID, "errors": [e.model_dump() for e in errors]},
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return invalid_response(french_errors(list(exc.errors())))
