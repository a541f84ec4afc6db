"""Make each service's OpenAPI document say what the service really answers.

FastAPI documents its own 422 body (``detail`` as a list of pydantic errors); ours is the
French body of `errors.invalid_response`, and every refusal (401, 403, 404, 409, …) is a
JSON ``{"detail": "<message en français>"}``. schemathesis checks each answer against the
document (tests/reliability/test_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_REF = "#/components/schemas/HTTPValidationError"
ERROR_BODY: dict[str, Any] = {
    "title": "Erreur",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "description": "Le refus, en français."},
        "errors": {
            "type": "array",
            "description": "Une raison par champ (422).",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}
REFUSED = {
    "description": "Refus expliqué en français (401, 403, 404, 409, 412, 413…).",
    "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
}
UNAVAILABLE = {
    "description": (
        "Service momentanément indisponible (démarrage en cours ou NATS injoignable) : réessayez."
    ),
    "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
}


def document_errors(app: FastAPI) -> None:
    """Replace `app.openapi` by a generator that documents our error answers."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {})
            schema["components"]["schemas"]["HTTPValidationError"] = ERROR_BODY
            schema["components"]["schemas"].pop("ValidationError", None)
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    responses = operation.setdefault("responses", {})
                    responses.setdefault("4XX", REFUSED)
                    responses.setdefault("503", UNAVAILABLE)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
