"""RSS 2.0 and Atom of the newest annonces (feedgen), and their open-data rows.

Dates come from the annonces (published), never from the clock: the same annonces give the
same bytes. The description is HTML-escaped before feedgen XML-escapes it (a reader renders
an RSS description as HTML: an association's `<script>` must reach it as text).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.feed import FeedGenerator

from vieasso.ressources.domain.annonces import DIRECTIONS, KINDS, Annonce

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
COLUMNS = (
    "id",
    "association",
    "sens",
    "type",
    "titre",
    "description",
    "themes",
    "quartier",
    "debut",
    "fin",
    "expire_le",
    "publiee_le",
    "url",
)


def _as_html(text: str) -> str:
    paragraphs = (html.escape(p.strip("\n")).replace("\n", "<br />") for p in text.split("\n\n"))
    return "".join(f"<p>{p}</p>" for p in paragraphs if p)


def _generator(base_url: str, annonces: Sequence[Annonce], path: str) -> FeedGenerator:
    updated = max((a.published_at for a in annonces), default=EPOCH)
    fg = FeedGenerator()
    fg.id(f"{base_url}{path}")
    fg.title("Entraide entre associations — Besançon")
    fg.link(href=f"{base_url}/entraide", rel="alternate")
    fg.link(href=f"{base_url}{path}", rel="self")
    fg.description("Offres et besoins des associations de Besançon.")
    fg.language("fr")
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.generator("Vie associative Besançon")
    for a in annonces:
        url = f"{base_url}/entraide/{a.id}"
        entry = fg.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(f"{DIRECTIONS[a.direction]} · {KINDS[a.kind]} : {a.title}")
        entry.link(href=url)
        entry.content(_as_html(a.description), type="html")
        entry.published(a.published_at)
        entry.updated(a.published_at)
    return fg


def rss(base_url: str, annonces: Sequence[Annonce]) -> bytes:
    body: bytes = _generator(base_url, annonces, "/entraide.rss").rss_str(pretty=False)
    return body


def atom(base_url: str, annonces: Sequence[Annonce]) -> bytes:
    body: bytes = _generator(base_url, annonces, "/entraide.atom").atom_str(pretty=False)
    return body


def row(base_url: str, a: Annonce) -> dict[str, Any]:
    """The public fields of one annonce, as the open data publishes them."""
    return {
        "id": a.id,
        "association": a.association_slug,
        "sens": a.direction.value,
        "type": a.kind.value,
        "titre": a.title,
        "description": a.description,
        "themes": " ".join(a.themes),
        "quartier": a.quartier or "",
        "debut": a.starts_on.isoformat() if a.starts_on else "",
        "fin": a.ends_on.isoformat() if a.ends_on else "",
        "expire_le": a.expires_on.isoformat(),
        "publiee_le": a.published_at.isoformat(),
        "url": f"{base_url}/entraide/{a.id}",
    }
