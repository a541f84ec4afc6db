"""Fairness between associations: a maximum of loans per season, and a warning when a request
falls on a municipal event's day (the city may need the equipment itself).

The maximum is kept by a tally per association and season (`SeasonTally`), claimed by
compare-and-set before a request is stored (`handlers.season`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Slug
from vieasso.ressources.domain.loans import COUNTED, Loan, Period


@dataclass(frozen=True)
class FairnessRules:
    max_loans_per_season: int  # 0: no maximum
    season_start_month: int  # 1: the calendar year
    municipal_event_days: Collection[date]


def season_of(day: date, start_month: int) -> int:
    """The year a season starts in (January: the calendar year)."""
    return day.year if day.month >= start_month else day.year - 1


class SeasonEntry(BaseModel):
    """One request counted against its association's maximum, from the moment it asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    loan_id: Slug
    at: AwareDatetime


class SeasonTally(BaseModel):
    """The requests of one association in one season, claimed before each is stored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entries: tuple[SeasonEntry, ...] = Field(default=(), max_length=1000)


def counted(rules: FairnessRules, slug: str, season: int, loans: Iterable[Loan]) -> set[str]:
    """The ids of the association's loans counted in `season` among `loans`."""
    return {
        loan.id
        for loan in loans
        if loan.association_slug == slug
        and loan.state in COUNTED
        and season_of(loan.period.starts_on, rules.season_start_month) == season
    }


def season_refusal(rules: FairnessRules, count: int) -> str | None:
    """A French reason when `count` requests already reach the association's maximum."""
    if rules.max_loans_per_season <= 0 or count < rules.max_loans_per_season:
        return None
    return (
        f"Votre association a déjà {count} demande(s) de prêt pour cette saison : la Ville en "
        f"accorde {rules.max_loans_per_season} au plus par association, pour que chacune "
        "puisse en profiter."
    )


def municipal_warning(rules: FairnessRules, period: Period) -> str | None:
    days = [
        period.starts_on + timedelta(days=i)
        for i in range(period.days)
        if period.starts_on + timedelta(days=i) in rules.municipal_event_days
    ]
    if not days:
        return None
    listed = ", ".join(f"{d:%d/%m/%Y}" for d in days)
    return (
        f"Attention : la Ville organise un événement municipal le {listed} ; le matériel "
        "pourrait lui être réservé en priorité."
    )
