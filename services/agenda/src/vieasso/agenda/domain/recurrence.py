"""Recurrence rules (RFC 5545 RRULE) and the time span an event covers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import (  # type: ignore[import-untyped]
    DAILY,
    MONTHLY,
    WEEKLY,
    YEARLY,
    rrule,
    rrulestr,
)

MAX_HORIZON = timedelta(days=731)
MAX_COUNT = 1000
_ALLOWED_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}


class RecurrenceError(ValueError):
    """The rule cannot be accepted; the message is French, for the association."""


def local_start(start: datetime | date, tz: ZoneInfo) -> datetime:
    """The first start as a timezone-aware local datetime (midnight for all-day events)."""
    if isinstance(start, datetime):
        return start.astimezone(tz)
    return datetime.combine(start, time(), tzinfo=tz)


def parse_rule(text: str, start: datetime | date, tz: ZoneInfo) -> rrule:
    """Parse and check `text`: ends by COUNT or UNTIL within two years, daily at most."""
    upper = text.upper()
    if "COUNT=" not in upper and "UNTIL=" not in upper:
        raise RecurrenceError("La récurrence doit se terminer (COUNT=… ou UNTIL=…).")
    dtstart = local_start(start, tz)
    if not isinstance(start, datetime):
        dtstart = dtstart.replace(tzinfo=None)
    try:
        rule = rrulestr(text.removeprefix("RRULE:"), dtstart=dtstart)
    except (ValueError, TypeError) as exc:
        hint = ""
        if "UNTIL" in str(exc):
            hint = " UNTIL doit être en UTC pour un horaire (ex. UNTIL=20261231T225959Z)."
        raise RecurrenceError(f"Règle de récurrence invalide (RFC 5545).{hint}") from exc
    if not isinstance(rule, rrule):
        raise RecurrenceError("Une seule règle de récurrence est acceptée.")
    if rule._freq not in _ALLOWED_FREQUENCIES:
        raise RecurrenceError("La récurrence doit être au plus quotidienne.")
    if rule._count is not None and rule._count > MAX_COUNT:
        raise RecurrenceError(f"La récurrence compte trop d'occurrences ({MAX_COUNT} au maximum).")
    if rule.after(dtstart + MAX_HORIZON) is not None:
        raise RecurrenceError("La récurrence doit se terminer dans les deux ans.")
    return rule


def span(
    start: datetime | date,
    end: datetime | date,
    rule_text: str | None,
    tz: ZoneInfo,
) -> tuple[datetime, datetime]:
    """UTC bounds of every occurrence: first start, end of the last occurrence.

    All-day `end` is the inclusive last day; the span ends at the next local midnight.
    """
    first = local_start(start, tz)
    if isinstance(end, datetime):
        last_end = end.astimezone(tz)
    else:
        last_end = local_start(end + timedelta(days=1), tz)
    if rule_text:
        rule = parse_rule(rule_text, start, tz)
        occurrences = list(rule)
        if occurrences:
            duration = last_end - first
            last = occurrences[-1]
            last_aware = last if last.tzinfo else last.replace(tzinfo=tz)
            last_end = max(last_end, last_aware + duration)
    return first.astimezone(UTC), last_end.astimezone(UTC)


Moment = datetime | date


def next_occurrence(
    start: Moment,
    end: Moment,
    rule_text: str | None,
    exdates: tuple[Moment, ...],
    *,
    tz: ZoneInfo,
    after: datetime,
) -> tuple[Moment, Moment] | None:
    """First occurrence still running at `after` (aware): its start and end, or None.

    Timed events give aware datetimes; all-day events give their first and last day
    (inclusive). Occurrences listed in `exdates` are skipped.
    """
    if isinstance(start, datetime) and isinstance(end, datetime):
        duration = end - start
        if not rule_text:
            return (start, end) if end > after else None
        skipped = {e for e in exdates if isinstance(e, datetime)}
        cursor = (after - duration).astimezone(tz)
        for found in _accepted(rule_text, start, tz).xafter(cursor, inc=False):
            if found not in skipped:
                return found, found + duration
        return None
    first, last = _day(start), _day(end)
    days = last - first
    today = after.astimezone(tz).date()
    if not rule_text:
        return (first, last) if last >= today else None
    skipped_days = {e for e in exdates if not isinstance(e, datetime)}
    cursor_day = datetime.combine(today - days - timedelta(days=1), time())
    for found_day in _accepted(rule_text, first, tz).xafter(cursor_day, inc=False):
        if found_day.date() not in skipped_days:
            return found_day.date(), found_day.date() + days
    return None


def _accepted(text: str, start: datetime | date, tz: ZoneInfo) -> rrule:
    """A rule `parse_rule` accepted when the event was submitted: not checked again."""
    dtstart = local_start(start, tz)
    if not isinstance(start, datetime):
        dtstart = dtstart.replace(tzinfo=None)
    rule: rrule = rrulestr(text.removeprefix("RRULE:"), dtstart=dtstart)
    return rule


def _day(value: Moment) -> date:
    return value.date() if isinstance(value, datetime) else value
