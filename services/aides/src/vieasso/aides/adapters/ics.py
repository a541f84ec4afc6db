"""iCalendar (RFC 5545) rendering of the aids' deadlines, with icalendar like the agenda.

Every event is a whole-day one (``VALUE=DATE``) on the last day to apply, yearly windows
with ``RRULE:FREQ=YEARLY``, two alarms (30 and 7 days before). UIDs name the scheme, so
they stay the same from one render to the next; SEQUENCE is the scheme's version and
DTSTAMP its last change, never the clock, so the same stored schemes give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta

import icalendar

from vieasso.aides.domain.feed import ALARMS, DeadlineEvent

PRODID = "-//Ville de Besançon//Aides aux associations//FR"
REFRESH = timedelta(hours=6)


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


def _alarm(uid: str, before: timedelta, name: str) -> icalendar.Alarm:
    alarm = icalendar.Alarm()
    alarm.add("uid", f"{uid}.rappel-{before.days}j")
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Dans {before.days} jours : date limite de « {name} »")
    alarm.add("trigger", -before)
    return alarm


def _event(item: DeadlineEvent, base_url: str, domain: str) -> icalendar.Event:
    scheme = item.scheme
    uid = f"aide.{scheme.id}@{domain}"
    page = f"{base_url}/aides/{scheme.id}"
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", scheme.updated_at.astimezone(UTC))
    event.add("last-modified", scheme.updated_at.astimezone(UTC))
    event.add("sequence", scheme.version)
    event.add("dtstart", item.day)
    event.add("dtend", item.day + timedelta(days=1))
    if item.yearly:
        event.add("rrule", {"freq": "yearly"})
    event.add("summary", f"Date limite : {scheme.name}")
    event.add("description", f"{scheme.short_description}\n{', '.join(scheme.funders)}\n{page}")
    event.add("url", page)
    event.add("transp", "TRANSPARENT")
    event.add("class", "PUBLIC")
    event.add("categories", ["Aides aux associations"])
    if item.cancelled:
        event.add("status", "CANCELLED")
    else:
        for before in ALARMS:
            event.add_component(_alarm(uid, before, scheme.name))
    return event


def deadlines_calendar(
    name: str, items: Iterable[DeadlineEvent], base_url: str, domain: str
) -> bytes:
    cal = _calendar(name)
    for item in items:
        cal.add_component(_event(item, base_url, domain))
    body: bytes = cal.to_ical()
    return body
