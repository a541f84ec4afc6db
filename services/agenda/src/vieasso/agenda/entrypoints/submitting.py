"""Submitting and cancelling an event on an association's behalf: the API and the pages.

`POST /api/associations/{slug}/events` and the association space's forms both end here:
the draft is checked at once (the same rules as the consumer of `agenda.submissions.*`)
and, when valid, published on NATS, which stays the single path by which events change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from vieasso.agenda.domain.model import EventDraft, event_key, event_uid
from vieasso.common import subjects
from vieasso.common.messages.agenda import EventContent, EventStatus, EventSubmission
from vieasso.common.messages.base import FieldError
from vieasso.common.validation import french_errors

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

_CONTENT = tuple(EventContent.model_fields)


@dataclass(frozen=True)
class Accepted:
    """A submission published on NATS; the consumer applies it moments later."""

    submission: EventSubmission
    uid: str
    url: str


def parse_draft(body: Mapping[str, Any]) -> EventDraft | list[FieldError]:
    """The API's body model, for a body that did not come as JSON (the pages' forms)."""
    try:
        return EventDraft.model_validate(body)
    except ValidationError as exc:
        return french_errors(exc)


async def submit_draft(wiring: Wiring, slug: str, draft: EventDraft) -> Accepted | list[FieldError]:
    """Every reason to refuse `draft` for `slug`, or the submission published."""
    agenda = wiring.agenda()
    values = {name: getattr(draft, name) for name in _CONTENT}
    content = EventContent.model_construct(**values)
    checked = await agenda.check(slug, draft.association or slug, content)
    if isinstance(checked, list):
        return checked
    return await _publish(
        wiring, EventSubmission(association=slug, event_id=draft.event_id, **values)
    )


async def cancel_event(wiring: Wiring, slug: str, event_id: str) -> Accepted | None:
    """Publish the event again with `status: cancelled`; None when the event is unknown."""
    entry = wiring.catalog.get(event_key(slug, event_id))
    if entry is None:
        return None
    content = entry.record.event.content
    values = {n: getattr(content, n) for n in _CONTENT} | {"status": EventStatus.CANCELLED}
    return await _publish(wiring, EventSubmission(association=slug, event_id=event_id, **values))


async def _publish(wiring: Wiring, submission: EventSubmission) -> Accepted:
    agenda = wiring.agenda()
    slug, event_id = submission.association, submission.event_id
    await agenda.publish(subjects.submission(slug), submission)
    return Accepted(
        submission=submission,
        uid=event_uid(slug, event_id, wiring.settings.domain),
        url=agenda.page_url(slug, event_id),
    )
