"""Public pages of the agenda: `/agenda` (by day, filtered, paginated) and each event's page.

`/agenda` reads the same filters as `/feeds/agenda.*` (`filters.feed_query`) and lets
`Catalog.select` choose the events, so the page and the feed it links to always agree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vieasso.agenda.adapters.day_listing import by_day, upcoming
from vieasso.agenda.adapters.feedcache import Rendered
from vieasso.agenda.adapters.labels import ACCESSIBILITY, AUDIENCES, by_label
from vieasso.agenda.adapters.pages import Pages, webcal
from vieasso.agenda.domain.accessibility import FLAGS, Need
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.model import event_key
from vieasso.agenda.entrypoints.conditional import send
from vieasso.agenda.entrypoints.filters import RangeError, feed_query
from vieasso.common.messages.agenda import Audience
from vieasso.common.web import form_errors

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

PER_PAGE = 30
LISTING_LIMIT = 5000
MAX_ASSOCIATION_OPTIONS = 300
SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
EventIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
REPEATABLE = ("association", "accessibilite")


class AgendaFilters(BaseModel):
    """The query string of `/agenda`: the feeds' filters, and the page number."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    association: list[str] = Field(default=[], max_length=50)
    theme: str | None = None
    quartier: str | None = None
    venue: str | None = None
    audience: Audience | None = None
    accessibilite: list[Need] = Field(default=[], max_length=len(Need))
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    page: int = Field(default=1, ge=1, le=10_000)


def typed_filters(request: Request) -> dict[str, str | list[str]]:
    """What the visitor asked for, blanks left out (an empty select means no filter)."""
    params = request.query_params
    typed: dict[str, str | list[str]] = {
        name: value.strip() for name, value in params.items() if value.strip()
    }
    for repeatable in REPEATABLE:
        typed[repeatable] = [v for v in params.getlist(repeatable) if v.strip()]
    return typed


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    directory = wiring.directory

    def quartier_label(code: str) -> str:
        found = directory.quartier(code)
        return found.label if found is not None else code

    def options() -> dict[str, list[tuple[str, str]]]:
        return {
            "themes": by_label((t.code, t.label) for t in directory.themes()),
            "quartiers": by_label((q.code, q.label) for q in directory.quartiers()),
            "venues": by_label((v.id, v.name) for v in directory.venues() if not v.archived),
            "audiences": list(AUDIENCES.items()),
            "needs": [(need.value, ACCESSIBILITY[flag]) for need, flag in FLAGS.items()],
        }

    def association_options(slugs: set[str]) -> list[tuple[str, str]]:
        named = []
        for slug in slugs:
            found = directory.association(slug)
            named.append((slug, found.name if found is not None else slug))
        return by_label(named, casefold=True)[:MAX_ASSOCIATION_OPTIONS]

    @router.get("/agenda", response_class=HTMLResponse)
    async def agenda(request: Request) -> HTMLResponse:
        typed = typed_filters(request)
        context: dict[str, object] = {"values": typed, "errors": {}, "days": [], **options()}
        try:
            filters = AgendaFilters.model_validate(typed)
            now = wiring.clock.now()
            today = now.astimezone(PARIS).date()
            query = feed_query(
                associations=filters.association,
                theme=filters.theme,
                quartier=filters.quartier,
                venue=filters.venue,
                audience=filters.audience,
                accessibility=filters.accessibilite,
                start=filters.from_ or today,
                end=filters.to,
                limit=LISTING_LIMIT,
            )
        except ValidationError as exc:
            context["errors"] = form_errors(exc)
        except RangeError as exc:
            context["errors"] = form_errors([exc.error])
        if context["errors"]:
            context["associations"] = []
            return pages.render(request, "agenda.html.j2", context, status=422)
        entries = wiring.catalog.select(query, now)
        first, last = query.window(today)
        items = upcoming(entries, first, last, quartier_label)
        present = {e.listing.association for e in entries}
        if query.associations:
            everyone = wiring.catalog.select(replace(query, associations=()), now)
            present = {e.listing.association for e in everyone}
        count = max(1, -(-len(items) // PER_PAGE))
        page = min(filters.page, count)
        shown = items[(page - 1) * PER_PAGE : page * PER_PAGE]
        asked = {k: v for k, v in typed.items() if k != "page" and v}
        qs = urlencode(asked, doseq=True)
        feed = f"{pages.public_url}/feeds/agenda.ics" + (f"?{qs}" if qs else "")
        context |= {
            "associations": association_options(present),
            "days": by_day(shown),
            "total": len(items),
            "page": page,
            "pages": count,
            "page_link": f"/agenda?{qs}&page=" if qs else "/agenda?page=",
            "first_day": first,
            "last_day": last,
            "feed": feed,
            "feed_webcal": webcal(feed),
            "feed_rss": feed.replace("/agenda.ics", "/agenda.rss", 1),
            "embed_link": "/integrer" + (f"?{qs}" if qs else ""),
        }
        return pages.render(request, "agenda.html.j2", context)

    @router.get(
        "/events/{slug}/{event_id}",
        tags=["événements"],
        summary="Page publique d'un événement",
        response_class=HTMLResponse,
        include_in_schema=True,
    )
    async def event_page(request: Request, slug: SlugPath, event_id: EventIdPath) -> Response:
        entry = wiring.catalog.get(event_key(slug, event_id))
        if entry is None or not entry.listing.visible_at(wiring.clock.now()):
            text = "Cet événement n'existe pas ou n'est plus publié."
            link = (f"{pages.public_url}/agenda", "Voir l'agenda")
            return pages.message(request, 404, "Événement introuvable", text, link=link)
        page = entry.piece(
            "page",
            lambda record: Rendered(
                pages.event_page(record), record.event.last_modified, "text/html; charset=utf-8"
            ),
        )
        return send(request, page)

    return router
