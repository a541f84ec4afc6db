"""Agenda messages (stream ``AGENDA``): inbound submissions, canonical event facts, rejections.

``EventSubmission`` checks the *shape* of a submission (types, lengths, enums, URLs); the
agenda service checks the rules that need context (dates, recurrence, reference data).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from vieasso.common.messages.annuaire import Accessibility, VenuePublic
from vieasso.common.messages.base import Code, FieldError, Line, Message, Slug, Text, WebUrl
from vieasso.common.messages.images import ImageId, Picture

EventId = str


def _date_or_datetime(value: Any) -> datetime | date:
    """A date (``AAAA-MM-JJ``) or a timezone-aware datetime, never a silent mix of both."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str) and len(value.strip()) == 10:  # noqa: PLR2004 - AAAA-MM-JJ
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("Date invalide : le format attendu est AAAA-MM-JJ.") from None
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                "Date invalide : le format attendu est AAAA-MM-JJ, ou AAAA-MM-JJTHH:MM:SS+01:00 "
                "pour une date avec heure."
            ) from None
    else:
        raise ValueError("Une date (AAAA-MM-JJ) ou une date avec heure (ISO 8601) est attendue.")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("La date et l'heure doivent préciser le fuseau horaire (ex. +01:00).")
    return parsed


DateOrDateTime = Annotated[
    datetime | date,
    BeforeValidator(_date_or_datetime),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ]
        }
    ),
]
"""A date (all-day events) or a timezone-aware datetime, with one clear French error."""

EVENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"


class AttendanceMode(StrEnum):
    OFFLINE = "offline"
    ONLINE = "online"
    MIXED = "mixed"


class Audience(StrEnum):
    TOUT_PUBLIC = "tout_public"
    JEUNE_PUBLIC = "jeune_public"
    ADULTES = "adultes"
    SENIORS = "seniors"
    FAMILLES = "familles"
    ASSOCIATIONS = "associations"  # meetings, trainings, the Forum: for associations (SPEC §8)


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    FULL = "full"


class Place(BaseModel):
    """A place given inline when the event is not at a known venue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    address: Line = Field(min_length=1, max_length=200)
    postal_code: str = Field(pattern=r"^\d{5}$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class EventContent(BaseModel):
    """What an association says about one event (shared by submissions and facts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Line = Field(min_length=1, max_length=140)
    summary: Line | None = Field(default=None, max_length=200)
    description: Text | None = Field(
        default=None, max_length=10_000, description="Plain text or Markdown."
    )
    all_day: bool = False
    start: DateOrDateTime = Field(description="Timezone-aware datetime, or a date when `all_day`.")
    end: DateOrDateTime = Field(
        description="Timezone-aware datetime, or the last day (inclusive) when `all_day`."
    )
    timezone: str = Field(default="Europe/Paris", max_length=64)
    rrule: Line | None = Field(
        default=None, max_length=500, description="RFC 5545 RRULE; must end by COUNT or UNTIL."
    )
    exdates: tuple[DateOrDateTime, ...] = Field(default=(), max_length=500)
    venue_id: Slug | None = None
    place: Place | None = None
    online_url: WebUrl | None = None
    attendance_mode: AttendanceMode = AttendanceMode.OFFLINE
    themes: tuple[Code, ...] = Field(default=(), max_length=10)
    audience: tuple[Audience, ...] = Field(
        default=(Audience.TOUT_PUBLIC,),
        max_length=5,
        description=(
            "Who the event is for. `associations`: meant for associations rather than "
            "residents (meetings between associations, the Forum, trainings); the "
            "associations' letter selects these events."
        ),
    )
    age_min: int | None = Field(default=None, ge=0, le=120)
    age_max: int | None = Field(default=None, ge=0, le=120)
    price: Line | None = Field(default=None, max_length=200)
    free: bool = False
    registration_url: WebUrl | None = None
    image_url: WebUrl | None = Field(
        default=None,
        description="An image elsewhere, linked as it is (the agenda never fetches it).",
    )
    image_id: ImageId | None = Field(
        default=None,
        description=(
            "The poster: an image the association uploaded first "
            "(`POST /api/associations/{slug}/images`). Needs `image_alt`."
        ),
    )
    image_alt: Line | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="What the poster shows, in French, for people who cannot see it.",
    )
    image_credits: Line | None = Field(
        default=None, max_length=200, description="Who made the poster or took the photo."
    )
    accessibility: Accessibility = Accessibility()
    status: EventStatus = EventStatus.SCHEDULED


class EventSubmission(EventContent, Message):
    """Inbound on ``agenda.submissions.<slug>``: create, update or cancel one event.

    ``event_id`` is chosen by the association and stable: submitting again with the same
    ``event_id`` updates the event; ``status: cancelled`` cancels it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    association: Slug = Field(description="Must equal the `<slug>` of the subject.")
    event_id: EventId = Field(pattern=EVENT_ID_PATTERN)


class ResolvedLocation(BaseModel):
    """Where the event happens, resolved from a venue or an inline place."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    venue: VenuePublic | None = None
    place: Place | None = None
    quartier: Code | None = None


class Poster(Picture):
    """An event's poster as the agenda serves it: `/images/{id}/{variant}` for each variant."""


class CanonicalEvent(BaseModel):
    """The agenda's version of an event: what feeds are made of."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    uid: str = Field(description="`<slug>.<event_id>@<domain>`, never changes.")
    sequence: int = Field(ge=0, description="Raised on every change (RFC 5545 SEQUENCE).")
    association: Slug
    association_name: Line
    event_id: EventId
    content: EventContent
    location: ResolvedLocation
    url: WebUrl = Field(description="Public page of the event.")
    created_at: AwareDatetime
    last_modified: AwareDatetime
    unpublished: bool = Field(default=False, description="Hidden by the city's moderation.")
    poster: Poster | None = Field(default=None, description="From `image_id`, when given.")


class EventFact(Message):
    event: CanonicalEvent


class EventPublished(EventFact):
    """An event appeared in the agenda."""


class EventUpdated(EventFact):
    """An event changed; its `sequence` went up."""


class EventCancelled(EventFact):
    """An event was cancelled; feeds keep it 30 days with STATUS:CANCELLED."""


class EventRejected(Message):
    """A submission the agenda refused, with every reason (French, per field)."""

    association: str = Field(description="The `<slug>` of the submission's subject.")
    event_id: str | None = None
    submission_message_id: str | None = None
    reasons: tuple[FieldError, ...] = Field(min_length=1)
