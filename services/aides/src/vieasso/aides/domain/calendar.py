"""The city's calendar days: Besançon is on Europe/Paris time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def local_day(moment: datetime) -> date:
    """The day in Besançon at `moment` (a clock's UTC time)."""
    return moment.astimezone(PARIS).date()
