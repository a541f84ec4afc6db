"""What a screen shows now: its events as flat rows (the page, `.json`, `.rss`, `.ics`).

Each chosen event appears once, at its occurrence that is running or next in the screen's
days (Paris time); a cancelled event stays, flagged, until that occurrence ends. The
*maintenant/ensuite* and *aujourd'hui* layouts also know whether the day had events that are
all over (« terminé pour aujourd'hui ») rather than none at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vieasso.agenda.adapters.catalog import Catalog, Entry
from vieasso.agenda.adapters.posters import feed_image, file_url
from vieasso.agenda.adapters.text import day as day_text
from vieasso.agenda.domain.feeds import PARIS, FeedQuery
from vieasso.agenda.domain.recurrence import next_occurrence
from vieasso.agenda.domain.screens import Announcement, Layout, Screen, midnight, window
from vieasso.common.messages.agenda import CanonicalEvent, EventStatus

STATUS = {
    EventStatus.SCHEDULED: ("prevu", ""),
    EventStatus.CANCELLED: ("annule", "Annulé"),
    EventStatus.POSTPONED: ("reporte", "Reporté"),
    EventStatus.FULL: ("complet", "Complet"),
}
SHOWN = {Layout.NOW_NEXT: 5, Layout.TODAY: 10, Layout.WEEK: 14}
"""Rows a screen's page shows (legible at five metres); the data feeds give them all."""
MAX_ROWS = 200


class State:
    LIST = "liste"
    EMPTY = "vide"
    DONE = "termine"


@dataclass(frozen=True)
class Row:
    entry: Entry
    start: datetime  # Paris time; all-day: local midnight of the first day
    end: datetime
    all_day: bool
    running: bool

    @property
    def event(self) -> CanonicalEvent:
        return self.entry.record.event


@dataclass
class ScreenView:
    screen: Screen
    now: datetime
    rows: list[Row]
    state: str
    announcements: list[Row] = field(default_factory=list)


Labels = Callable[[str], str]


def _occurrence(entry: Entry, after: datetime) -> tuple[datetime, datetime, bool] | None:
    content = entry.record.event.content
    try:
        tz = ZoneInfo(content.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = PARIS
    found = next_occurrence(
        content.start, content.end, content.rrule, content.exdates, tz=tz, after=after
    )
    if found is None:
        return None
    start, end = found
    if isinstance(start, datetime) and isinstance(end, datetime):
        return start.astimezone(PARIS), end.astimezone(PARIS), False
    first = start if isinstance(start, date) and not isinstance(start, datetime) else after.date()
    last = end if isinstance(end, date) and not isinstance(end, datetime) else first
    return midnight(first), midnight(last + timedelta(days=1)), True


def _row(entry: Entry, after: datetime, now: datetime, last_day: date) -> Row | None:
    found = _occurrence(entry, after)
    if found is None:
        return None
    start, end, all_day = found
    if start.date() > last_day:
        return None
    return Row(entry, start, end, all_day, running=start <= now < end)


def _places(screen: Screen, entry: Entry) -> bool:
    return not screen.venues or entry.listing.venue in screen.venues


def view(catalog: Catalog, screen: Screen, now: datetime, shown: list[Announcement]) -> ScreenView:
    """The screen's rows and state at `now`, and its approved announcements of the day."""
    first_day, last_day = window(screen.layout, now)
    query = FeedQuery(
        quartier=screen.quartier, theme=screen.theme, start=first_day, end=last_day,
        limit=MAX_ROWS * 5,
    )  # fmt: skip
    rows: list[Row] = []
    ended = False
    for entry in catalog.select(query, now):
        if not _places(screen, entry):
            continue
        row = _row(entry, midnight(first_day), now, last_day)
        if row is not None and row.end <= now:
            ended = True
            row = _row(entry, now, now, last_day)
        if row is not None:
            rows.append(row)
    rows.sort(key=lambda r: (not r.running, r.start, r.event.content.title))
    ended = ended and screen.layout is not Layout.WEEK
    state = State.LIST if rows else (State.DONE if ended else State.EMPTY)
    return ScreenView(screen, now, rows[:MAX_ROWS], state, _announced(catalog, shown, now))


def _announced(catalog: Catalog, shown: list[Announcement], now: datetime) -> list[Row]:
    """The announced events still to come (or running), each at that occurrence."""
    rows = []
    for announcement in shown:
        entry = catalog.get(f"{announcement.association}.{announcement.event_id}")
        if entry is None or not entry.listing.visible_at(now):
            continue
        row = _row(entry, now, now, date.max)
        if row is not None:
            rows.append(row)
    return rows


def day_label(day: date, today: date) -> str:
    if day == today:
        return "aujourd'hui"
    if day == today + timedelta(days=1):
        return "demain"
    return day_text(day).rsplit(" ", 1)[0]  # without the year: `samedi 14 mars`


def hhmm(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def data_row(
    row: Row, view_: ScreenView, quartier: Labels, theme: Labels, kind: str
) -> dict[str, Any]:
    """One flat row of `/ecran/{id}.json`: every value a string, a boolean or null."""
    event = row.event
    content = event.content
    location = event.location
    venue = (
        location.venue.name if location.venue else (location.place.name if location.place else None)
    )
    code, label = STATUS[content.status]
    themes = [theme(t) for t in content.themes]
    poster = event.poster
    today = view_.now.astimezone(PARIS).date()
    last = (row.end - timedelta(microseconds=1)).date() if row.all_day else row.end.date()
    return {
        "id": f"{event.association}.{event.event_id}",
        "kind": kind,
        "title": content.title,
        "association": event.association_name,
        "start": row.start.date().isoformat() if row.all_day else row.start.isoformat(),
        "end": last.isoformat() if row.all_day else row.end.isoformat(),
        "start_time": None if row.all_day else hhmm(row.start),
        "end_time": None if row.all_day else hhmm(row.end),
        "all_day": row.all_day,
        "day": row.start.date().isoformat(),
        "day_label": day_label(max(row.start.date(), today), today),
        "time_label": "toute la journée" if row.all_day else f"{hhmm(row.start)} – {hhmm(row.end)}",
        "running": row.running,
        "venue": venue,
        "quartier": quartier(location.quartier) if location.quartier else None,
        "status": code,
        "status_label": label or None,
        "poster": file_url(poster, feed_image(poster)) if poster is not None else None,
        "poster_alt": poster.alt if poster is not None else None,
        "theme": themes[0] if themes else None,
        "themes": ", ".join(themes) or None,
        "url": str(event.url),
    }
