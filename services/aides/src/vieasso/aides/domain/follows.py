"""What an association tells the aides service about itself, and the aids it follows.

Stored in ``aides_follows`` under ``association.<slug>`` (one record per association,
written by compare-and-set). The answers complete the directory's record for matching:
budget range, volunteers, the dates of the project it seeks funding for.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from vieasso.common.messages.base import Slug

FOLLOWS_PREFIX = "association."
MAX_FOLLOWS = 200


class BudgetBand(StrEnum):
    """The association's annual budget, as a range (people know it roughly)."""

    UNDER_10K = "moins-10k"
    FROM_10K_TO_50K = "10k-50k"
    FROM_50K_TO_200K = "50k-200k"
    OVER_200K = "plus-200k"

    @property
    def bounds(self) -> tuple[int, int | None]:
        """[low, high) in euros; None: no upper bound."""
        return _BOUNDS[self]


_BOUNDS: dict[BudgetBand, tuple[int, int | None]] = {
    BudgetBand.UNDER_10K: (0, 10_000),
    BudgetBand.FROM_10K_TO_50K: (10_000, 50_000),
    BudgetBand.FROM_50K_TO_200K: (50_000, 200_000),
    BudgetBand.OVER_200K: (200_000, None),
}


class Answers(BaseModel):
    """The matching questions; each may be left unanswered (matching then says so)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    budget: BudgetBand | None = None
    volunteers: int | None = Field(default=None, ge=0, le=100_000)
    project_start: date | None = None
    project_end: date | None = None

    @model_validator(mode="after")
    def _project_order(self) -> Answers:
        if None not in (self.project_start, self.project_end) and (
            self.project_end < self.project_start  # type: ignore[operator]
        ):
            raise ValueError("La fin du projet est avant son début.")
        return self


class Follow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme_id: Slug
    since: AwareDatetime


class AssociationFile(BaseModel):
    """One association's answers and followed schemes (`association.<slug>`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: Slug
    answers: Answers = Answers()
    follows: tuple[Follow, ...] = Field(default=(), max_length=MAX_FOLLOWS)
    updated_at: AwareDatetime

    def follows_scheme(self, scheme_id: str) -> bool:
        return any(f.scheme_id == scheme_id for f in self.follows)
