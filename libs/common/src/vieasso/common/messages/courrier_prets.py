"""Parameters of the lending mails (SPEC §8, ressources): the templates ``pret-*`` of
`vieasso.common.messages.courrier`.

The ressources service asks for them through `request_mail`: to the city's team ``prets``
(a new request, an approved loan cancelled) or to the association (the city's decision,
the day before pickup and before return, overdue). A mail shows nothing but what is given
here: places, deposit and contact come from the service, never from the template. The
contact is an office or a phone number, never an email address (none travels on NATS).
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from vieasso.common.messages.base import Line, Slug, Text, WebUrl

MAX_LINES = 50
MAX_QUANTITY = 100_000
Label = Annotated[Line, Field(min_length=1, max_length=140)]
Place = Annotated[
    Line, Field(min_length=1, max_length=300, examples=["Centre technique municipal"])
]
Note = Annotated[Text, Field(min_length=1, max_length=2000)]
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")


def _no_email(value: str) -> str:
    if _EMAIL.search(value):
        raise ValueError("no email address here: none travels on NATS")
    return value


Contact = Annotated[
    Line,
    Field(min_length=1, max_length=300, examples=["Service des prêts, 03 81 61 50 50"]),
    AfterValidator(_no_email),
]
"""How to reach the lending team: an office, a phone number; no email address."""
Handover = Literal["retrait", "livraison"]
"""`retrait`: the association fetches the equipment at the place; `livraison`: municipal
staff deliver it there."""


class LoanDecision(StrEnum):
    """The city's answer to a request."""

    APPROVED = "accordee"
    PARTIAL = "accordee-en-partie"  # fewer units than asked for, on one line or more
    REFUSED = "refusee"


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LoanLine(_Params):
    """What is lent: the model's or room's name as the catalogue shows it, and units."""

    label: Label = Field(examples=["Barnum 3×3 m", "Salle Battant (matin)"])
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class DecidedLine(_Params):
    """A line of a decided request: units asked for and units the city grants."""

    label: Label
    requested: int = Field(ge=1, le=MAX_QUANTITY)
    granted: int = Field(ge=0, le=MAX_QUANTITY)

    @model_validator(mode="after")
    def _at_most_requested(self) -> Self:
        if self.granted > self.requested:
            raise ValueError("granted exceeds requested")
        return self


Lines = Annotated[tuple[LoanLine, ...], Field(min_length=1, max_length=MAX_LINES)]


class _Period(_Params):
    starts_on: date = Field(description="First day of the loan (pickup or delivery).")
    ends_on: date = Field(description="Last day of the loan (return).")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class _ForCity(_Period):
    """A loan as the city team sees it: whose, what, and where to handle it."""

    association_name: Line = Field(min_length=1, max_length=200)
    association_slug: Slug
    lines: Lines
    link: WebUrl = Field(description="The request in the city space (`/espace-ville/prets/…`).")


class PretDemandeParams(_ForCity):
    """To the city team ``prets``: an association asked for a loan."""

    warnings: tuple[Annotated[Line, Field(min_length=1, max_length=300)], ...] = Field(
        default=(),
        max_length=10,
        description="What the team should weigh, e.g. « chevauche un événement municipal ».",
    )


class PretAnnuleParams(_ForCity):
    """To the city team ``prets``: an association cancelled an approved loan (its units are
    free again)."""

    reason: Note | None = Field(default=None, description="The association's words, if any.")


class PretDecisionParams(_Period):
    """To the association: the city approved its request, in full or in part, or refused it.
    `reason` is required unless approved in full; `place` and `handover` unless refused."""

    decision: LoanDecision
    lines: Annotated[tuple[DecidedLine, ...], Field(min_length=1, max_length=MAX_LINES)]
    reason: Note | None = None
    place: Place | None = None
    handover: Handover | None = None
    deposit_eur: int = Field(default=0, ge=0, le=10_000_000, description="Caution to bring.")
    link: WebUrl = Field(description="The association's reservations page.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        granted = [line.granted for line in self.lines]
        full = all(line.granted == line.requested for line in self.lines)
        expected = {
            LoanDecision.APPROVED: full,
            LoanDecision.PARTIAL: not full and any(granted),
            LoanDecision.REFUSED: not any(granted),
        }
        if not expected[self.decision]:
            raise ValueError(f"granted quantities do not match the decision {self.decision}")
        if self.decision is not LoanDecision.APPROVED and self.reason is None:
            raise ValueError(f"a reason is required when the decision is {self.decision}")
        if self.decision is not LoanDecision.REFUSED and (
            self.place is None or self.handover is None
        ):
            raise ValueError("place and handover are required unless refused")
        return self


class PretRappelRetraitParams(_Params):
    """To the association, the day before pickup (or delivery)."""

    pickup_on: date
    hours: Line | None = Field(default=None, max_length=200, examples=["de 8 h à 11 h 30"])
    place: Place
    handover: Handover = "retrait"
    deposit_eur: int = Field(default=0, ge=0, le=10_000_000)
    lines: Lines
    link: WebUrl | None = None


class PretRappelRetourParams(_Params):
    """To the association, the day before the return."""

    return_on: date
    hours: Line | None = Field(default=None, max_length=200)
    place: Place
    condition: Note | None = Field(
        default=None, description="What the city expects, e.g. « barnums secs et pliés »."
    )
    lines: Lines
    link: WebUrl | None = None


class PretRetardParams(_Params):
    """To the association: the loan was due back and is not returned."""

    due_on: date
    lines: Lines
    instructions: Note | None = Field(default=None, description="What to do now.")
    contact: Contact | None = None
    link: WebUrl | None = None
