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

    Paths are dotted (`place.postal_code`) and name the form input: an item of a list
    (`themes.2`) counts for the list (`themes`). Several messages for one field are joined.
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
        field = _input_name(error.field)
        if field not in result:
            result[field] = error.message
        elif error.message not in result[field]:
            result[field] = f"{result[field]} {error.message}"
    return result


def _input_name(path: str) -> str:
    """`themes.2` → `themes`, `place.postal_code` unchanged."""
    parts = path.split(".")
    while len(parts) > 1 and parts[-1].isdigit():
        parts.pop()
    return ".".join(parts)
