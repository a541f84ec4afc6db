"""Days the city lends nothing: French public holidays, Sundays, and the days the city closes.

Public holidays come from the maintained `holidays` library (metropolitan France: Besançon
has neither the Alsace-Moselle days nor the overseas ones), in French. The days the city
closes (a bridge day, the staff's move…) are a list the city keeps in the catalogue bucket
(`CityClosures`, key ``closed-days``). Nothing is picked up, returned or booked on a closed day.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Line

SUNDAY = 7
SUNDAY_REASON = "Dimanche"
PARIS = ZoneInfo("Europe/Paris")
MAX_CITY_CLOSURES = 500


class ClosedDay(BaseModel):
    """A day the city closes, with the reason shown to associations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: date
    reason: Line = Field(min_length=1, max_length=140)


class CityClosures(BaseModel):
    """The city's own closed days (``ressources_catalogue``, key ``closed-days``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: tuple[ClosedDay, ...] = Field(default=(), max_length=MAX_CITY_CLOSURES)
    updated_at: AwareDatetime | None = None


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """French public holidays of `year`, by day, named in French (« Lundi de Pâques »)."""
    return dict(holidays.country_holidays("FR", years=year, language="fr"))


class Calendar:
    """Whether a day is closed, and why; `closures` are the city's own closed days."""

    def __init__(self, closures: Iterable[ClosedDay] = ()) -> None:
        self.city = {c.day: c.reason for c in closures}

    def reason(self, day: date) -> str | None:
        """Why nothing is lent on `day` (« Jour férié : Lundi de Pâques »), or None if open."""
        holiday = public_holidays(day.year).get(day)
        if holiday is not None:
            return f"Jour férié : {holiday}"
        if day in self.city:
            return f"Fermeture : {self.city[day]}"
        if day.isoweekday() == SUNDAY:
            return SUNDAY_REASON
        return None

    def closed(self, day: date) -> bool:
        return self.reason(day) is not None

    def upcoming(self, start: date, *, days: int = 183, limit: int = 10) -> list[ClosedDay]:
        """The next holidays and city closures (not the Sundays) from `start`, in order."""
        found: list[ClosedDay] = []
        for day in _days(start, days):
            reason = self.reason(day)
            if reason is not None and reason != SUNDAY_REASON:
                found.append(ClosedDay(day=day, reason=reason))
                if len(found) >= limit:
                    break
        return found


def _days(start: date, count: int) -> Iterator[date]:
    for offset in range(count):
        yield start + timedelta(days=offset)


def local_day(moment: datetime) -> date:
    """The day in Besançon at `moment` (a clock's UTC time)."""
    return moment.astimezone(PARIS).date()
