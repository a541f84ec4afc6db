"""RSS 2.0 and Atom with feedgen: upcoming events by start date, one item per event.

The item's guid/id is the event page URL; dates come from the events, never from "now",
so that the bytes stay the same while nothing changes.

Feed readers render an RSS `<description>` as HTML (RSS 2.0: "entity-encoded HTML is
allowed"), and feedgen only XML-escapes it: an association's `<script>` or `<img onerror>`
would reach the reader as markup. The event's text is therefore HTML-escaped first (then
XML-escaped by feedgen), in `<p>` paragraphs with `<br />` line breaks. Atom carries the same
HTML in `<content type="html">`: a reader that honours the type shows the text, and one that
treats any content as HTML still gets escaped text (an untyped or `text` content would show
markup to the latter).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from vieasso.agenda.adapters.posters import feed_image, file_url
from vieasso.agenda.adapters.text import details, headline
from vieasso.common.messages.agenda import CanonicalEvent, Poster


def _generator(title: str, base_url: str, updated: datetime, self_path: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(f"{base_url}{self_path}")
    fg.title(title)
    fg.link(href=f"{base_url}/feeds/agenda.ics", rel="alternate")
    fg.link(href=f"{base_url}{self_path}", rel="self")
    fg.description("Les événements des associations de Besançon.")
    fg.language("fr")
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.generator("Vie associative Besançon")
    fg.author({"name": "Ville de Besançon — Service Vie associative"})
    return fg


def _as_html(text: str) -> str:
    """Plain text as inert HTML: escaped, blank lines as paragraphs, line ends as `<br />`."""
    paragraphs = (html.escape(p.strip("\n")).replace("\n", "<br />") for p in text.split("\n\n"))
    return "".join(f"<p>{p}</p>" for p in paragraphs if p)


class _Enclosure(BaseEntryExtension):  # type: ignore[misc]
    """The poster as RSS `<enclosure>` and Atom `<link rel="enclosure">`. Not feedgen's own
    `enclosure()`: its Atom link loses `rel`, `type` and `length` (feedgen 1.0 reuses the
    loop's variable for the new element), which makes it a second `alternate` link."""

    def attach(self, poster: Poster) -> None:
        shown = feed_image(poster)
        self.attributes = {
            "href": file_url(poster, shown),
            "type": shown.media_type,
            "length": str(shown.bytes),
        }

    def extend_atom(self, entry: Any) -> Any:
        xml_elem("link", entry, rel="enclosure", **self.attributes)
        return entry

    def extend_rss(self, item: Any) -> Any:
        attributes = dict(self.attributes)
        xml_elem("enclosure", item, url=attributes.pop("href"), **attributes)
        return item


def _fill(fg: FeedGenerator, events: list[CanonicalEvent]) -> None:
    for event in events:
        entry = fg.add_entry(order="append")
        url = str(event.url)
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(headline(event))
        entry.link(href=url)
        entry.content(_as_html(details(event)), type="html")
        entry.published(event.created_at)
        entry.updated(event.last_modified)
        if event.poster is not None:
            entry.register_extension("poster", _Enclosure)
            entry.poster.attach(event.poster)


def rss(
    title: str,
    base_url: str,
    events: list[CanonicalEvent],
    updated: datetime,
    self_path: str = "/feeds/agenda.rss",
) -> bytes:
    fg = _generator(title, base_url, updated, self_path)
    _fill(fg, events)
    body: bytes = fg.rss_str(pretty=False)
    return body


def atom(title: str, base_url: str, events: list[CanonicalEvent], updated: datetime) -> bytes:
    fg = _generator(title, base_url, updated, "/feeds/agenda.atom")
    _fill(fg, events)
    body: bytes = fg.atom_str(pretty=False)
    return body
