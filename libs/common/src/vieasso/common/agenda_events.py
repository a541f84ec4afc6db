"""An association's upcoming events, read from the agenda's `agenda_events` bucket (the
annuaire's public page of an association, the ressources' reservation form), and one of
them by id (the ressources' check that a loan names the association's own event).

One filtered read of `<slug>.>` per page view: nothing is kept in memory between requests
(the annuaire stays small with 5,000 associations and 50,000 events, SPEC B5). The agenda
owns the bucket; its value is `{"event": CanonicalEvent, "span_start", "span_end", …}`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import KeyDeletedError, KeyNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from vieasso.common.messages.agenda import CanonicalEvent, EventStatus
from vieasso.common.nats.kv import catch_up

log = logging.getLogger(__name__)

BUCKET = "agenda_events"
READ_TIMEOUT = 3.0
# The server drops the read's consumer this long after it (nats-py's default is 5 minutes:
# with one consumer per page view, thousands would linger on the server).
CONSUMER_LINGER = 2.0
GONE = (KV_DEL, KV_PURGE)


class AgendaUnavailable(Exception):
    """The agenda's events could not be read (bucket missing, NATS slow or down)."""


class _StoredEvent(BaseModel):
    """The part of the agenda's stored value the annuaire reads (the rest is ignored)."""

    model_config = ConfigDict(extra="ignore")

    event: CanonicalEvent
    span_start: AwareDatetime
    span_end: AwareDatetime


class UpcomingEvent(BaseModel):
    """What the association's page shows of one event."""

    event: CanonicalEvent
    first: datetime
    last: datetime

    @property
    def cancelled(self) -> bool:
        return self.event.content.status is EventStatus.CANCELLED


async def upcoming_events(
    js: JetStreamContext, slug: str, now: datetime, *, limit: int = 10
) -> list[UpcomingEvent]:
    """The association's published events not over yet, soonest first (at most `limit`)."""
    found: list[UpcomingEvent] = []
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            kv = await js.key_value(BUCKET)
            watcher = await kv.watch(f"{slug}.>", inactive_threshold=CONSUMER_LINGER)
            try:
                entries = [e async for e in catch_up(watcher) if e.operation not in GONE]
            finally:
                await watcher.stop()  # type: ignore[no-untyped-call]
            for entry in entries:
                upcoming = _upcoming(_parse(entry.key, entry.value), now)
                if upcoming is not None:
                    found.append(upcoming)
    except Exception as exc:  # any failure only hides the events, never the page
        log.warning("agenda events unreadable", extra={"association": slug, "error": repr(exc)})
        raise AgendaUnavailable(slug) from exc
    found.sort(key=lambda e: (e.first, e.event.event_id))
    return found[:limit]


async def upcoming_event(
    js: JetStreamContext, slug: str, event_id: str, now: datetime
) -> UpcomingEvent | None:
    """The association's event `event_id` if it is published and not over; None when the
    association has no such event (another association's id included)."""
    key = f"{slug}.{event_id}"
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            kv = await js.key_value(BUCKET)
            entry = await kv.get(key)
    except (KeyNotFoundError, KeyDeletedError):
        return None
    except Exception as exc:
        log.warning("agenda event unreadable", extra={"key": key, "error": repr(exc)})
        raise AgendaUnavailable(slug) from exc
    return _upcoming(_parse(key, entry.value), now)


def _upcoming(stored: _StoredEvent | None, now: datetime) -> UpcomingEvent | None:
    if stored is None or stored.event.unpublished or stored.span_end < now:
        return None
    return UpcomingEvent(event=stored.event, first=stored.span_start, last=stored.span_end)


def _parse(key: str, value: bytes | None) -> _StoredEvent | None:
    if not value:
        return None
    try:
        return _StoredEvent.model_validate_json(value)
    except ValidationError:
        log.warning("agenda event value unreadable; skipped", extra={"key": key})
        return None
