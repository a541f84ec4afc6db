"""Words shared by every rendering of an event (ICS, RSS, pages): French, plain text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from vieasso.agenda.adapters.labels import DISABILITIES
from vieasso.agenda.domain import accessibility
from vieasso.agenda.domain.feeds import PARIS
from vieasso.common.messages.agenda import CanonicalEvent, EventStatus

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

_PREFIX = {
    EventStatus.CANCELLED: "Annulé : ",
    EventStatus.POSTPONED: "Reporté : ",
    EventStatus.FULL: "Complet : ",
}


def headline(event: CanonicalEvent) -> str:
    """The title, with the status in front when it is not simply scheduled."""
    return _PREFIX.get(event.content.status, "") + event.content.title


def day(value: date) -> str:
    """`samedi 14 mars 2026`."""
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def clock_time(value: datetime) -> str:
    """`18 h 30`, `9 h`."""
    return f"{value.hour} h {value.minute:02d}" if value.minute else f"{value.hour} h"


def when(event: CanonicalEvent) -> str:
    """When, in French and in Paris time: `samedi 14 mars 2026, de 18 h 30 à 22 h`."""
    start, end = event.content.start, event.content.end
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        first = start if not isinstance(start, datetime) else start.date()
        last = end if not isinstance(end, datetime) else end.date()
        if first == last:
            text = f"{day(first)}, toute la journée"
        else:
            text = f"du {day(first)} au {day(last)}"
    else:
        local_start, local_end = start.astimezone(PARIS), end.astimezone(PARIS)
        if local_start.date() == local_end.date() or (
            local_end - local_start < timedelta(hours=12) and local_end.hour < 6  # noqa: PLR2004
        ):
            text = (
                f"{day(local_start.date())}, de {clock_time(local_start)} à {clock_time(local_end)}"
            )
        else:
            text = (
                f"du {day(local_start.date())} à {clock_time(local_start)} "
                f"au {day(local_end.date())} à {clock_time(local_end)}"
            )
    if event.content.rrule:
        text += " (se répète)"
    return text


def where(event: CanonicalEvent) -> str | None:
    """One line saying where the event happens (None when only online)."""
    loc = event.location
    if loc.venue is not None:
        v = loc.venue
        return f"{v.name}, {v.address}, {v.postal_code} {v.city}"
    if loc.place is not None:
        p = loc.place
        return f"{p.name}, {p.address}, {p.postal_code}"
    return None


def price(event: CanonicalEvent) -> str | None:
    content = event.content
    if content.free:
        return "Gratuit"
    return content.price


def disabilities(flags: tuple[str, ...]) -> str | None:
    """`handicap moteur, auditif` for ("motor", "hearing"); None for nothing."""
    return f"handicap {', '.join(DISABILITIES[f] for f in flags)}" if flags else None


def accessible(event: CanonicalEvent) -> str | None:
    """For whom the event is accessible (its association's word or its venue's)."""
    return disabilities(accessibility.of_event(event))


def details(event: CanonicalEvent) -> str:
    """The long description: summary, text, organiser, price, links."""
    c = event.content
    parts = [p for p in (c.summary, c.description) if p]
    lines = [f"Quand : {when(event)}", f"Organisé par {event.association_name}"]
    if (place := where(event)) is not None:
        lines.append(f"Où : {place}")
    if (cost := price(event)) is not None:
        lines.append(f"Tarif : {cost}")
    if (welcome := accessible(event)) is not None:
        lines.append(f"Accessibilité : {welcome}")
    if c.online_url is not None:
        lines.append(f"En ligne : {c.online_url}")
    if c.registration_url is not None:
        lines.append(f"Inscription : {c.registration_url}")
    lines.append(f"Plus d'informations : {event.url}")
    parts.append("\n".join(lines))
    return "\n\n".join(parts)
