"""The catalogue's errors, each with a French message for the person who caused it."""

from __future__ import annotations

from vieasso.common.messages.base import FieldError


class CatalogueError(Exception):
    """Base of the catalogue's errors; `message` is French and shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EntryNotFound(CatalogueError):
    """No model or room under this id."""


class EntryConflict(CatalogueError):
    """Someone else changed the entry since it was read: nothing was written."""

    def __init__(
        self, message: str = "Cette fiche a été modifiée entre-temps : rechargez-la et recommencez."
    ) -> None:
        super().__init__(message)


class InvalidEntry(CatalogueError):
    """The entry breaks a rule; `errors` says which field and why, in French."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("Les données envoyées ne sont pas valides.")
        self.errors = errors


def field_error(field: str, message: str, code: str) -> FieldError:
    return FieldError(field=field, message=message, code=code)
