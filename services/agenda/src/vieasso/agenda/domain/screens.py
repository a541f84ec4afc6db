"""The city's screens and the announcements shown on them (SPEC §8, issue 14): pure rules.

A screen shows the agenda for a place (venues of the directory, or a quartier) in one
layout: *maintenant/ensuite* (what runs now and what comes next today, at a venue),
*aujourd'hui* or *cette semaine*; an optional theme narrows it. An announcement is an
association's request to show one of its events on chosen screens between two days; the
city approves or refuses it with a reason.
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from vieasso.agenda.domain.feeds import PARIS
from vieasso.common.messages.base import Code, Line, Slug, Text

MAX_SCREENS = 50
MAX_ANNOUNCEMENT_DAYS = 62
MAX_REASON = 2000


class Orientation(StrEnum):
    LANDSCAPE = "paysage"  # 16:9
    PORTRAIT = "portrait"  # 9:16


class Layout(StrEnum):
    NOW_NEXT = "maintenant"
    TODAY = "aujourdhui"
    WEEK = "semaine"


class AnnouncementState(StrEnum):
    REQUESTED = "demandee"
    APPROVED = "acceptee"
    REFUSED = "refusee"
    WITHDRAWN = "retiree"


VENUES_NEEDED = "Choisissez au moins un lieu : cette mise en page montre ce qui s'y passe."
ONE_PLACE = "Choisissez des lieux ou un quartier, pas les deux."


class ScreenSettings(BaseModel):
    """What the city chooses for a screen (the form and the bucket)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Line = Field(min_length=1, max_length=120)
    venues: tuple[Slug, ...] = Field(default=(), max_length=20)
    quartier: Code | None = None
    orientation: Orientation = Orientation.LANDSCAPE
    layout: Layout = Layout.TODAY
    theme: Code | None = None

    @model_validator(mode="after")
    def _place(self) -> Self:
        if self.venues and self.quartier:
            raise ValueError(ONE_PLACE)
        if self.layout is Layout.NOW_NEXT and not self.venues:
            raise ValueError(VENUES_NEEDED)
        return self


class Screen(ScreenSettings):
    """Value of `agenda_screens[screen.<id>]`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Slug
    created_at: AwareDatetime
    updated_at: AwareDatetime


class Announcement(BaseModel):
    """Value of `agenda_screens[annonce.<id>]`: the request, then the city's decision."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(pattern=r"^[a-z0-9]{1,40}$")
    association: Slug
    event_id: str
    screens: tuple[Slug, ...] = Field(min_length=1, max_length=MAX_SCREENS)
    first_day: date
    last_day: date
    state: AnnouncementState = AnnouncementState.REQUESTED
    reason: Text | None = None
    requested_at: AwareDatetime
    decided_at: AwareDatetime | None = None
    was: AnnouncementState | None = None  # the state before the last decision
    mail_key: str | None = None
    notified_at: AwareDatetime | None = None  # facts and mail of the last decision published

    def shown_on(self, screen_id: str, today: date) -> bool:
        return (
            self.state is AnnouncementState.APPROVED
            and screen_id in self.screens
            and self.first_day <= today <= self.last_day
        )


class AnnouncementError(ValueError):
    """A request that cannot be accepted, with its French reason by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def check_request(
    screens: tuple[str, ...], known: set[str], first_day: date, last_day: date, today: date
) -> None:
    """Raise `AnnouncementError` for unknown screens or days out of bounds."""
    errors: dict[str, str] = {}
    if not screens:
        errors["ecrans"] = "Choisissez au moins un écran."
    elif any(s not in known for s in screens):
        errors["ecrans"] = "Un des écrans choisis n'existe plus : choisissez-les à nouveau."
    if last_day < first_day:
        errors["au"] = "Le dernier jour doit suivre le premier."
    elif last_day < today:
        errors["au"] = "Le dernier jour est déjà passé."
    elif (last_day - first_day).days >= MAX_ANNOUNCEMENT_DAYS:
        errors["au"] = f"Une annonce dure au plus {MAX_ANNOUNCEMENT_DAYS} jours."
    if errors:
        raise AnnouncementError(errors)


def new_id() -> str:
    return secrets.token_hex(8)


def screen_id_for(name: str, taken: set[str]) -> str:
    """A readable id from the name (`hall-de-la-mairie`), unique among `taken`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_name.lower()).split()
    base = "-".join(words)[:60].strip("-") or "ecran"
    found, n = base, 2
    while found in taken:
        found, n = f"{base}-{n}", n + 1
    return found


def window(layout: Layout, now: datetime) -> tuple[date, date]:
    """First and last Paris day a layout shows."""
    today = now.astimezone(PARIS).date()
    return (today, today + timedelta(days=6)) if layout is Layout.WEEK else (today, today)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=PARIS)
