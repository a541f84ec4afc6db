"""The agenda as a CSV for The Events Calendar's CSV importer (WordPress; free, in core).

Column names are the importer's (`Tribe__Events__Importer__Column_Mapper::
get_event_column_names`): its mapping screen pre-selects, for each column, the field whose key
is the header lower-cased, spaces as `_`, other characters dropped (`aggregator-fields.js`),
so every header here reduces to a field's key (`Event Name` → `event_name`) and an import
needs no hand mapping. Most are the field's English label; where the label does not reduce to
the key, the header is the key in words (`Event All Day` for the label `All Day Event`,
key `event_all_day`). The importer reads each row with
PHP's CSV reader (`,` and `"`, escape `\\`) and turns date + time into a date with
`strtotime`: days are written `Y-m-d` and times `H:i` (24 h), both unambiguous to it, in the
event's own time zone, named in "Event Timezone".

It has no recurrence and matches an existing post by title and start (not by UID): a
recurring event becomes one row per occurrence in the window, and the title is the plain
title (a cancelled event keeps its title, so that the next import finds it, and is hidden
from the listings: "Event Hide"). docs/ville-sortir.md has the recipe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vieasso.agenda.adapters.catalog import Entry
from vieasso.agenda.adapters.ics import ThemeLabels
from vieasso.agenda.adapters.posters import feed_image, file_url
from vieasso.agenda.adapters.text import details, disabilities
from vieasso.agenda.domain.accessibility import accessible_for
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.recurrence import Moment, occurrences_between
from vieasso.common.messages.agenda import CanonicalEvent, EventStatus
from vieasso.common.messages.annuaire import VenuePublic

NAME = "Event Name"
DESCRIPTION = "Event Description"
EXCERPT = "Event Excerpt"
START_DATE = "Event Start Date"
START_TIME = "Event Start Time"
END_DATE = "Event End Date"
END_TIME = "Event End Time"
TIME_ZONE = "Event Timezone"  # label: Event Time Zone
ALL_DAY = "Event All Day"  # label: All Day Event
HIDE = "Event Hide"  # label: Hide Event From Event Listings
VENUE = "Event Venue Name"
ORGANIZER = "Event Organizer Name"  # label: Event Organizer Name(s) or ID(s)
SHOW_MAP_LINK = "Event Show Map Link"
SHOW_MAP = "Event Show Map"
COST = "Event Cost"
CURRENCY_CODE = "Event Currency Code"  # label: Event ISO Currency Code
CURRENCY_SYMBOL = "Event Currency Symbol"
CURRENCY_POSITION = "Event Currency Position"
CATEGORY = "Event Category"
TAGS = "Event Tags"
WEBSITE = "Event Website"
IMAGE = "Featured Image"  # label: Event Featured Image
COLUMNS = (
    NAME,
    DESCRIPTION,
    EXCERPT,
    START_DATE,
    START_TIME,
    END_DATE,
    END_TIME,
    TIME_ZONE,
    ALL_DAY,
    HIDE,
    VENUE,
    ORGANIZER,
    SHOW_MAP_LINK,
    SHOW_MAP,
    COST,
    CURRENCY_CODE,
    CURRENCY_SYMBOL,
    CURRENCY_POSITION,
    CATEGORY,
    TAGS,
    WEBSITE,
    IMAGE,
)
DATE_FORMAT = "%Y-%m-%d"  # PHP `Y-m-d`
TIME_FORMAT = "%H:%M"  # PHP `H:i`
TRUE, FALSE = "TRUE", "FALSE"  # the importer's booleans: yes, true or 1, any case
_STATUS = {
    EventStatus.CANCELLED: "Annulé.",
    EventStatus.POSTPONED: "Reporté.",
    EventStatus.FULL: "Complet.",
}

Row = dict[str, str]


def _zone(event: CanonicalEvent) -> ZoneInfo:
    try:
        return ZoneInfo(event.content.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return PARIS


def _cell(text: str) -> str:
    """PHP's CSV reader takes `\\"` inside quotes as an escaped quote (its escape character
    is `\\`), which would run the cell into the next ones: a space keeps them apart."""
    return text.replace('\\"', '\\ "')


def _category(label: str) -> str:
    """The importer splits "Event Category" on commas: a label keeps none of its own."""
    return " ".join(label.replace(",", " ").split())


def _cost(event: CanonicalEvent) -> str:
    content = event.content
    if content.free:
        return "0"
    return content.price or ""


def _image(event: CanonicalEvent) -> str:
    if event.poster is not None:
        return file_url(event.poster, feed_image(event.poster))
    return str(event.content.image_url) if event.content.image_url is not None else ""


def _venue(event: CanonicalEvent) -> str:
    location = event.location
    if location.venue is not None:
        return location.venue.name
    return location.place.name if location.place is not None else ""


def _moments(start: Moment, end: Moment, tz: ZoneInfo) -> dict[str, str]:
    if isinstance(start, datetime) and isinstance(end, datetime):
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        return {
            START_DATE: local_start.strftime(DATE_FORMAT),
            START_TIME: local_start.strftime(TIME_FORMAT),
            END_DATE: local_end.strftime(DATE_FORMAT),
            END_TIME: local_end.strftime(TIME_FORMAT),
            ALL_DAY: FALSE,
        }
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end  # the last day, inclusive
    return {
        START_DATE: first.strftime(DATE_FORMAT),
        START_TIME: "",
        END_DATE: last.strftime(DATE_FORMAT),
        END_TIME: "",
        ALL_DAY: TRUE,
    }


def _common(event: CanonicalEvent, labels: ThemeLabels) -> Row:
    content = event.content
    status = _STATUS.get(content.status)
    excerpt = " ".join(p for p in (status, content.summary) if p)
    description = details(event)
    return {
        NAME: _cell(content.title),
        DESCRIPTION: _cell(f"{status}\n\n{description}" if status else description),
        EXCERPT: _cell(excerpt),
        TIME_ZONE: content.timezone,
        HIDE: TRUE if content.status is EventStatus.CANCELLED else FALSE,
        VENUE: _cell(_venue(event)),
        ORGANIZER: _cell(event.association_name),
        SHOW_MAP_LINK: TRUE if event.location.venue or event.location.place else FALSE,
        SHOW_MAP: TRUE if event.location.venue or event.location.place else FALSE,
        COST: _cell(_cost(event)),
        CURRENCY_CODE: "EUR",
        CURRENCY_SYMBOL: "€",
        CURRENCY_POSITION: "suffix",
        CATEGORY: _cell(",".join(_category(labels(t)) for t in content.themes)),
        TAGS: "",
        WEBSITE: str(event.url),
        IMAGE: _image(event),
    }


def event_rows(
    event: CanonicalEvent, first_day: date, last_day: date, labels: ThemeLabels, limit: int
) -> Iterator[Row]:
    """One row per occurrence of `event` between `first_day` and `last_day`."""
    content = event.content
    tz = _zone(event)
    common = _common(event, labels)
    found = occurrences_between(
        content.start,
        content.end,
        content.rrule,
        content.exdates,
        tz=tz,
        first_day=first_day,
        last_day=last_day,
        limit=limit,
    )
    for start, end in found:
        yield {**common, **_moments(start, end, tz)}


def rows(
    entries: list[Entry], first_day: date, last_day: date, labels: ThemeLabels, *, limit: int
) -> list[Row]:
    """The rows of the chosen events, by start, at most `limit` (the feeds' cap)."""
    found: list[tuple[str, str, Row]] = []
    for entry in entries:
        for row in event_rows(entry.record.event, first_day, last_day, labels, limit):
            found.append((row[START_DATE], row[START_TIME], row))
    found.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in found[:limit]]


# The importer's venues (`get_venue_column_names`): events find their venue by its name, and
# the events' import creates none, so the venues are imported first, from `/feeds/lieux.csv`.
VENUE_NAME = "Venue Name"
VENUE_DESCRIPTION = "Venue Description"
VENUE_COUNTRY = "Venue Country"
VENUE_ADDRESS = "Venue Address"
VENUE_CITY = "Venue City"
VENUE_ZIP = "Venue Zip"
VENUE_COLUMNS = (
    VENUE_NAME,
    VENUE_DESCRIPTION,
    VENUE_COUNTRY,
    VENUE_ADDRESS,
    VENUE_CITY,
    VENUE_ZIP,
)


def venue_rows(venues: list[VenuePublic], quartier: Callable[[str], str]) -> list[Row]:
    """The directory's venues in use (not archived), by name: the names events refer to."""
    table = []
    for venue in sorted((v for v in venues if not v.archived), key=lambda v: v.name.lower()):
        lines = [f"Quartier : {quartier(venue.quartier)}"] if venue.quartier else []
        welcome = disabilities(accessible_for(venue.accessibility.model_dump()))
        if welcome is not None:
            lines.append(f"Accessible aux personnes en situation de {welcome}")
        table.append(
            {
                VENUE_NAME: _cell(venue.name),
                VENUE_DESCRIPTION: _cell(". ".join(lines)),
                VENUE_COUNTRY: "France",
                VENUE_ADDRESS: _cell(venue.address),
                VENUE_CITY: _cell(venue.city),
                VENUE_ZIP: venue.postal_code,
            }
        )
    return table


def document(table: list[Row], columns: tuple[str, ...] = COLUMNS) -> bytes:
    """UTF-8 without byte-order mark (it would stay in the first header), CRLF line ends,
    cells quoted when needed."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue().encode()
