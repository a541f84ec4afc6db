"""The agenda's stored record of one event, and how events are named."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict

from vieasso.common.messages.agenda import CanonicalEvent, EventContent, EventStatus
from vieasso.common.messages.base import Slug
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
    submissions harmless.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event: CanonicalEvent
    span_start: AwareDatetime
    span_end: AwareDatetime
    last_change: EventChange
    last_message_id: str | None = None
    last_submission_seq: int | None = None

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
