"""Deciding what a valid submission does to an event: publish, update, cancel or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from vieasso.agenda.domain.model import Moderation, StoredEvent, hiding_mail_key
from vieasso.agenda.domain.recurrence import span
from vieasso.common.messages.agenda import (
    CanonicalEvent,
    EventContent,
    EventStatus,
    Poster,
    ResolvedLocation,
)
from vieasso.common.subjects import EventChange


@dataclass(frozen=True)
class Identity:
    """Who the event belongs to and how it is named publicly."""

    slug: str
    event_id: str
    uid: str
    url: str
    association_name: str


@dataclass(frozen=True)
class Decision:
    """`record` is the value to store; `change` is None when the event did not change."""

    record: StoredEvent
    change: EventChange | None


def _change(existing: StoredEvent | None, content: EventContent) -> EventChange:
    cancelled = content.status is EventStatus.CANCELLED
    if cancelled and (existing is None or not existing.cancelled):
        return EventChange.CANCELLED
    return EventChange.PUBLISHED if existing is None else EventChange.UPDATED


def decide(
    existing: StoredEvent | None,
    content: EventContent,
    location: ResolvedLocation,
    who: Identity,
    *,
    now: datetime,
    message_id: str | None,
    stream_seq: int | None = None,
    poster: Poster | None = None,
) -> Decision:
    """Apply a valid `content`; identical content changes nothing (idempotent).

    Submissions of one event may be handled out of order: the one with the highest stream
    sequence wins, an older one is ignored. A cancellation of an unknown event records it
    as cancelled (its creation may simply not have been handled yet).
    """
    if existing is not None:
        seen = existing.last_submission_seq
        if stream_seq is not None and seen is not None and stream_seq <= seen:
            return Decision(existing, None)  # a replay of a submission older than the state
        same = (
            existing.event.content == content
            and existing.event.location == location
            and existing.event.poster == poster
            and existing.event.association_name == who.association_name
        )
        if same and stream_seq is not None and (seen is None or stream_seq > seen):
            return Decision(existing.model_copy(update={"last_submission_seq": stream_seq}), None)
        if same:
            return Decision(existing, None)
    event = CanonicalEvent(
        uid=who.uid,
        sequence=0 if existing is None else existing.event.sequence + 1,
        association=who.slug,
        association_name=who.association_name,
        event_id=who.event_id,
        content=content,
        location=location,
        url=who.url,
        created_at=now if existing is None else existing.event.created_at,
        last_modified=now,
        unpublished=False if existing is None else existing.event.unpublished,
        poster=poster,
    )
    change = _change(existing, content)
    moderation = existing.moderation if existing is not None else None
    return Decision(_stored(event, change, message_id, stream_seq, moderation), change)


def hide(existing: StoredEvent, *, reason: str, now: datetime) -> Decision:
    """The city hides an event, with its reason; hiding a hidden event changes nothing.

    The hidden version gets the next sequence, which names the mail to the association:
    one mail per hiding, whatever the retries.
    """
    if existing.event.unpublished:
        return Decision(existing, None)
    sequence = existing.event.sequence + 1
    moderation = Moderation(
        reason=reason,
        hidden_at=now,
        mail_key=hiding_mail_key(existing.event.association, existing.event.event_id, sequence),
    )
    return _moderated(existing, True, moderation, now)


def show(existing: StoredEvent, *, now: datetime) -> Decision:
    """The city shows a hidden event again (its reason is forgotten)."""
    if not existing.event.unpublished:
        return Decision(existing, None)
    return _moderated(existing, False, None, now)


def _moderated(
    existing: StoredEvent, unpublished: bool, moderation: Moderation | None, now: datetime
) -> Decision:
    """A real change of visibility raises the sequence."""
    event = existing.event.model_copy(
        update={
            "unpublished": unpublished,
            "sequence": existing.event.sequence + 1,
            "last_modified": now,
        }
    )
    stored = _stored(event, EventChange.UPDATED, None, existing.last_submission_seq, moderation)
    return Decision(stored, EventChange.UPDATED)


def _stored(
    event: CanonicalEvent,
    change: EventChange,
    message_id: str | None,
    stream_seq: int | None,
    moderation: Moderation | None,
) -> StoredEvent:
    content = event.content
    first, last = span(content.start, content.end, content.rrule, ZoneInfo(content.timezone))
    return StoredEvent(
        event=event,
        span_start=first,
        span_end=last,
        last_change=change,
        last_message_id=message_id,
        last_submission_seq=stream_seq,
        moderation=moderation,
    )
