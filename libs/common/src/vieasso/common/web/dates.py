"""French dates and times for pages (Babel, fr_FR), always shown in Besançon's time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date

LOCALE = "fr_FR"
PARIS = ZoneInfo("Europe/Paris")


def _local(value: datetime) -> datetime:
    """Aware datetimes move to Europe/Paris; naive ones are taken as already local."""
    return value.astimezone(PARIS) if value.tzinfo is not None else value


def date_fr(value: date | datetime | None) -> str:
    """« lundi 7 décembre 2026 » (empty for None)."""
    if value is None:
        return ""
    day = _local(value).date() if isinstance(value, datetime) else value
    return format_date(day, "EEEE d MMMM y", locale=LOCALE)


def heure_fr(value: datetime | time | None) -> str:
    """« 19 h 30 », « 9 h 05 », « 19 h » on the hour (French typography)."""
    if value is None:
        return ""
    moment = _local(value).time() if isinstance(value, datetime) else value
    return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")


def datetime_fr(value: datetime | None) -> str:
    """« lundi 7 décembre 2026 à 19 h 30 »."""
    if value is None:
        return ""
    return f"{date_fr(value)} à {heure_fr(value)}"
