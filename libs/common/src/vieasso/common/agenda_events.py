"""An association's upcoming events, read from the agenda's `agenda_events` bucket (the
annuaire's public page of an association, the ressources' reservation form).

One filtered read of `<slug>.>` per page view: nothing is kept in memory between requests
(the annuaire stays small with 5,000 associations and 50,000 events, SPEC B5). The agenda
owns the bucket; its value is `{"event": CanonicalEvent, "span_start", "span_end", …}`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from nats.js import JetStreamContext
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
                stored = _parse(entry.key, entry.value)
                if stored is None or stored.event.unpublished or stored.span_end < now:
                    continue
                found.append(
                    UpcomingEvent(event=stored.event, first=stored.span_start, last=stored.span_end)
                )
    except Exception as exc:  # any failure only hides the events, never the page
        log.warning("agenda events unreadable", extra={"association": slug, "error": repr(exc)})
        raise AgendaUnavailable(slug) from exc
    found.sort(key=lambda e: (e.first, e.event.event_id))
    return found[:limit]


def _parse(key: str, value: bytes | None) -> _StoredEvent | None:
    if not value:
        return None
    try:
        return _StoredEvent.model_validate_json(value)
    except ValidationError:
        log.warning("agenda event value unreadable; skipped", extra={"key": key})
        return None
