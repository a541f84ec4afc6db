"""A screen's data for signage players: `.json` (Xibo Remote DataSet), `.rss`, `.ics`.

Answers are `Rendered` bytes like the agenda's feeds (strong ETag from the content,
Last-Modified, 304, gzip): a player polling every minute gets a 304 while nothing changed.
They are kept per (screen, format) until the catalog or the screens change, or the minute
turns (what runs *now* moves with the clock).
"""

from __future__ import annotations

import json
from enum import StrEnum

from vieasso.agenda.adapters import syndication
from vieasso.agenda.adapters.catalog import Catalog
from vieasso.agenda.adapters.feedcache import MEDIA_TYPES, FeedKind, Rendered, ics_feed
from vieasso.agenda.adapters.screen_rows import Labels, ScreenView, data_row
from vieasso.agenda.adapters.screens import ScreenStore
from vieasso.agenda.domain.screens import window

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
MAX_KEPT = 256


class ScreenFormat(StrEnum):
    JSON = "json"
    RSS = "rss"
    ICS = "ics"


def rows_document(view: ScreenView, quartier: Labels, theme: Labels) -> bytes:
    """`{"screen": …, "state": …, "rows": [...]}`: data root `rows`, one flat row per event
    (announcements first, `kind` says which), each column a key of the row."""
    screen = view.screen
    rows = [data_row(r, view, quartier, theme, "annonce") for r in view.announcements]
    rows += [data_row(r, view, quartier, theme, "evenement") for r in view.rows]
    document = {
        "screen": {
            "id": screen.id,
            "name": screen.name,
            "layout": screen.layout.value,
            "orientation": screen.orientation.value,
        },
        "state": view.state,
        "rows": rows,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class ScreenFeeds:
    def __init__(self, catalog: Catalog, store: ScreenStore, public_url: str) -> None:
        self._catalog = catalog
        self._store = store
        self.public_url = public_url
        self._kept: dict[tuple[object, ...], Rendered] = {}

    def render(
        self, kind: ScreenFormat, view: ScreenView, quartier: Labels, theme: Labels
    ) -> Rendered:
        screen, now = view.screen, view.now
        minute = now.replace(second=0, microsecond=0)
        key = (screen.id, kind, self._catalog.version, self._store.version, minute)
        found = self._kept.get(key)
        if found is None:
            while len(self._kept) >= MAX_KEPT:
                del self._kept[next(iter(self._kept))]
            found = self._kept[key] = self._render(kind, view, quartier, theme)
        return found

    def _render(
        self, kind: ScreenFormat, view: ScreenView, quartier: Labels, theme: Labels
    ) -> Rendered:
        screen, now = view.screen, view.now
        # what runs *now* moves with the clock: the minute of rendering, not the catalog's
        # last change, so that If-Modified-Since never keeps a stale answer
        modified = now.replace(second=0, microsecond=0)
        title = f"{screen.name} — Agenda associatif de Besançon"
        entries = [r.entry for r in (*view.announcements, *view.rows)]
        unique = list({e.listing.key: e for e in entries}.values())
        if kind is ScreenFormat.JSON:
            return Rendered(rows_document(view, quartier, theme), modified, JSON_MEDIA_TYPE)
        if kind is ScreenFormat.RSS:
            events = [e.record.event for e in unique]
            path = f"/ecran/{screen.id}.rss"
            # The feed's own date from the data shown (the newest change of the screen or of
            # an event on it), not the minute: the bytes and their ETag stay the same while
            # the rows do, and a player revalidating every minute gets its 304.
            built = max((screen.updated_at, *(e.last_modified for e in events)))
            body = syndication.rss(title, self.public_url, events, built, self_path=path)
            return Rendered(body, modified, MEDIA_TYPES[FeedKind.RSS])
        first, last = window(screen.layout, now)
        body, digest = ics_feed(title, sorted(unique, key=lambda e: e.sort_key), first, last)
        return Rendered(body, modified, MEDIA_TYPES[FeedKind.ICS], digest)
