"""Public HTTP surface of the agenda (SPEC §4): feeds and single-event iCal (pages: `pages_*`).

Every answer is cached bytes sent with ETag/Last-Modified/Cache-Control, 304 when the client
already has them and gzip when asked; the assembled feed URL is then remembered by the
ASGI fast path (`fastpath.py`).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from vieasso.agenda.adapters.feedcache import MEDIA_TYPES, FeedKind
from vieasso.agenda.adapters.pages import Pages
from vieasso.agenda.domain.accessibility import Need
from vieasso.agenda.domain.feeds import FeedQuery
from vieasso.agenda.domain.model import event_key
from vieasso.agenda.entrypoints import (
    api,
    embed,
    images,
    pages_association,
    pages_city,
    pages_public,
    pages_screens_association,
    pages_screens_city,
    pages_screens_decisions,
    screen_display,
    ville_sortir,
)
from vieasso.agenda.entrypoints.conditional import send
from vieasso.agenda.entrypoints.filters import (
    ACCESSIBILITY_FILTER,
    AUDIENCE_FILTER,
    RangeError,
    feed_query,
)
from vieasso.common.http.errors import invalid_response
from vieasso.common.messages.agenda import Audience

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

CITY_TITLE = "Agenda associatif de Besançon"
SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
EventIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]


def build_router(wiring: Wiring) -> APIRouter:
    async def loaded() -> None:
        """Nothing is answered from the catalog before every event is in it: an empty or
        partial calendar would make a subscribed calendar application delete events. Until
        then: 503 with Retry-After (`NotReady`), a page for a person, JSON otherwise."""
        wiring.agenda()

    router = APIRouter(dependencies=[Depends(loaded)])
    feeds = wiring.feeds

    def serve_feed(request: Request, kind: FeedKind, query: FeedQuery, title: str) -> Response:
        found = feeds.feed(kind, query, title)
        feeds.remember(request.url.path, request.scope["query_string"], found)
        return send(request, found)

    @router.get(
        "/feeds/agenda.{ext}", tags=["flux"], summary="Flux de l'agenda (filtrables)",
        responses=FEED_RESPONSES,
    )  # fmt: skip
    async def city_feed(
        request: Request,
        ext: FeedKind,
        *,
        association: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
        theme: str | None = None,
        quartier: str | None = None,
        venue: str | None = None,
        audience: Annotated[Audience | None, Query(description=AUDIENCE_FILTER)] = None,
        accessibilite: Annotated[
            list[Need], Query(max_length=len(Need), description=ACCESSIBILITY_FILTER)
        ] = [],  # noqa: B006
        from_: Annotated[date | None, Query(alias="from")] = None,
        to: date | None = None,
    ) -> Response:
        """iCalendar (`ics`), RSS (`rss`), Atom (`atom`), JSON-LD (`jsonld`) or CSV for The
        Events Calendar's importer (`csv`, docs/ville-sortir.md)."""
        try:
            query = feed_query(
                associations=association,
                theme=theme,
                quartier=quartier,
                venue=venue,
                audience=audience,
                accessibility=accessibilite,
                start=from_,
                end=to,
                limit=feeds.max_events,
            )
        except RangeError as exc:
            return invalid_response([exc.error])
        title = CITY_TITLE
        if len(query.associations) == 1:
            title = _association_title(wiring, query.associations[0])
        return serve_feed(request, ext, query, title)

    @router.get(
        "/feeds/associations/{slug}.{ext}", tags=["flux"], summary="Flux d'une association",
        responses=FEED_RESPONSES,
    )  # fmt: skip
    async def association_feed(request: Request, slug: SlugPath, ext: FeedKind) -> Response:
        query = FeedQuery(associations=(slug,), limit=feeds.max_events)
        return serve_feed(request, ext, query, _association_title(wiring, slug))

    @router.get(
        "/events/{slug}/{event_id}.ics",
        tags=["événements"],
        summary="Un événement en iCal",
        responses=ICS_RESPONSE,
    )
    async def event_ics(request: Request, slug: SlugPath, event_id: EventIdPath) -> Response:
        entry = wiring.catalog.get(event_key(slug, event_id))
        if entry is None or not entry.listing.visible_at(wiring.clock.now()):
            raise HTTPException(404, "Événement introuvable.")
        return send(request, feeds.event_ics(entry, entry.record.event.content.title))

    router.include_router(api.build_router(wiring))
    router.include_router(images.build_router(wiring))
    pages = Pages(wiring.settings, feeds.public_url)
    screen_pages = (
        pages_screens_city,
        pages_screens_decisions,
        pages_screens_association,
        screen_display,
    )
    for module in (pages_public, pages_association, pages_city, embed, ville_sortir, *screen_pages):
        router.include_router(module.build_router(wiring, pages))
    return router


FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Le flux, dans le format de l'extension (`ics`, `rss`, `atom`, `jsonld`, `csv`)."
        ),
        "content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
    },
    304: {"description": "Inchangé depuis la version que le client a (ETag, date)."},
}
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "L'événement en iCalendar.", "content": {"text/calendar": {}}},
    304: {"description": "Inchangé depuis la version que le client a (ETag, date)."},
}


def _association_title(wiring: Wiring, slug: str) -> str:
    """Title of one association's feed; an unknown one (the `association` filter is free
    text) gets the city's title: the request's text is never echoed into the feed."""
    found = wiring.directory.association(slug)
    return CITY_TITLE if found is None else f"{found.name} — {CITY_TITLE}"
