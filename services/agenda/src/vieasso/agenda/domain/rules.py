"""Rules a submission must follow beyond its shape: dates, recurrence, reference data.

Every reason is a `FieldError` in French, for the volunteer who typed the event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vieasso.agenda.domain.posters import check_poster_text
from vieasso.agenda.domain.recurrence import RecurrenceError, parse_rule
from vieasso.common.messages.agenda import AttendanceMode, EventContent
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState, VenuePublic
from vieasso.common.messages.base import FieldError
from vieasso.common.reference.models import Theme


class Directory(Protocol):
    """What the rules need to know about the directory (a `DirectoryView` in production)."""

    def association(self, slug: str) -> AssociationPublic | None: ...

    def venue(self, venue_id: str) -> VenuePublic | None: ...

    def theme(self, code: str) -> Theme | None: ...


def _error(field: str, message: str, code: str) -> FieldError:
    return FieldError(field=field, message=message, code=code)


# Dates an agenda can hold: far enough from the calendar's edges (year 1, year 9999) that
# every computation on them (time zones, the day after the end, the feeds' VTIMEZONE range)
# stays defined. An event lasts at most a year; what comes back regularly is a recurrence.
FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_DURATION = timedelta(days=366)


def _check_range(content: EventContent) -> list[FieldError]:
    """Dates within `FIRST_YEAR`–`LAST_YEAR`, an event lasting at most `MAX_DURATION` (an
    event from year 1 to 9999 would be in every feed's window and break them all)."""
    moments: list[tuple[str, date]] = [("start", content.start), ("end", content.end)]
    moments += [(f"exdates.{i}", d) for i, d in enumerate(content.exdates)]
    errors = [
        _error(
            name,
            f"La date doit être comprise entre {FIRST_YEAR} et {LAST_YEAR}.",
            "date_out_of_range",
        )
        for name, value in moments
        if not FIRST_YEAR <= value.year <= LAST_YEAR
    ]
    if not errors and content.end - content.start > MAX_DURATION:
        errors.append(
            _error(
                "end",
                "Un événement dure au plus un an : pour une activité qui revient, "
                "indiquez une récurrence (rrule).",
                "too_long",
            )
        )
    return errors


def check_association(claimed: str, slug: str, directory: Directory) -> list[FieldError]:
    """The submitter may only publish for its own slug, and must be validated."""
    if claimed != slug:
        return [
            _error(
                "association",
                f"Une association ne peut publier que pour elle-même (attendu : « {slug} »).",
                "association_mismatch",
            )
        ]
    found = directory.association(slug)
    if found is None:
        return [_error("association", "Association inconnue de l'annuaire.", "unknown_association")]
    if found.state is AssociationState.ARCHIVED:
        return [_error("association", "Cette association est archivée.", "association_archived")]
    if found.state is not AssociationState.VALIDATED:
        return [
            _error(
                "association",
                "L'association n'est pas encore validée par la Ville : elle ne peut pas "
                "encore publier d'événement.",
                "association_not_validated",
            )
        ]
    return []


def timezone_of(content: EventContent) -> ZoneInfo | None:
    try:
        return ZoneInfo(content.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _check_dates(content: EventContent, tz: ZoneInfo) -> list[FieldError]:
    start, end = content.start, content.end
    if content.all_day:
        errors = [
            _error(
                name,
                "Pour un événement sur la journée, indiquez une date (AAAA-MM-JJ).",
                "date_expected",
            )
            for name, value in (("start", start), ("end", end))
            if isinstance(value, datetime)
        ]
        if errors:
            return errors
        if end < start:
            errors.append(
                _error(
                    "end",
                    "Le dernier jour doit être le jour de début ou après.",
                    "end_before_start",
                )
            )
    else:
        errors = [
            _error(
                name,
                "Indiquez une date et une heure avec le fuseau (ex. 2026-05-14T18:30:00+02:00).",
                "datetime_expected",
            )
            for name, value in (("start", start), ("end", end))
            if not isinstance(value, datetime)
        ]
        if errors:
            return errors
        if end <= start:
            errors.append(_error("end", "La fin doit être après le début.", "end_before_start"))
    if not errors:
        errors = _check_range(content)
    for i, exdate in enumerate(content.exdates):
        if content.all_day != (not isinstance(exdate, datetime)):
            expected = "une date" if content.all_day else "une date avec heure"
            errors.append(
                _error(
                    f"exdates.{i}",
                    f"Exception attendue : {expected}, comme le début.",
                    "exdate_type",
                )
            )
    if content.exdates and not content.rrule:
        errors.append(
            _error(
                "exdates",
                "Des exceptions n'ont de sens qu'avec une récurrence (rrule).",
                "exdates_without_rrule",
            )
        )
    if content.rrule:
        try:
            parse_rule(content.rrule, start, tz)
        except RecurrenceError as exc:
            errors.append(_error("rrule", str(exc), "invalid_rrule"))
    return errors


def _check_place(content: EventContent, directory: Directory) -> list[FieldError]:
    errors: list[FieldError] = []
    if content.venue_id is not None and content.place is not None:
        errors.append(
            _error(
                "place",
                "Indiquez soit un lieu de l'annuaire (venue_id), soit une adresse (place), "
                "pas les deux.",
                "venue_and_place",
            )
        )
    elif content.venue_id is not None:
        venue = directory.venue(content.venue_id)
        if venue is None:
            errors.append(_error("venue_id", "Lieu inconnu de l'annuaire.", "unknown_venue"))
        elif venue.archived:
            errors.append(_error("venue_id", "Ce lieu n'est plus proposé.", "venue_archived"))
    elif content.place is None and content.attendance_mode is not AttendanceMode.ONLINE:
        errors.append(
            _error(
                "venue_id",
                "Indiquez le lieu : un lieu de l'annuaire (venue_id) ou une adresse (place).",
                "missing_location",
            )
        )
    if content.attendance_mode is not AttendanceMode.OFFLINE and content.online_url is None:
        errors.append(
            _error(
                "online_url",
                "Un lien est obligatoire pour un événement en ligne ou mixte.",
                "missing_online_url",
            )
        )
    return errors


def check_content(content: EventContent, directory: Directory) -> list[FieldError]:
    """Every rule that needs context; an empty list means the event can be published."""
    errors: list[FieldError] = []
    tz = timezone_of(content)
    if tz is None:
        errors.append(
            _error("timezone", "Fuseau horaire inconnu (ex. Europe/Paris).", "unknown_timezone")
        )
    else:
        errors += _check_dates(content, tz)
    errors += _check_place(content, directory)
    errors += check_poster_text(content)
    errors += [
        _error(f"themes.{i}", f"Thème inconnu : « {code} ».", "unknown_theme")
        for i, code in enumerate(content.themes)
        if directory.theme(code) is None
    ]
    if (
        content.age_min is not None
        and content.age_max is not None
        and content.age_min > content.age_max
    ):
        errors.append(
            _error(
                "age_max", "L'âge maximum doit être supérieur ou égal à l'âge minimum.", "age_range"
            )
        )
    return errors
