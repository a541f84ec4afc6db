"""iCalendar (RFC 5545) rendering of the ressources' calendars, with icalendar like the agenda.

Every event is a whole-day one (``VALUE=DATE``): the city lends by days and half-days, not
hours. UIDs name the entry or the loan and the day, so they stay the same from one render to
the next; DTSTAMP comes from the loans' last change (`domain.ics_busy`), never the clock, so
the same stored loans give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import icalendar

from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.ressources.domain.ics_busy import BookedDay, BusyRun, Handover
from vieasso.ressources.domain.loans import LoanLine

PRODID = "-//Ville de Besançon//Prêt de matériel et de salles//FR"
REFRESH = timedelta(hours=1)
ALARM_BEFORE = timedelta(hours=6)  # before the day starts: 18 h the day before
MEDIA_TYPE = "text/calendar; charset=utf-8"
HALVES = {Half.MORNING: "matin", Half.AFTERNOON: "après-midi"}
STEPS = {"retrait": "Retrait", "retour": "Retour"}

NameOf = Callable[[LoanLine], str]


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


def _day_event(uid: str, stamp: datetime, first: object, last: object) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("last-modified", stamp.astimezone(UTC))
    event.add("dtstart", first)
    event.add("dtend", last)
    return event


def _bytes(cal: icalendar.Calendar, events: Iterable[icalendar.Event]) -> bytes:
    for event in events:
        cal.add_component(event)
    body: bytes = cal.to_ical()
    return body


def model_calendar(model_id: str, name: str, runs: list[BusyRun], domain: str) -> bytes:
    """The model's busy days: units lent or held, units still free (no association)."""
    events = []
    for run in runs:
        uid = f"materiel.{model_id}.{run.first.isoformat()}@{domain}"
        event = _day_event(uid, run.stamp, run.first, run.last + timedelta(days=1))
        event.add("summary", f"{name} : {run.taken} pris, {run.free} libre(s) sur {run.stock}")
        event.add(
            "description",
            f"{run.taken} unité(s) prêtée(s) ou en contrôle après un retour ; "
            f"{run.free} encore libre(s) ces jours-là.",
        )
        event.add("transp", "OPAQUE" if run.free == 0 else "TRANSPARENT")
        event.add("class", "PUBLIC")
        events.append(event)
    return _bytes(_calendar(f"{name} — prêts de la Ville"), events)


def room_calendar(room_id: str, name: str, days: list[BookedDay], domain: str) -> bytes:
    """The room's booked half-days, one event per day (no association)."""
    events = []
    for booked in days:
        uid = f"salle.{room_id}.{booked.day.isoformat()}@{domain}"
        event = _day_event(uid, booked.stamp, booked.day, booked.day + timedelta(days=1))
        halves = " et ".join(HALVES[h] for h in booked.halves)
        event.add("summary", f"{name} : réservée ({halves})")
        event.add("transp", "OPAQUE")
        event.add("class", "PUBLIC")
        events.append(event)
    return _bytes(_calendar(f"{name} — réservations"), events)


def _lines_text(lines: Iterable[LoanLine], name_of: NameOf) -> str:
    parts = []
    for line in lines:
        if line.kind is ResourceKind.ROOM:
            parts.append(name_of(line))
        else:
            parts.append(f"{line.granted} × {name_of(line)}")
    return ", ".join(parts)


def association_calendar(
    title: str,
    items: list[Handover],
    name_of: NameOf,
    place_of: Callable[[Handover], str | None],
    domain: str,
) -> bytes:
    """The association's pickups and returns, each with an alarm the evening before."""
    events = []
    for item in items:
        loan = item.loan
        uid = f"pret.{loan.id}.{item.step}@{domain}"
        event = _day_event(uid, loan.updated_at, item.day, item.day + timedelta(days=1))
        what = _lines_text(item.lines, name_of)
        event.add("summary", f"{STEPS[item.step]} : {what}")
        event.add("description", f"Prêt {loan.id} de la Ville de Besançon : {what}.")
        if (place := place_of(item)) is not None:
            event.add("location", place)
        event.add("transp", "TRANSPARENT")
        event.add("class", "PRIVATE")
        alarm = icalendar.Alarm()
        alarm.add("uid", f"pret.{loan.id}.{item.step}.rappel@{domain}")
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Demain : {STEPS[item.step].lower()} ({what})")
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
        events.append(event)
    return _bytes(_calendar(title), events)
