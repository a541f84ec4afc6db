"""The aides' errors, each with a French message for the person who caused it."""

from __future__ import annotations

from vieasso.common.messages.base import FieldError


class AidesError(Exception):
    """Base of the service's errors; `message` is French and shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SchemeNotFound(AidesError):
    def __init__(self, message: str = "Ce dispositif d'aide n'existe pas.") -> None:
        super().__init__(message)


class StaleRecord(AidesError):
    """Someone else changed the record since it was read: nothing was written."""

    def __init__(
        self, message: str = "Cette fiche a été modifiée entre-temps : rechargez-la et recommencez."
    ) -> None:
        super().__init__(message)


class NotEditable(AidesError):
    """A synced scheme: its source keeps it, the city's forms do not change it."""

    def __init__(
        self,
        message: str = (
            "Ce dispositif vient d'Aides-territoires : il est mis à jour par la synchronisation "
            "et ne se modifie pas ici."
        ),
    ) -> None:
        super().__init__(message)


class InvalidInput(AidesError):
    """The input breaks a rule; `errors` says which field and why, in French."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("Les données envoyées ne sont pas valides.")
        self.errors = errors


def field_error(field: str, message: str, code: str) -> FieldError:
    return FieldError(field=field, message=message, code=code)
