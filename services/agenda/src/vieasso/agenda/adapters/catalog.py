"""The in-memory index of every event, rebuilt from `agenda_events` at start.

Entries keep their rendered pieces (VEVENT bytes, JSON-LD) until the event changes; a change
bumps `version`, which drops only the assembled feeds (see `feedcache.py`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vieasso.agenda.domain.feeds import PARIS, FeedQuery
from vieasso.agenda.domain.model import KEEP_CANCELLED_DAYS, StoredEvent

SortKey = tuple[datetime, str]


@dataclass(eq=False, slots=True)
class Entry:
    """One event, with what `select` compares precomputed (it runs over every event)."""

    record: StoredEvent
    revision: int
    pieces: dict[str, Any] = field(default_factory=dict)
    start: datetime = field(init=False)
    end: datetime = field(init=False)
    hidden: bool = field(init=False)
    visible_until: datetime | None = field(init=False)

    def __post_init__(self) -> None:
        record = self.record
        # Plain UTC datetimes: comparing pydantic's TzInfo instants is several times slower.
        self.start = record.span_start.astimezone(UTC)
        self.end = record.span_end.astimezone(UTC)
        self.hidden = record.event.unpublished
        self.visible_until = (
            record.event.last_modified + timedelta(days=KEEP_CANCELLED_DAYS)
            if record.cancelled
            else None
        )

    @property
    def sort_key(self) -> SortKey:
        return (self.start, self.record.key)

    def piece(self, name: str, render: Callable[[StoredEvent], Any]) -> Any:
        """A rendering of this event, computed once per version of the event."""
        found = self.pieces.get(name)
        if found is None:
            found = self.pieces[name] = render(self.record)
        return found


class Catalog:
    """Events by key, and ordered by first start for the feeds."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._order: list[SortKey] = []
        self._loading = False
        self.version = 0
        self.last_modified: datetime | None = None
        self._listeners: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def holds(self, key: str, revision: int) -> bool:
        """True when the catalog already has this revision of `key` (or a later one)."""
        entry = self._entries.get(key)
        return entry is not None and entry.revision >= revision

    def begin_load(self) -> None:
        self._loading = True

    def end_load(self) -> None:
        self._loading = False
        self._order = sorted(e.sort_key for e in self._entries.values())
        self._changed()

    def put(self, record: StoredEvent, revision: int) -> None:
        """Add or replace an event (ignores a revision older than the one held)."""
        old = self._entries.get(record.key)
        if old is not None and old.revision >= revision:
            return
        entry = Entry(record, revision)
        self._entries[record.key] = entry
        modified = record.event.last_modified
        if self.last_modified is None or modified > self.last_modified:
            self.last_modified = modified
        if self._loading:
            return
        if old is not None:
            index = bisect.bisect_left(self._order, old.sort_key)
            del self._order[index]
        bisect.insort(self._order, entry.sort_key)
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        for listener in self._listeners:
            listener()

    def select(self, query: FeedQuery, now: datetime) -> list[Entry]:
        """Visible events matching `query` in its window, by first start, at most `limit`."""
        low, high = query.bounds(now.astimezone(PARIS).date())
        chosen: list[Entry] = []
        entries = self._entries
        everything = query.unfiltered
        limit = query.limit
        for start, key in self._order:
            if start >= high:
                break
            entry = entries[key]
            if entry.end <= low or entry.hidden:
                continue
            if entry.visible_until is not None and now >= entry.visible_until:
                continue
            if everything or query.matches(entry.record):
                chosen.append(entry)
                if len(chosen) >= limit:
                    break
        return chosen
