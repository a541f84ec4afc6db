"""When one may apply: one closing date, a window every year, or at any time.

Aides-territoires' `recurrence` maps onto these: `oneoff` → `OneDate`, `recurring` →
`YearlyWindow` (the month and day of its `start_date` and `submission_deadline`), `ongoing`
→ `Ongoing`. Pure: the caller gives today (Europe/Paris).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A year without 29 February: a yearly window must exist every year.
_PLAIN_YEAR = 2023


class Status(StrEnum):
    OPEN = "ouvert"
    UPCOMING = "a-venir"
    CLOSED = "clos"


@dataclass(frozen=True, slots=True)
class Window:
    """One period in which applications are taken; `closes` is the last day, inclusive."""

    opens: date | None
    closes: date


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OneDate(_Rule):
    """One call: applications until `deadline` (from `opens_on`, when given)."""

    kind: Literal["date"] = "date"
    deadline: date
    opens_on: date | None = None

    @model_validator(mode="after")
    def _order(self) -> OneDate:
        if self.opens_on is not None and self.opens_on > self.deadline:
            raise ValueError("La date d'ouverture est après la date limite.")
        return self

    def next_window(self, today: date) -> Window | None:
        return Window(self.opens_on, self.deadline) if self.deadline >= today else None


class YearlyWindow(_Rule):
    """The same window every year, e.g. 1 September → 15 October; it may span the new year
    (1 November → 31 January)."""

    kind: Literal["annuel"] = "annuel"
    opens_month: int = Field(ge=1, le=12)
    opens_day: int = Field(ge=1, le=31)
    closes_month: int = Field(ge=1, le=12)
    closes_day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _real_days(self) -> YearlyWindow:
        days = ((self.opens_month, self.opens_day), (self.closes_month, self.closes_day))
        for month, day in days:
            try:
                date(_PLAIN_YEAR, month, day)
            except ValueError:
                raise ValueError(
                    f"Le {day}/{month:02d} n'existe pas tous les ans : choisissez un autre jour."
                ) from None
        return self

    @property
    def spans_new_year(self) -> bool:
        return (self.closes_month, self.closes_day) < (self.opens_month, self.opens_day)

    def window_closing_in(self, year: int) -> Window:
        opens_year = year - 1 if self.spans_new_year else year
        return Window(
            date(opens_year, self.opens_month, self.opens_day),
            date(year, self.closes_month, self.closes_day),
        )

    def next_window(self, today: date) -> Window:
        year = today.year
        if (self.closes_month, self.closes_day) < (today.month, today.day):
            year += 1  # this year's window closed already
        return self.window_closing_in(year)


class Ongoing(_Rule):
    """Applications taken at any time (no deadline)."""

    kind: Literal["permanent"] = "permanent"

    def next_window(self, today: date) -> Window | None:
        return None


Deadlines = Annotated[OneDate | YearlyWindow | Ongoing, Field(discriminator="kind")]


def next_closing(rule: OneDate | YearlyWindow | Ongoing, today: date) -> date | None:
    """The next last day to apply, today included; None: at any time, or no longer."""
    window = rule.next_window(today)
    return window.closes if window else None


def status(rule: OneDate | YearlyWindow | Ongoing, today: date) -> Status:
    return status_of(rule, rule.next_window(today), today)


def status_of(rule: OneDate | YearlyWindow | Ongoing, window: Window | None, today: date) -> Status:
    """The status given the rule's next window (computed once by the caller)."""
    if isinstance(rule, Ongoing):
        return Status.OPEN
    if window is None:
        return Status.CLOSED
    if window.opens is not None and window.opens > today:
        return Status.UPCOMING
    return Status.OPEN
