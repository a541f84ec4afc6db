"""What the feeds need to know to choose an event, without the whole event.

Built from a `StoredEvent`, or straight from its stored JSON at start-up (a plain JSON
parse is several times cheaper than validating 50,000 full events; the full event is then
validated only when it is first rendered).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vieasso.agenda.domain.accessibility import accessible_for, of_event, shared
from vieasso.agenda.domain.model import KEEP_CANCELLED_DAYS, StoredEvent, event_key
from vieasso.common.messages.agenda import EventContent


@dataclass(slots=True)  # not frozen: its __init__ is then several times cheaper
class Listing:
    key: str
    association: str
    themes: tuple[str, ...]
    quartier: str | None
    venue: str | None
    audience: tuple[str, ...]
    start: datetime  # UTC: plain `timezone.utc` instants compare much faster
    end: datetime
    hidden: bool
    visible_until: datetime | None  # cancelled events leave the feeds then
    last_modified: datetime
    accessibility: tuple[str, ...]  # flags of the event or its venue (`accessible_for`)

    @classmethod
    def of(cls, record: StoredEvent) -> Listing:
        event = record.event
        content = event.content
        return cls(
            key=record.key,
            association=event.association,
            themes=tuple(content.themes),
            quartier=event.location.quartier,
            venue=content.venue_id,
            audience=tuple(a.value for a in content.audience),
            start=record.span_start.astimezone(UTC),
            end=record.span_end.astimezone(UTC),
            hidden=event.unpublished,
            visible_until=_until(record.cancelled, event.last_modified),
            last_modified=event.last_modified.astimezone(UTC),
            accessibility=of_event(event),
        )

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Listing:
        """From the JSON of a `StoredEvent` (fields at their default may be absent)."""
        event = doc["event"]
        content = event["content"]
        modified = _instant(event["last_modified"])
        location = event.get("location") or {}
        return cls(
            key=event_key(event["association"], event["event_id"]),
            association=sys.intern(event["association"]),
            themes=tuple(content.get("themes") or ()),
            quartier=location.get("quartier"),
            venue=content.get("venue_id"),
            audience=tuple(content.get("audience", _DEFAULT_AUDIENCE)),
            start=_instant(doc["span_start"]),
            end=_instant(doc["span_end"]),
            hidden=bool(event.get("unpublished")),
            visible_until=_until(content.get("status") == "cancelled", modified),
            last_modified=modified,
            accessibility=accessible_for(
                content.get("accessibility"), (location.get("venue") or {}).get("accessibility")
            ),
        )

    def to_row(self) -> list[Any]:
        """The listing as JSON-ready values (the start-up snapshot, `adapters/snapshot.py`)."""
        until = self.visible_until
        return [
            self.key,
            self.association,
            list(self.themes),
            self.quartier,
            self.venue,
            list(self.audience),
            self.start.isoformat(),
            self.end.isoformat(),
            self.hidden,
            until.isoformat() if until is not None else None,
            self.last_modified.isoformat(),
            list(self.accessibility),
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> Listing:
        """Inverse of `to_row` (its instants are already UTC). Positional: 50,000 at start."""
        until = row[9]
        return cls(
            row[0],
            sys.intern(row[1]),
            tuple(row[2]),
            row[3],
            row[4],
            tuple(row[5]),
            _fromiso(row[6]),
            _fromiso(row[7]),
            row[8],
            _fromiso(until) if until is not None else None,
            _fromiso(row[10]),
            shared(row[11]) if row[11] else (),
        )

    def visible_at(self, now: datetime) -> bool:
        if self.hidden:
            return False
        return self.visible_until is None or now < self.visible_until


_DEFAULT_AUDIENCE = tuple(a.value for a in EventContent.model_fields["audience"].default)


_fromiso = datetime.fromisoformat


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _until(cancelled: bool, modified: datetime) -> datetime | None:
    return modified.astimezone(UTC) + timedelta(days=KEEP_CANCELLED_DAYS) if cancelled else None
