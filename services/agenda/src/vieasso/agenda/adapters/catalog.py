"""The in-memory index of every event, rebuilt from `agenda_events` at start.

Entries keep their rendered pieces (VEVENT bytes, JSON-LD) until the event changes; a change
bumps `version`, which drops only the assembled feeds (see `feedcache.py`).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from vieasso.agenda.domain.feeds import PARIS, FeedQuery
from vieasso.agenda.domain.listing import Listing
from vieasso.agenda.domain.model import StoredEvent

SortKey = tuple[datetime, str]


class Entry:
    """One event: its listing (what `select` compares), the event (validated when first
    needed) and its rendered pieces."""

    __slots__ = ("_raw", "_record", "listing", "pieces", "revision")

    def __init__(
        self,
        listing: Listing,
        revision: int,
        *,
        record: StoredEvent | None = None,
        raw: bytes | memoryview | None = None,  # a view into the start-up snapshot
    ) -> None:
        self.listing = listing
        self.revision = revision
        self.pieces: dict[str, Any] | None = None  # made on first render: 50,000 events
        self._record = record
        self._raw = raw

    @property
    def record(self) -> StoredEvent:
        if self._record is None:
            raw = self._raw
            self._record = StoredEvent.model_validate_json(
                raw if isinstance(raw, bytes) else bytes(raw or b"")
            )
            self._raw = None
        return self._record

    def stored(self) -> bytes | memoryview | StoredEvent:
        """The stored JSON if still unread, else the validated record (for the snapshot)."""
        return self._raw if self._raw is not None else self.record

    @property
    def start(self) -> datetime:
        return self.listing.start

    @property
    def end(self) -> datetime:
        return self.listing.end

    @property
    def sort_key(self) -> SortKey:
        return (self.listing.start, self.listing.key)

    def piece(self, name: str, render: Callable[[StoredEvent], Any]) -> Any:
        """A rendering of this event, computed once per version of the event."""
        if self.pieces is None:
            self.pieces = {}
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

    def in_order(self) -> Iterator[Entry]:
        """Every entry by first start (once loaded)."""
        entries = self._entries
        return (entries[key] for _, key in self._order)

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
        self._add(Entry(Listing.of(record), revision, record=record))

    def put_stored(self, raw: bytes, revision: int) -> None:
        """Add or replace an event from its stored JSON (validated when first rendered)."""
        self._add(Entry(Listing.from_document(json.loads(raw)), revision, raw=raw))

    def restore(self, entries: Iterable[tuple[Listing, int, memoryview]]) -> None:
        """Fill an empty catalog being loaded from the start-up snapshot, in one go."""
        if self._entries or not self._loading:
            raise RuntimeError("restore() fills an empty catalog during its load")
        self._entries = {listing.key: Entry(listing, rev, raw=raw) for listing, rev, raw in entries}
        self._recompute_last_modified()

    def _recompute_last_modified(self) -> None:
        self.last_modified = max(
            (entry.listing.last_modified for entry in self._entries.values()), default=None
        )

    def remove(self, key: str, revision: int) -> None:
        """Forget `key`, deleted from the bucket at `revision` (unless we hold a later one)."""
        old = self._entries.get(key)
        if old is None or old.revision >= revision:
            return
        del self._entries[key]
        if old.listing.last_modified == self.last_modified:
            # What a replica that never held `key` computes (a pure function of what is
            # stored), at the cost of one pass over the catalog on these rare deletions.
            self._recompute_last_modified()
        if self._loading:
            return
        del self._order[bisect.bisect_left(self._order, old.sort_key)]
        self._changed()

    def _add(self, entry: Entry) -> None:
        key = entry.listing.key
        old = self._entries.get(key)
        if old is not None and old.revision >= entry.revision:
            return
        self._entries[key] = entry
        modified = entry.listing.last_modified
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
            listing = entry.listing
            if listing.end <= low or listing.hidden:
                continue
            if listing.visible_until is not None and now >= listing.visible_until:
                continue
            if everything or query.matches(listing):
                chosen.append(entry)
                if len(chosen) >= limit:
                    break
        return chosen
