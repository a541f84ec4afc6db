"""Why a loan operation did not happen, in French for the person who asked."""

from __future__ import annotations

from datetime import date


class LoanError(Exception):
    """Base: `message` is shown as it is (API `detail`, page notice)."""

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LoanNotFound(LoanError):
    status = 404

    def __init__(self) -> None:
        super().__init__("Ce prêt n'existe pas.")


class IllegalTransition(LoanError):
    """The state machine refuses this step from the loan's current state."""


class NotAvailable(LoanError):
    """The stock does not hold the units asked for on some day of the period."""


class StockBelowHeld(LoanError):
    """The city lowers a model's stock below the units approved on some day to come."""

    def __init__(self, message: str, over: list[tuple[date, int]]) -> None:
        super().__init__(message)
        self.over = over


class Conflict(LoanError):
    """Someone else changed the loan at the same moment (compare-and-set lost)."""

    def __init__(self) -> None:
        super().__init__(
            "Ce prêt vient d'être modifié par quelqu'un d'autre : rechargez la page et "
            "vérifiez son état avant de recommencer."
        )


class TryAgain(LoanError):
    """Too many concurrent writers on one availability record: nothing was changed."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "Trop de demandes simultanées sur ce matériel : rien n'a été enregistré, "
            "réessayez dans un instant."
        )


class AgendaDown(LoanError):
    """The agenda's events could not be read to check the event a request names."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "L'agenda ne répond pas : réessayez dans un instant, ou envoyez la demande sans "
            "événement."
        )


class RequestRefused(LoanError):
    """A request breaks a rule; `errors` holds (field, French message) pairs."""

    status = 422

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(" ".join(message for _, message in errors))
        self.errors = errors
