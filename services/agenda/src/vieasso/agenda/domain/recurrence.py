"""Recurrence rules (RFC 5545 RRULE) and the time span an event covers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr  # type: ignore[import-untyped]

from vieasso.agenda.domain.rrule_bounds import bounded, expand, occurrences
from vieasso.agenda.domain.rrule_syntax import RecurrenceError, rule_parts

__all__ = [
    "MAX_COUNT",
    "MAX_HORIZON",
    "RecurrenceError",
    "next_occurrence",
    "occurrences_between",
    "parse_rule",
    "span",
]

MAX_HORIZON = timedelta(days=731)
MAX_COUNT = 1000
# Largest INTERVAL by frequency: one more and no second date falls within MAX_HORIZON.
_MOST_INTERVAL = {"DAILY": 731, "WEEKLY": 104, "MONTHLY": 24, "YEARLY": 2}
_NAMES = {"DAILY": "quotidienne", "WEEKLY": "hebdomadaire", "MONTHLY": "mensuelle"}
_NO_DATE = (
    "La récurrence ne donne aucune date dans les deux ans : vérifiez UNTIL et les parties "
    "BY… (par exemple BYMONTHDAY=30 avec BYMONTH=2)."
)
_TWO_YEARS = "La récurrence doit se terminer dans les deux ans."
_TOO_MANY = f"La récurrence compte trop d'occurrences ({MAX_COUNT} au maximum)."


def local_start(start: datetime | date, tz: ZoneInfo) -> datetime:
    """The first start as a timezone-aware local datetime (midnight for all-day events)."""
    if isinstance(start, datetime):
        return start.astimezone(tz)
    return datetime.combine(start, time(), tzinfo=tz)


def parse_rule(text: str, start: datetime | date, tz: ZoneInfo) -> rrule:
    """Parse and check `text`: RFC 5545 syntax, daily at most, a sensible INTERVAL, at least
    one date and at most `MAX_COUNT`, ending by COUNT or UNTIL within two years.

    Every failure is a `RecurrenceError` in French, whatever dateutil raised; the expansion
    is bounded (`rrule_bounds`), so no rule can keep a worker busy.
    """
    parts = rule_parts(text)
    if "COUNT" not in parts and "UNTIL" not in parts:
        raise RecurrenceError("La récurrence doit se terminer (COUNT=… ou UNTIL=…).")
    frequency = parts["FREQ"]
    if frequency not in _MOST_INTERVAL:
        raise RecurrenceError("La récurrence doit être au plus quotidienne.")
    _check_interval(frequency, int(parts.get("INTERVAL", "1")))
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    if count is not None and count < 1:
        raise RecurrenceError("COUNT (le nombre de dates) doit valoir au moins 1.")
    if count is not None and count > MAX_COUNT:
        raise RecurrenceError(_TOO_MANY)
    rule = _rule(text, start, tz)
    _check_dates(rule, count)
    return rule


def _check_interval(frequency: str, interval: int) -> None:
    most = _MOST_INTERVAL[frequency]
    if interval < 1:
        raise RecurrenceError("L'intervalle (INTERVAL) doit valoir au moins 1.")
    if interval > most:
        raise RecurrenceError(
            f"L'intervalle (INTERVAL) doit valoir au plus {most} pour une récurrence "
            f"{_NAMES.get(frequency, 'annuelle')} : au-delà, aucune deuxième date ne tombe "
            "dans les deux ans."
        )


def _rule(text: str, start: datetime | date, tz: ZoneInfo) -> rrule:
    dtstart = local_start(start, tz)
    if not isinstance(start, datetime):
        dtstart = dtstart.replace(tzinfo=None)
    try:
        rule = rrulestr(text.removeprefix("RRULE:").upper(), dtstart=dtstart)
    except Exception as exc:  # dateutil raises ValueError, TypeError, OverflowError…
        hint = ""
        if "UNTIL" in str(exc):
            hint = " UNTIL doit être en UTC pour un horaire (ex. UNTIL=20261231T225959Z)."
        raise RecurrenceError(f"Règle de récurrence invalide (RFC 5545).{hint}") from exc
    if not isinstance(rule, rrule):
        raise RecurrenceError("Une seule règle de récurrence est acceptée.")
    return bounded(rule)


def _check_dates(rule: rrule, count: int | None) -> None:
    try:
        end = rule._dtstart + MAX_HORIZON
        expansion = expand(rule, count or MAX_COUNT + 1)
    except Exception as exc:  # IndexError, OverflowError… on parts dateutil let through
        raise RecurrenceError(
            "Règle de récurrence invalide (RFC 5545) : ses dates ne peuvent pas être calculées."
        ) from exc
    dates = expansion.dates
    if not dates:
        raise RecurrenceError(_NO_DATE)
    if len(dates) > MAX_COUNT:
        raise RecurrenceError(_TOO_MANY)
    if dates[-1] > end:
        raise RecurrenceError(_TWO_YEARS)
    until = rule._until
    if expansion.cut and (until is None or until > end):
        raise RecurrenceError(_TWO_YEARS)  # more dates may follow the searched two years


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
    rule = _accepted(rule_text, start, tz) if rule_text else None
    if rule is not None:
        dates = list(occurrences(rule, MAX_COUNT))
        if dates:
            duration = last_end - first
            last = dates[-1]
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
        for found in _dates(rule_text, start, tz):
            if found > cursor and found not in skipped:
                return found, found + duration
        return None
    first, last = _day(start), _day(end)
    days = last - first
    today = after.astimezone(tz).date()
    if not rule_text:
        return (first, last) if last >= today else None
    skipped_days = {e for e in exdates if not isinstance(e, datetime)}
    cursor_day = datetime.combine(today - days - timedelta(days=1), time())
    for found_day in _dates(rule_text, first, tz):
        if found_day > cursor_day and found_day.date() not in skipped_days:
            return found_day.date(), found_day.date() + days
    return None


def _accepted(text: str, start: datetime | date, tz: ZoneInfo) -> rrule | None:
    """A rule `parse_rule` accepted when the event was submitted: not checked again, but
    its expansion is bounded all the same, and a rule stored before a check existed is
    read as no recurrence rather than failing a page."""
    try:
        return _rule(text, start, tz)
    except RecurrenceError:
        return None


def _dates(text: str, start: datetime | date, tz: ZoneInfo) -> Iterator[datetime]:
    rule = _accepted(text, start, tz)
    return occurrences(rule, MAX_COUNT + 1) if rule is not None else iter(())


def _day(value: Moment) -> date:
    return value.date() if isinstance(value, datetime) else value


def occurrences_between(
    start: Moment,
    end: Moment,
    rule_text: str | None,
    exdates: tuple[Moment, ...],
    *,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    limit: int,
) -> list[tuple[Moment, Moment]]:
    """Every occurrence that overlaps the days `first_day`…`last_day` (in `tz`), at most
    `limit`, in order: for exports that have no recurrence rules (one row per occurrence).
    Starts and ends as in `next_occurrence`; occurrences in `exdates` are skipped."""
    if not rule_text:
        return [(start, end)]
    found: list[tuple[Moment, Moment]] = []
    if isinstance(start, datetime) and isinstance(end, datetime):
        duration = end - start
        skipped = {e for e in exdates if isinstance(e, datetime)}
        for begins in _dates(rule_text, start, tz):
            if begins.astimezone(tz).date() > last_day or len(found) >= limit:
                break
            ends = begins + duration
            if ends.astimezone(tz).date() >= first_day and begins not in skipped:
                found.append((begins, ends))
        return found
    days = _day(end) - _day(start)
    skipped_days = {e for e in exdates if not isinstance(e, datetime)}
    for begins_at in _dates(rule_text, _day(start), tz):
        day = begins_at.date()
        if day > last_day or len(found) >= limit:
            break
        if day + days >= first_day and day not in skipped_days:
            found.append((day, day + days))
    return found
