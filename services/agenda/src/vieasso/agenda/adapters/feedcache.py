"""Assembled feeds, cached with their gzip and strong ETag until the catalog changes.

A request for a feed already assembled costs a dictionary lookup; a change to one event
re-renders that event only (its pieces) and drops the assembled feeds, which are then
re-assembled by concatenation on the next request.
"""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from vieasso.agenda.adapters import ics, jsonld, syndication, tec_csv
from vieasso.agenda.adapters.catalog import Catalog, Entry
from vieasso.agenda.domain.feeds import PARIS, FeedQuery
from vieasso.common.clock import Clock


class FeedKind(StrEnum):
    ICS = "ics"
    RSS = "rss"
    ATOM = "atom"
    JSONLD = "jsonld"
    CSV = "csv"


MEDIA_TYPES = {
    FeedKind.ICS: "text/calendar; charset=utf-8",
    FeedKind.RSS: "application/rss+xml; charset=utf-8",
    FeedKind.ATOM: "application/atom+xml; charset=utf-8",
    FeedKind.JSONLD: "application/ld+json; charset=utf-8",
    FeedKind.CSV: "text/csv; charset=utf-8",
}


class Rendered:
    """Bytes ready to send with their validators; the gzip variant is made when first asked."""

    __slots__ = ("_gzipped", "body", "etag", "gzip_etag", "last_modified", "media_type", "wire")

    def __init__(
        self, body: bytes, last_modified: datetime, media_type: str, digest: str | None = None
    ) -> None:
        digest = digest or hashlib.blake2b(body, digest_size=16).hexdigest()
        self.body = body
        self.etag = f'"{digest}"'
        self.gzip_etag = f'"{digest}-gz"'
        self.last_modified = last_modified.astimezone(UTC)
        self.media_type = media_type
        self._gzipped: bytes | None = None
        self.wire: dict[tuple[bool, int], list[tuple[bytes, bytes]]] = {}
        """Encoded response headers by (gzip, status), filled by the HTTP layer."""

    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


class FeedCache:
    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        *,
        public_url: str,
        max_events: int,
        labels: ics.ThemeLabels = ics.as_code,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self.public_url = public_url
        self.max_events = max_events
        self.labels = labels
        """Themes' French labels, read when an event is rendered (kept with its pieces)."""
        self._feeds: dict[tuple[object, ...], Rendered] = {}
        self._hot: dict[tuple[str, bytes], Rendered] = {}
        self._hot_until = datetime.min.replace(tzinfo=UTC)  # next local midnight
        catalog.on_change(self.clear)

    def clear(self) -> None:
        self._feeds.clear()
        self._hot.clear()

    def remember(self, path: str, query: bytes, answer: Rendered) -> None:
        """Let the fast path answer this exact URL until something changes (or midnight)."""
        now = self._clock.now()
        if now >= self._hot_until:  # a new day: what was kept showed yesterday's window
            self._hot.clear()
            tomorrow = now.astimezone(PARIS).date() + timedelta(days=1)
            # In UTC, as the clock's: comparing two UTC datetimes needs no offset lookup.
            self._hot_until = datetime.combine(tomorrow, time(), tzinfo=PARIS).astimezone(UTC)
        _bounded(self._hot)
        self._hot[(path, query)] = answer

    def recall(self, path: str, query: bytes) -> Rendered | None:
        """The answer kept for this URL today (one clock read: this is every hit's path)."""
        if self._clock.now() >= self._hot_until:
            return None
        return self._hot.get((path, query))

    def feed(self, kind: FeedKind, query: FeedQuery, title: str) -> Rendered:
        today = self._clock.now().astimezone(PARIS).date()
        key = (kind, query.cache_key(), title, today)
        found = self._feeds.get(key)
        if found is None:
            _bounded(self._feeds)
            found = self._feeds[key] = self._render(kind, query, title, today)
        return found

    def _render(self, kind: FeedKind, query: FeedQuery, title: str, today: date) -> Rendered:
        """The feed of `today`: a function of the stored events and the day only, never of
        the hour it is assembled at, so that every replica serves the same bytes all day.
        An event "over" (RSS/Atom) or a cancelled one "gone" (every feed) is one that was
        at the day's start (local midnight), when the window moved last."""
        midnight = day_start(today)
        entries = self._catalog.select(query, midnight)
        modified = self._last_modified(midnight)
        first, last = query.window(today)
        if kind is FeedKind.ICS:
            body, digest = ics_feed(title, entries, first, last, self.labels)
            return Rendered(body, modified, MEDIA_TYPES[kind], digest)
        if kind is FeedKind.CSV:
            rows = tec_csv.rows(entries, first, last, self.labels, limit=query.limit)
            return Rendered(tec_csv.document(rows), modified, MEDIA_TYPES[kind])
        if kind is FeedKind.JSONLD:
            body = jsonld.item_list([e.piece("jsonld", jsonld.event) for e in entries], title)
        else:
            upcoming = [e for e in entries if e.listing.end > midnight]
            render = syndication.rss if kind is FeedKind.RSS else syndication.atom
            body = render(title, self.public_url, [e.record.event for e in upcoming], modified)
        return Rendered(body, modified, MEDIA_TYPES[kind])

    def _last_modified(self, midnight: datetime) -> datetime:
        """Latest change in the catalog, or local midnight, when the window moved."""
        changed = self._catalog.last_modified
        return max(changed, midnight) if changed is not None else midnight

    def event_ics(self, entry: Entry, title: str) -> Rendered:
        first = entry.record.span_start.astimezone(PARIS).date()
        last = entry.record.span_end.astimezone(PARIS).date()
        body, digest = ics_feed(title, [entry], first, last, self.labels)
        return Rendered(body, entry.record.event.last_modified, MEDIA_TYPES[FeedKind.ICS], digest)


MAX_CACHED = 512


def day_start(day: date) -> datetime:
    """Local midnight (Europe/Paris) starting `day`, in UTC as the listings' instants."""
    return datetime.combine(day, time(), tzinfo=PARIS).astimezone(UTC)


def _bounded(cache: dict[Any, Any]) -> None:
    """Forget the oldest assembled feed when many distinct filter sets were asked for."""
    while len(cache) >= MAX_CACHED:
        del cache[next(iter(cache))]


def feed_range(entries: list[Entry], first_day: date, last_day: date) -> tuple[date, date]:
    """Days the feed's VTIMEZONE covers: its window, widened to the events shown."""
    earliest = entries[0].start if entries else None
    latest = max((e.end for e in entries), default=None)
    return ics.tz_range(first_day, last_day, earliest, latest)


def ics_feed(
    title: str,
    entries: list[Entry],
    first_day: date,
    last_day: date,
    labels: ics.ThemeLabels = ics.as_code,
) -> tuple[bytes, str]:
    """Concatenate the events' kept VEVENTs between the header/VTIMEZONE and the footer."""
    first, last = feed_range(entries, first_day, last_day)
    pieces = [e.piece("ics", lambda record: ics.vevent_bytes(record, labels)) for e in entries]
    return ics.assemble(title, pieces, first, last)
