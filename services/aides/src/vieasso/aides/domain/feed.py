"""Which deadlines a calendar of aids shows, and from when.

One event per scheme that has a deadline: a one-date call on its last day (kept 30 days
after it passed), a yearly window on its closing day every year (a yearly rule starting
at the first closing after the scheme was created, so the event does not move from one day
to the next). A scheme withdrawn within the last 30 days stays, cancelled, so calendar
applications remove it. Ongoing schemes have no deadline: no event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.deadlines import OneDate, YearlyWindow
from vieasso.aides.domain.schemes import AidScheme, SchemeState

KEEP = timedelta(days=30)
ALARMS = (timedelta(days=30), timedelta(days=7))


@dataclass(frozen=True, slots=True)
class DeadlineEvent:
    scheme: AidScheme
    day: date  # the (first) last day to apply
    yearly: bool
    cancelled: bool


def first_closing(rule: YearlyWindow, since: date) -> date:
    this_year = rule.window_closing_in(since.year).closes
    return this_year if this_year >= since else rule.window_closing_in(since.year + 1).closes


def deadline_event(scheme: AidScheme, today: date) -> DeadlineEvent | None:
    rule = scheme.deadlines
    if scheme.state is SchemeState.DRAFT:
        return None
    cancelled = not scheme.published
    if cancelled and (scheme.published_at is None or local_day(scheme.updated_at) < today - KEEP):
        return None
    if isinstance(rule, OneDate):
        if rule.deadline < today - KEEP:
            return None
        return DeadlineEvent(scheme, rule.deadline, yearly=False, cancelled=cancelled)
    if isinstance(rule, YearlyWindow):
        start = first_closing(rule, local_day(scheme.created_at))
        return DeadlineEvent(scheme, start, yearly=True, cancelled=cancelled)
    return None


def deadline_events(schemes: Iterable[AidScheme], today: date) -> list[DeadlineEvent]:
    """The events of `schemes`, by day then id (the same schemes give the same order)."""
    events = [e for s in schemes if (e := deadline_event(s, today)) is not None]
    return sorted(events, key=lambda e: (e.day, e.scheme.id))
