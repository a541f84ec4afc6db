"""Domain errors, each with a French message for the person who caused it."""

from __future__ import annotations

from vieasso.common.messages.base import FieldError


class DomainError(Exception):
    """Base of the annuaire's domain errors; `message` is French and shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The record does not exist (or is not visible to the caller)."""


class InvalidState(DomainError):
    """The change is not allowed in the record's current state (e.g. validating twice)."""


class ConflictError(DomainError):
    """Someone else changed the record since it was read: nothing was written."""

    def __init__(
        self,
        message: str = "Cette fiche a été modifiée entre-temps : rechargez-la puis recommencez.",
    ) -> None:
        super().__init__(message)


class AlreadyExists(ConflictError):
    """A record with the same key or the same RNA id already exists."""


class NumberHeld(AlreadyExists):
    """Another association holds this RNA or SIREN number; `field` names the form field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a rule (unknown theme, end before start…)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("Les données envoyées ne sont pas valides.")
        self.errors = errors


def field_error(field: str, message: str, code: str) -> FieldError:
    return FieldError(field=field, message=message, code=code)
