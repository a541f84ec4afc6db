"""The agenda's stored record of one event, and how events are named."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from vieasso.common.messages.agenda import CanonicalEvent, EventContent, EventStatus
from vieasso.common.messages.base import Slug, Text
from vieasso.common.subjects import EventChange

KEEP_CANCELLED_DAYS = 30
_FACT_NAMESPACE = uuid.UUID("0d9e6a52-3c1b-4f57-9a0e-51c4b7d2e8f3")


def event_key(slug: str, event_id: str) -> str:
    """KV key of an event in `agenda_events`: `<slug>.<event_id>`."""
    return f"{slug}.{event_id}"


def event_uid(slug: str, event_id: str, domain: str) -> str:
    """iCalendar UID, stable for the life of the event (SPEC §4)."""
    return f"{slug}.{event_id}@{domain}"


def fact_message_id(key: str, sequence: int) -> uuid.UUID:
    """Deterministic id of the fact of one version: a crash-retry is deduplicated by JetStream."""
    return uuid.uuid5(_FACT_NAMESPACE, f"{key}:{sequence}")


def hiding_mail_key(slug: str, event_id: str, sequence: int) -> str:
    """Idempotency key of the mail telling the association that the city hid its event:
    one per hiding (the hidden version's sequence), so sending it again is harmless."""
    return f"masque.{slug}.{event_id}.{sequence}"


MAX_REASON = 2000
MISSING_REASON = "Indiquez le motif : il est envoyé à l'association par courriel."


def _reason(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(MISSING_REASON)
    if len(value) > MAX_REASON:  # here: after `Text`'s check, pydantic's would say "items"
        raise PydanticCustomError("string_too_long", "too long", {"max_length": MAX_REASON})
    return value


Reason = Annotated[Text, AfterValidator(_reason), Field(max_length=MAX_REASON)]


class Unpublish(BaseModel):
    """Body of `POST /api/events/{slug}/{event_id}/unpublish`: why the city hides the event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: Reason = Field(
        description=(
            "Why the event is hidden, in French, written for the association: it is mailed "
            "to its private contact and kept with the event for the city (never in a feed)."
        ),
        examples=["L'événement est une vente commerciale, hors du cadre de l'agenda associatif."],
    )


class Moderation(BaseModel):
    """The city's hiding of an event: its reason, and the mail that tells the association.

    `mail_requested_at` stays empty until the mail request is acknowledged by JetStream: a
    hiding saved just before a crash is finished at the next start (or by the next
    unpublish), under the same `mail_key`, so the mail is neither lost nor sent twice.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    reason: str
    hidden_at: AwareDatetime
    mail_key: str
    mail_requested_at: AwareDatetime | None = None


class EventDraft(EventContent):
    """Body of `POST /api/associations/{slug}/events`: the event and its `event_id`.

    `association` may be given; it must then equal the `{slug}` of the URL.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    association: Slug | None = None


class StoredEvent(BaseModel):
    """Value of `agenda_events[<slug>.<event_id>]`: the canonical event and its bookkeeping.

    `span_start`/`span_end` bound every occurrence (UTC) so that the index is rebuilt at start
    without expanding recurrences; `last_message_id`/`last_change` let a redelivered submission
    publish its fact again (same deterministic id) instead of being lost after a crash;
    `last_submission_seq` (stream sequence of the submission applied) makes a replay of older
    submissions harmless. `moderation` (while the city hides the event) is never in a fact
    nor a feed: only the city's and the association's spaces show it.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event: CanonicalEvent
    span_start: AwareDatetime
    span_end: AwareDatetime
    last_change: EventChange
    last_message_id: str | None = None
    last_submission_seq: int | None = None
    moderation: Moderation | None = None

    @property
    def key(self) -> str:
        return event_key(self.event.association, self.event.event_id)

    @property
    def cancelled(self) -> bool:
        return self.event.content.status is EventStatus.CANCELLED

    def visible_at(self, now: datetime) -> bool:
        """In feeds: not unpublished; a cancelled event stays `KEEP_CANCELLED_DAYS` days."""
        if self.event.unpublished:
            return False
        if not self.cancelled:
            return True
        return now < self.event.last_modified + timedelta(days=KEEP_CANCELLED_DAYS)
