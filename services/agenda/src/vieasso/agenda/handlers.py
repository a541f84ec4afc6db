"""Use cases of the agenda: apply submissions, refuse them with reasons (city: moderation.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from pydantic import ValidationError

from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.store import ConcurrentWrite, EventStore
from vieasso.agenda.domain.events import Identity, decide
from vieasso.agenda.domain.model import StoredEvent, event_key, event_uid, fact_message_id
from vieasso.agenda.domain.posters import IMAGES_PATH, ImageLookup, NoImages, poster_of
from vieasso.agenda.domain.rules import Directory, check_association, check_content
from vieasso.common import subjects
from vieasso.common.clock import Clock
from vieasso.common.messages.agenda import (
    EventCancelled,
    EventContent,
    EventPublished,
    EventRejected,
    EventSubmission,
    EventUpdated,
    Poster,
    ResolvedLocation,
)
from vieasso.common.messages.base import FieldError
from vieasso.common.nats.deadletter import send_to_dead_letter
from vieasso.common.nats.publish import Publish
from vieasso.common.validation import french_errors

log = logging.getLogger(__name__)

SERVICE = "agenda"
_REJECTION_NAMESPACE = uuid.UUID("5f1c2e7a-8b4d-4a69-b3f0-2d6e9c1a7b55")
_REANNOUNCE_WITHIN = timedelta(seconds=90)  # inside the AGENDA duplicate window (2 min)
_FACTS = {"published": EventPublished, "updated": EventUpdated, "cancelled": EventCancelled}


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class Inbound:
    """One message of `agenda.submissions.<slug>`, as received."""

    subject: str
    body: bytes
    headers: Mapping[str, str]
    stream_seq: int | None = None


@dataclass(frozen=True)
class Agenda:
    """The agenda's use cases, with their dependencies passed in."""

    directory: Directory
    store: EventStore
    catalog: Catalog
    publish: Publish
    clock: Clock
    domain: str
    public_url: str
    images: ImageLookup = field(default_factory=NoImages)

    def page_url(self, slug: str, event_id: str) -> str:
        return f"{self.public_url}/events/{slug}/{event_id}"

    async def check(
        self, slug: str, claimed: str, content: EventContent
    ) -> Poster | list[FieldError] | None:
        """Every reason to refuse `content` from `claimed` on `slug`'s channel, or the
        poster it names (None: it names none)."""
        errors = check_association(claimed, slug, self.directory) or check_content(
            content, self.directory
        )
        if errors or content.image_id is None:
            return errors or None
        manifest = await self.images.manifest(content.image_id)
        return poster_of(slug, content, manifest, f"{self.public_url}{IMAGES_PATH}")

    async def handle(self, message: Inbound) -> Outcome:
        """One submission: applied, unchanged, refused with reasons, or dead-lettered.

        Messages of one event may be handled concurrently: the KV compare-and-set and the
        stream sequence kept with the event make the latest submission win, in any order.
        """
        slug = subjects.slug_of(message.subject)
        submission = _parse(message)
        if submission is None:
            return await self._undecodable(message, slug)
        checked = await self.check(slug, submission.association, submission)
        if isinstance(checked, list):
            await self._reject(slug, message, checked, submission.event_id)
            return Outcome.REJECTED
        changed = await self._apply(slug, submission, message.stream_seq, checked)
        return Outcome.APPLIED if changed else Outcome.UNCHANGED

    async def _apply(
        self,
        slug: str,
        submission: EventSubmission,
        stream_seq: int | None,
        poster: Poster | None,
    ) -> bool:
        key = event_key(slug, submission.event_id)
        content = EventContent.model_construct(
            **{name: getattr(submission, name) for name in _CONTENT_FIELDS}
        )
        for _ in range(5):
            entry = self.catalog.get(key)
            existing = entry.record if entry is not None else None
            if existing is not None and existing.last_message_id == str(submission.message_id):
                await self.publish_fact(existing)  # redelivered after a crash: same fact id
                return False
            who = self._identity(slug, submission.event_id)
            decision = decide(
                existing,
                content,
                self._locate(content),
                who,
                now=self.clock.now(),
                message_id=str(submission.message_id),
                stream_seq=stream_seq,
                poster=poster,
            )
            if decision.record is existing:
                return False
            if existing is not None and decision.change is not None:
                await self._announce_superseded(existing)
            if await self.save(decision.record, entry.revision if entry else None):
                if decision.change is not None:
                    await self.publish_fact(decision.record)
                return decision.change is not None
        raise ConcurrentWrite(key)

    async def save(self, record: StoredEvent, revision: int | None) -> bool:
        """Save `record` over `revision` (and into the catalog); False when someone wrote
        the key meanwhile (the catalog then holds their version: read and decide again)."""
        try:
            new_revision = await self.store.save(record, revision)
        except ConcurrentWrite:
            found = await self.store.get(record.key)
            if found is not None:
                self.catalog.put(*found)
            return False
        self.catalog.put(record, new_revision)
        return True

    async def _announce_superseded(self, record: StoredEvent) -> None:
        """Publish again the fact of a recent version about to be replaced.

        A crash between saving a version and publishing its fact leaves it unannounced; its
        submission is redelivered only after the ack deadline, by which time a newer
        submission of the same event may have replaced it, and that redelivery is then
        ignored as older. Under its deterministic id the fact is dropped by JetStream when it
        was stored already, as long as it falls in the stream's duplicate window (2 min):
        only versions younger than `_REANNOUNCE_WITHIN` are sent again.
        """
        if self.clock.now() - record.event.last_modified < _REANNOUNCE_WITHIN:
            await self.publish_fact(record)

    async def publish_fact(self, record: StoredEvent) -> None:
        event = record.event
        fact = _FACTS[record.last_change.value](
            message_id=fact_message_id(record.key, event.sequence),
            occurred_at=event.last_modified,
            event=event,
        )
        await self.publish(subjects.event(event.association, record.last_change), fact)

    def _identity(self, slug: str, event_id: str) -> Identity:
        association = self.directory.association(slug)
        return Identity(
            slug=slug,
            event_id=event_id,
            uid=event_uid(slug, event_id, self.domain),
            url=self.page_url(slug, event_id),
            association_name=association.name if association is not None else slug,
        )

    def _locate(self, content: EventContent) -> ResolvedLocation:
        if content.venue_id is not None:
            venue = self.directory.venue(content.venue_id)
            return ResolvedLocation(venue=venue, quartier=venue.quartier if venue else None)
        return ResolvedLocation(place=content.place)

    async def _reject(
        self, slug: str, message: Inbound, reasons: list[FieldError], event_id: str | None
    ) -> None:
        source = message.headers.get("Nats-Msg-Id") or hashlib.sha256(message.body).hexdigest()
        rejection = EventRejected(
            message_id=uuid.uuid5(_REJECTION_NAMESPACE, f"{message.subject}:{source}"),
            association=slug,
            event_id=event_id,
            submission_message_id=message.headers.get("Nats-Msg-Id"),
            reasons=tuple(reasons),
        )
        await self.publish(subjects.rejection(slug), rejection)

    async def _undecodable(self, message: Inbound, slug: str) -> Outcome:
        try:
            EventSubmission.model_validate_json(message.body)
        except ValidationError as exc:
            errors = exc.errors()
            if errors and errors[0]["type"] in ("json_invalid", "model_type", "json_type"):
                await send_to_dead_letter(
                    self.publish,
                    service=SERVICE,
                    subject=message.subject,
                    body=message.body,
                    headers=message.headers,
                    error=f"not a JSON object: {errors[0]['msg']}",
                )
                return Outcome.DEAD_LETTER
            event_id = _event_id_of(message.body)
            await self._reject(slug, message, french_errors(exc), event_id)
            return Outcome.REJECTED
        return Outcome.UNCHANGED  # pragma: no cover - _parse failed, so this does too


_CONTENT_FIELDS = tuple(EventContent.model_fields)
_MAX_ID = 80


def _parse(message: Inbound) -> EventSubmission | None:
    try:
        return EventSubmission.model_validate_json(message.body)
    except ValidationError:
        return None


def _event_id_of(body: bytes) -> str | None:
    try:
        value = json.loads(body).get("event_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) and len(value) <= _MAX_ID else None
