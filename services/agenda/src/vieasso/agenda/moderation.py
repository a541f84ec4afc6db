"""The city's moderation: hide an event with its reason, mailing the association; show it again.

Order of writes when the city hides an event:

1. the event is saved hidden, with its `Moderation` (the reason, the mail's key, the mail not
   yet requested) — from then on no feed or page shows it;
2. its fact (`agenda.events.<slug>.updated`, `unpublished: true`) is published;
3. the mail is requested on `courrier.requests.agenda` (key
   `masque.<slug>.<event_id>.<sequence of the hidden version>`, template `evenement-masque`);
4. the record is saved again with `mail_requested_at`.

A crash or a refused publish after step 1 leaves the hiding pending: the next start of the
agenda (`resume`) or the city's next unpublish of the same event does steps 2–4 again. Both
publishes carry deterministic ids (the fact: the event's key and sequence; the request: its
mail key), so JetStream drops a copy within its duplicate window and the newsletter sends
each mail key at most once whatever the delay: the mail is neither lost nor sent twice.
Hiding a hidden event changes nothing (same key); showing it and hiding it again is a new
hiding, with a new key and a new mail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from vieasso.agenda.adapters.store import ConcurrentWrite
from vieasso.agenda.domain.events import Decision, hide, show
from vieasso.agenda.domain.model import StoredEvent, event_key
from vieasso.agenda.handlers import SERVICE, Agenda
from vieasso.common.courrier import request_mail
from vieasso.common.messages.courrier import Template, ToAssociation

log = logging.getLogger(__name__)

_ATTEMPTS = 5


async def unpublish(agenda: Agenda, slug: str, event_id: str, reason: str) -> StoredEvent | None:
    """Hide the event from every feed and page and mail its association the reason; None when
    the event is unknown. An event already hidden keeps its first reason."""
    key = event_key(slug, event_id)
    now = agenda.clock.now()
    if not await _change(agenda, key, lambda record: hide(record, reason=reason, now=now)):
        return None
    return await _finish(agenda, key)


async def republish(agenda: Agenda, slug: str, event_id: str) -> StoredEvent | None:
    """Show a hidden event again; None when the event is unknown."""
    key = event_key(slug, event_id)
    now = agenda.clock.now()
    if not await _change(agenda, key, lambda record: show(record, now=now), announce=True):
        return None
    entry = agenda.catalog.get(key)
    return entry.record if entry is not None else None


async def resume(agenda: Agenda) -> int:
    """Finish the hidings whose mail was not requested (a crash, a refused publish); how many."""
    pending = [
        entry.listing.key
        for entry in agenda.catalog
        if entry.listing.hidden and _pending(entry.record)
    ]
    for key in pending:
        await _finish(agenda, key)
    if pending:
        log.info("moderation mails requested after a restart", extra={"count": len(pending)})
    return len(pending)


async def _change(
    agenda: Agenda,
    key: str,
    decide: Callable[[StoredEvent], Decision],
    *,
    announce: bool = False,
) -> bool:
    """Save what `decide` makes of the event (compare-and-set); False when it is unknown."""
    for _ in range(_ATTEMPTS):
        entry = agenda.catalog.get(key)
        if entry is None:
            return False
        decision = decide(entry.record)
        if decision.change is None:
            return True
        if await agenda.save(decision.record, entry.revision):
            if announce:
                await agenda.publish_fact(decision.record)
            return True
    raise ConcurrentWrite(key)


async def _finish(agenda: Agenda, key: str) -> StoredEvent | None:
    """Steps 2–4 of a pending hiding (see the module's docstring); the record as saved."""
    for _ in range(_ATTEMPTS):
        entry = agenda.catalog.get(key)
        if entry is None:
            return None
        record = entry.record
        moderation = record.moderation
        if moderation is None or not _pending(record):
            return record
        event = record.event
        await agenda.publish_fact(record)
        start = event.content.start
        await request_mail(
            agenda.publish,
            SERVICE,
            key=moderation.mail_key,
            to=ToAssociation(association=event.association),
            template=Template.EVENEMENT_MASQUE,
            params={
                "event_title": event.content.title,
                "event_start": start if isinstance(start, datetime) else None,
                "reason": moderation.reason,
            },
        )
        requested = moderation.model_copy(update={"mail_requested_at": agenda.clock.now()})
        done = record.model_copy(update={"moderation": requested})
        if await agenda.save(done, entry.revision):
            return done
    raise ConcurrentWrite(key)


def _pending(record: StoredEvent) -> bool:
    moderation = record.moderation
    return (
        record.event.unpublished and moderation is not None and moderation.mail_requested_at is None
    )
