"""A loan (one request of an association: a basket of lines over one period) and its state
machine, pure.

    requested → approved (every line, or fewer units: partial) | refused (reason)
    approved → ready → picked_up → returned
    picked_up → overdue (past `ends_on`, by the sweeper) → returned
    requested | approved | ready → cancelled (the association, or the city with a reason)

Any other step raises `IllegalTransition` with a French message.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Line, Slug
from vieasso.common.messages.ressources import Half, LoanLinePublic, ResourceKind
from vieasso.common.subjects import LoanChange
from vieasso.ressources.domain.errors import IllegalTransition
from vieasso.ressources.domain.periods import Slot, evening, morning

Actor = Literal["ville", "association", "systeme"]


class LoanState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    READY = "ready"
    PICKED_UP = "picked_up"
    OVERDUE = "overdue"
    RETURNED = "returned"
    CANCELLED = "cancelled"


LABELS = {
    LoanState.REQUESTED: "demandé",
    LoanState.APPROVED: "accordé",
    LoanState.REFUSED: "refusé",
    LoanState.READY: "prêt à retirer",
    LoanState.PICKED_UP: "retiré",
    LoanState.OVERDUE: "en retard",
    LoanState.RETURNED: "rendu",
    LoanState.CANCELLED: "annulé",
}
ALLOWED: dict[LoanState, frozenset[LoanState]] = {
    LoanState.REQUESTED: frozenset({LoanState.APPROVED, LoanState.REFUSED, LoanState.CANCELLED}),
    LoanState.APPROVED: frozenset({LoanState.READY, LoanState.CANCELLED}),
    LoanState.READY: frozenset({LoanState.PICKED_UP, LoanState.CANCELLED}),
    LoanState.PICKED_UP: frozenset({LoanState.OVERDUE, LoanState.RETURNED}),
    LoanState.OVERDUE: frozenset({LoanState.RETURNED}),
    LoanState.REFUSED: frozenset(),
    LoanState.RETURNED: frozenset(),
    LoanState.CANCELLED: frozenset(),
}
HOLDING = frozenset(  # states whose loan holds units in the availability records
    {LoanState.APPROVED, LoanState.READY, LoanState.PICKED_UP, LoanState.OVERDUE}
)
COUNTED = frozenset(  # states counted against the per-season maximum
    {LoanState.REQUESTED, *HOLDING, LoanState.RETURNED}
)
FACT_OF: dict[LoanState, LoanChange] = {
    LoanState.REQUESTED: LoanChange.REQUESTED,
    LoanState.APPROVED: LoanChange.APPROVED,
    LoanState.REFUSED: LoanChange.REFUSED,
    LoanState.READY: LoanChange.READY,
    LoanState.PICKED_UP: LoanChange.PICKED_UP,
    LoanState.OVERDUE: LoanChange.OVERDUE,
    LoanState.RETURNED: LoanChange.RETURNED,
    LoanState.CANCELLED: LoanChange.CANCELLED,
}


class LoanLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    resource_id: Slug
    kind: ResourceKind
    requested: int = Field(ge=1, le=100_000)
    granted: int | None = Field(default=None, ge=0, le=100_000)

    def public(self) -> LoanLinePublic:
        return LoanLinePublic(**self.model_dump())


class Period(BaseModel):
    """Pickup day to return day, inclusive; a room's first and last half-days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    starts_on: date
    ends_on: date
    first_half: Half = Half.MORNING
    last_half: Half = Half.AFTERNOON

    @property
    def first_slot(self) -> Slot:
        return Slot(day=self.starts_on, half=self.first_half)

    @property
    def last_slot(self) -> Slot:
        return Slot(day=self.ends_on, half=self.last_half)

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def whole_days(self) -> tuple[Slot, Slot]:
        return morning(self.starts_on), evening(self.ends_on)


class Transition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    state: LoanState
    at: AwareDatetime
    by: Actor
    reason: str | None = Field(default=None, max_length=1000)


class ReturnLine(BaseModel):
    """Units of one line that came back damaged or did not come back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resource_id: Slug
    damaged: int = Field(default=0, ge=0, le=100_000)
    lost: int = Field(default=0, ge=0, le=100_000)


class ReturnReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    returned_on: date
    lines: tuple[ReturnLine, ...] = ()
    fee_eur: int = Field(default=0, ge=0, description="damage_fee_eur × units damaged or lost")
    note: str = Field(default="", max_length=1000)

    @property
    def condition(self) -> Literal["ok", "damaged", "lost"]:
        if any(line.lost for line in self.lines):
            return "lost"
        return "damaged" if any(line.damaged for line in self.lines) else "ok"


class PendingDecision(BaseModel):
    """An approval under way: the grants its agent is allocating (see handlers.decisions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    granted: tuple[int, ...]
    at: AwareDatetime


class Loan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    association_slug: Slug
    lines: tuple[LoanLine, ...] = Field(min_length=1, max_length=30)
    period: Period
    event_id: Slug | None = None
    note: Line = Field(default="", max_length=500)
    warnings: tuple[str, ...] = ()
    state: LoanState = LoanState.REQUESTED
    history: tuple[Transition, ...] = ()
    pending: PendingDecision | None = None
    returned: ReturnReport | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @property
    def partial(self) -> bool:
        return any(
            line.granted is not None and line.granted < line.requested for line in self.lines
        )

    def move(
        self,
        state: LoanState,
        at: datetime,
        by: Actor,
        reason: str | None = None,
        **changes: object,
    ) -> Loan:
        """The loan in `state`, or `IllegalTransition` when the state machine forbids it."""
        if state not in ALLOWED[self.state]:
            raise IllegalTransition(
                f"Ce prêt est « {LABELS[self.state]} » : il ne peut pas passer à "
                f"« {LABELS[state]} »."
            )
        step = Transition(state=state, at=at, by=by, reason=reason)
        update = {"state": state, "history": (*self.history, step), "updated_at": at, **changes}
        return self.model_copy(update=update)

    def is_overdue(self, today: date) -> bool:
        return self.state is LoanState.PICKED_UP and today > self.period.ends_on

    def last_day_held(self, buffer_days: int) -> date:
        return self.period.ends_on + timedelta(days=buffer_days)
