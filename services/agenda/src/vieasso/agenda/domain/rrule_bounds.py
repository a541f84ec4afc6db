"""Expanding a dateutil rule with a bound on the search, not only on the dates it yields.

dateutil checks COUNT and UNTIL only against dates that match every BYxxx part: a rule that
matches nothing (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``) is searched day by day until the
year 9999 (4.5 s of one worker for one message, again at every listing), and a rule that
never moves (INTERVAL=0) is searched for ever. Neither `after()` nor `islice()` can stop a
search that yields nothing.

The bound: while it expands, dateutil rebuilds its calendar masks (`_iterinfo.rebuild`) each
time it enters a new month (daily and weekly rules) or a new period (monthly and yearly
ones), and each rebuild reads the rule's ``_byeaster``. `_BoundedRule` counts those reads
and ends the search after `MAX_PERIODS`: at least that many months were searched, which is
more than the two-year horizon of an event whatever its first day. Only an accepted rule's
dates matter, and they all fall within the horizon, so nothing is lost.
``tests/agenda/test_recurrence.py`` fails if a dateutil release stops reading it there.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dateutil.rrule import rrule  # type: ignore[import-untyped]

MAX_PERIODS = 28  # months (or longer periods) searched: 27 full months > 731 days


class _SearchBound(Exception):
    """The search went past `MAX_PERIODS` periods without the rule ending."""


class _BoundedRule(rrule):  # type: ignore[misc]
    """The same rule; its expansion raises `_SearchBound` after `MAX_PERIODS` periods."""

    _periods = 0

    def _iter(self) -> Iterator[datetime]:
        self._periods = 0
        generator: Iterator[datetime] = super()._iter()
        return generator

    @property
    def _byeaster(self) -> Any:
        self._periods += 1
        if self._periods > MAX_PERIODS:
            raise _SearchBound
        return self._easter

    @_byeaster.setter
    def _byeaster(self, value: Any) -> None:
        self._easter = value


def bounded(rule: rrule) -> rrule:
    """`rule` with a bounded search (the arguments `rrule.replace` would copy)."""
    arguments = {
        "freq": rule._freq,
        "dtstart": rule._dtstart,
        "interval": rule._interval,
        "wkst": rule._wkst,
        "count": rule._count,
        "until": rule._until,
        **rule._original_rule,
    }
    return _BoundedRule(**arguments)


@dataclass(frozen=True)
class Expansion:
    """The first dates of a rule; `cut` when the search bound, not the rule, ended them."""

    dates: tuple[datetime, ...]
    cut: bool


def expand(rule: rrule, limit: int) -> Expansion:
    """At most `limit` dates of `rule` (made by `bounded`), in order.

    dateutil's own errors (IndexError, OverflowError… on parts it accepted) propagate.
    """
    dates: list[datetime] = []
    try:
        for found in itertools.islice(iter(rule), limit):
            dates.append(found)
    except _SearchBound:
        return Expansion(tuple(dates), cut=True)
    return Expansion(tuple(dates), cut=False)


def occurrences(rule: rrule, limit: int) -> Iterator[datetime]:
    """The dates of an accepted rule, lazily, ending quietly at the search bound or on an
    error: a listing must never fail on a rule it stored."""
    dates = iter(rule)
    for _ in range(limit):
        try:
            found = next(dates)
        except Exception:
            return
        yield found
