"""The `/agenda` page's list: each chosen event at its next occurrence, grouped by day.

The events come from `Catalog.select` (the feeds' filters); a recurring event is shown
once, at its first occurrence in the window, and an event that began before the window
(an exhibition) under the window's first day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import groupby
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vieasso.agenda.adapters.catalog import Entry
from vieasso.agenda.adapters.text import headline
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.recurrence import next_occurrence
from vieasso.common.messages.agenda import Audience, CanonicalEvent, EventStatus

_ITEM = "agenda-item"
_STATUS = {
    EventStatus.CANCELLED: "Annulé",
    EventStatus.POSTPONED: "Reporté",
    EventStatus.FULL: "Complet",
}


@dataclass(frozen=True)
class Item:
    day: date
    start: datetime | None  # None for an all-day event
    end: datetime | None
    last_day: date  # last day of this occurrence
    title: str
    url: str
    association_name: str
    where: str | None
    quartier: str | None
    recurring: bool
    status: str | None
    for_associations: bool  # audience `associations`: meetings, trainings, the Forum

    @property
    def sort_key(self) -> tuple[date, datetime, str]:
        return (self.day, self.start or datetime.combine(self.day, time(), PARIS), self.title)


def _place(event: CanonicalEvent) -> str | None:
    location = event.location
    if location.venue is not None:
        return location.venue.name
    if location.place is not None:
        return location.place.name
    return "En ligne" if event.content.online_url is not None else None


def _kept(
    entry: Entry, first_day: date, last_day: date, quartier: Callable[[str], str]
) -> Item | None:
    """The entry's item, kept with the event for the last period asked (until the event
    changes): expanding a rule and reading the event are the costly part of the page."""
    if entry.pieces is None:
        entry.pieces = {}
    kept = entry.pieces.get(_ITEM)
    if kept is not None and kept[0] == (first_day, last_day):
        found: Item | None = kept[1]
        return found
    found = _item(entry, first_day, last_day, quartier)
    entry.pieces[_ITEM] = ((first_day, last_day), found)
    return found


def _item(
    entry: Entry, first_day: date, last_day: date, quartier: Callable[[str], str]
) -> Item | None:
    event = entry.record.event
    content = event.content
    try:
        tz = ZoneInfo(content.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = PARIS
    after = datetime.combine(first_day, time(), PARIS)
    if content.exdates or entry.listing.start < after:
        found = next_occurrence(
            content.start, content.end, content.rrule, content.exdates, tz=tz, after=after
        )
    else:  # starts in the period: its first occurrence is the one shown (no rule to expand)
        found = (content.start, content.end)
    if found is None:
        return None
    start, end = found
    timed = isinstance(start, datetime) and isinstance(end, datetime)
    begins = start.astimezone(PARIS).date() if isinstance(start, datetime) else start
    if begins > last_day:
        return None
    ends = end.astimezone(PARIS).date() if isinstance(end, datetime) else end
    return Item(
        day=max(begins, first_day),
        start=start.astimezone(PARIS) if timed and isinstance(start, datetime) else None,
        end=end.astimezone(PARIS) if timed and isinstance(end, datetime) else None,
        last_day=ends,
        title=headline(event),
        url=str(event.url),
        association_name=event.association_name,
        where=_place(event),
        quartier=quartier(event.location.quartier) if event.location.quartier else None,
        recurring=bool(content.rrule),
        status=_STATUS.get(content.status),
        for_associations=Audience.ASSOCIATIONS in content.audience,
    )


def upcoming(
    entries: Iterable[Entry], first_day: date, last_day: date, quartier: Callable[[str], str]
) -> list[Item]:
    """The entries at their next occurrence between `first_day` and `last_day`, in order."""
    items = [_kept(entry, first_day, last_day, quartier) for entry in entries]
    return sorted((i for i in items if i is not None), key=lambda i: i.sort_key)


def by_day(items: list[Item]) -> list[tuple[date, list[Item]]]:
    return [(day, list(group)) for day, group in groupby(items, key=lambda i: i.day)]
