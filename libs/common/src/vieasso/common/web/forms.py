"""Per-field French messages for forms, from whichever validation refused the input."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import ValidationError

from vieasso.common.messages.base import FieldError
from vieasso.common.validation import french_errors

FORM_INVALID = "Le formulaire contient des erreurs : corrigez les champs signalés."


def form_errors(exc: ValidationError | BaseException | Iterable[FieldError]) -> dict[str, str]:
    """{field path: French message} from a pydantic `ValidationError`, an exception carrying
    `.errors` (a list of `FieldError`, e.g. a service's `InvalidInput`), FastAPI's
    `RequestValidationError`, or a list of `FieldError` (a service's 422 body, parsed).

    Paths are dotted (`place.postal_code`); several messages for one field are joined.
    """
    if isinstance(exc, ValidationError):
        errors: Iterable[FieldError] = french_errors(exc)
    elif isinstance(exc, BaseException):
        found = getattr(exc, "errors", None) or []
        # FastAPI's RequestValidationError has an `errors()` method of pydantic-style dicts
        errors = french_errors(list(found())) if callable(found) else found
    else:
        errors = exc
    result: dict[str, str] = {}
    for error in errors:
        if error.field in result:
            result[error.field] = f"{result[error.field]} {error.message}"
        else:
            result[error.field] = error.message
    return result
