"""iCalendar (RFC 5545) rendering with icalendar 7: one VEVENT per event, feeds by concatenation.

Each event's VEVENT is rendered once and kept as bytes; a feed is the calendar header, a
VTIMEZONE covering the feed's range, the chosen VEVENTs and the footer. `full_calendar` builds
the same bytes the slow way (one icalendar tree), for the benchmark and the tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import icalendar

from vieasso.agenda.adapters.posters import feed_image, file_url
from vieasso.agenda.adapters.text import details, headline, where
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.model import StoredEvent
from vieasso.common.messages.agenda import CanonicalEvent, EventStatus

PRODID = "-//Ville de Besançon//Agenda de la vie associative//FR"
REFRESH = timedelta(hours=1)
FOOTER = b"END:VCALENDAR\r\n"
_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.FULL: "CONFIRMED",
    EventStatus.POSTPONED: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}


def _moment(value: datetime | date) -> datetime | date:
    """Local Paris time (TZID); UTC when the local time is the second one of a DST fold."""
    if not isinstance(value, datetime):
        return value
    local = value.astimezone(PARIS)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return value.astimezone(UTC)
    return local


ThemeLabels = Callable[[str], str]
"""A theme's French label from its code (the directory's), for `CATEGORIES`."""


def as_code(code: str) -> str:
    return code


def vevent(event: CanonicalEvent, labels: ThemeLabels = as_code) -> icalendar.Event:
    c = event.content
    component = icalendar.Event()
    component.add("uid", event.uid)
    component.add("sequence", event.sequence)
    component.add("dtstamp", event.last_modified.astimezone(UTC))
    component.add("created", event.created_at.astimezone(UTC))
    component.add("last-modified", event.last_modified.astimezone(UTC))
    component.add("summary", headline(event))
    component.add("description", details(event))
    component.add("dtstart", _moment(c.start))
    end = c.end if isinstance(c.end, datetime) else c.end + timedelta(days=1)
    component.add("dtend", _moment(end))
    if c.rrule:
        component.add("rrule", icalendar.vRecur.from_ical(c.rrule.removeprefix("RRULE:")))
    if c.exdates:
        component.add("exdate", [_moment(x) for x in c.exdates])
    if (place := where(event)) is not None:
        component.add("location", place)
    venue, inline = event.location.venue, event.location.place
    if venue is not None:
        component.add("geo", (venue.lat, venue.lon))
    elif inline is not None and inline.lat is not None and inline.lon is not None:
        component.add("geo", (inline.lat, inline.lon))
    component.add("url", str(event.url))
    component.add("status", _STATUS[c.status])
    component.add("class", "PUBLIC")
    if c.themes:
        component.add("categories", [labels(theme) for theme in c.themes])
    if event.poster is not None:  # RFC 7986 IMAGE for calendars, ATTACH for the others
        poster = feed_image(event.poster)
        url = file_url(event.poster, poster)
        shown = {"VALUE": "URI", "DISPLAY": "FULLSIZE", "FMTTYPE": poster.media_type}
        component.add("image", url, parameters=shown)
        component.add("attach", url, parameters={"FMTTYPE": poster.media_type})
    elif c.image_url is not None:
        component.add("image", str(c.image_url), parameters={"VALUE": "URI"})
    return component


def vevent_bytes(record: StoredEvent, labels: ThemeLabels = as_code) -> tuple[bytes, bytes]:
    """The event's VEVENT and its digest (feeds' ETags are made from the digests)."""
    body: bytes = vevent(record.event, labels).to_ical()
    return body, hashlib.blake2b(body, digest_size=16).digest()


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Paris")
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))  # X- property: typed by hand
    return cal


@lru_cache(maxsize=64)
def header(name: str) -> bytes:
    body: bytes = _calendar(name).to_ical()
    return body.removesuffix(FOOTER)


@lru_cache(maxsize=256)
def timezone_bytes(first: date, last: date) -> bytes:
    """Europe/Paris VTIMEZONE with only the transitions between `first` and `last`."""
    tz = icalendar.Timezone.from_tzid("Europe/Paris", first_date=first, last_date=last)
    body: bytes = tz.to_ical()
    return body


def tz_range(
    first: date, last: date, earliest: datetime | None, latest: datetime | None
) -> tuple[date, date]:
    """The days the VTIMEZONE must cover: the window, widened to every event shown."""
    if earliest is not None:
        first = min(first, earliest.astimezone(PARIS).date())
    if latest is not None:
        last = max(last, latest.astimezone(PARIS).date())
    return first, last + timedelta(days=1)


def assemble(
    name: str, vevents: list[tuple[bytes, bytes]], first: date, last: date
) -> tuple[bytes, str]:
    """The feed's bytes, and a digest of them computed from the events' kept digests."""
    head, zone = header(name), timezone_bytes(first, last)
    body = b"".join((head, zone, *(v[0] for v in vevents), FOOTER))
    digest = hashlib.blake2b(digest_size=16)
    digest.update(hashlib.blake2b(head + zone, digest_size=16).digest())
    digest.update(b"".join(v[1] for v in vevents))
    return body, digest.hexdigest()


def full_calendar(
    name: str,
    records: list[StoredEvent],
    first: date,
    last: date,
    labels: ThemeLabels = as_code,
) -> bytes:
    """The same feed built as one icalendar tree (the slow, obvious way)."""
    cal = _calendar(name)
    cal.add_component(
        icalendar.Timezone.from_tzid("Europe/Paris", first_date=first, last_date=last)
    )
    for record in records:
        cal.add_component(vevent(record.event, labels))
    body: bytes = cal.to_ical()
    return body
