"""The agenda on other sites: `/embed/agenda` (a light page to show in a frame) and
`/integrer` (builds the snippet an association pastes into its site).

`/embed/agenda` takes the filters of `/agenda` and the feeds (`filters.feed_query`) plus
`nombre` (how many events). Other sites may frame it (`framed_by` in `bootstrap`: its own
`frame-ancestors`, `VIEASSO_AGENDA_EMBED_ANCESTORS`); it sets no cookie, reads no session and
has no form nor script, so framing it lends nothing to click on. Its links open in a new tab.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vieasso.agenda.adapters.day_listing import by_day, upcoming
from vieasso.agenda.adapters.pages import Pages
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.entrypoints.filters import RangeError, feed_query
from vieasso.agenda.entrypoints.pages_public import AgendaFilters, typed_filters
from vieasso.common.messages.annuaire import AssociationState
from vieasso.common.web import form_errors

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

EMBED_PATH = "/embed/agenda"
CITY_TITLE = "Agenda des associations de Besançon"
CACHE = {"Cache-Control": "public, max-age=300"}
DEFAULT_COUNT, MAX_COUNT = 10, 50
DEFAULT_HEIGHT = 600
SNIPPET = (
    '<iframe src="{src}" title="{title}" width="100%" height="{height}" '
    'style="border:0" loading="lazy" referrerpolicy="strict-origin-when-cross-origin">'
    "</iframe>"
)


class EmbedFilters(AgendaFilters):
    """The query string of `/embed/agenda`: the agenda's filters and how many events."""

    nombre: int = Field(default=DEFAULT_COUNT, ge=1, le=MAX_COUNT)


class Snippet(BaseModel):
    """The query string of `/integrer`: what the association chose."""

    model_config = ConfigDict(extra="ignore")

    association: str | None = Field(default=None, max_length=80)
    theme: str | None = Field(default=None, max_length=80)
    quartier: str | None = Field(default=None, max_length=80)
    nombre: int = Field(default=DEFAULT_COUNT, ge=1, le=MAX_COUNT)
    hauteur: int = Field(default=DEFAULT_HEIGHT, ge=200, le=2000)

    def query(self) -> str:
        chosen = {"association": self.association, "theme": self.theme, "quartier": self.quartier}
        asked = {k: v for k, v in chosen.items() if v}
        if self.nombre != DEFAULT_COUNT:
            asked["nombre"] = str(self.nombre)
        return urlencode(asked)


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    directory = wiring.directory
    public_url = pages.public_url

    def quartier_label(code: str) -> str:
        found = directory.quartier(code)
        return found.label if found is not None else code

    def title_of(associations: list[str]) -> str:
        if len(associations) == 1 and (found := directory.association(associations[0])):
            return f"Les événements de {found.name}"
        return CITY_TITLE

    @router.get(EMBED_PATH, response_class=HTMLResponse)
    async def embed(request: Request) -> HTMLResponse:
        typed = typed_filters(request)
        context: dict[str, Any] = {"errors": [], "days": [], "agenda_url": f"{public_url}/agenda"}
        try:
            filters = EmbedFilters.model_validate(typed)
            now = wiring.clock.now()
            query = feed_query(
                associations=filters.association,
                theme=filters.theme,
                quartier=filters.quartier,
                venue=filters.venue,
                audience=filters.audience,
                accessibility=filters.accessibilite,
                start=filters.from_ or now.astimezone(PARIS).date(),
                end=filters.to,
                limit=wiring.feeds.max_events,
            )
        except ValidationError as exc:
            context["errors"] = [f"« {k} » : {m}" for k, m in form_errors(exc).items()]
        except RangeError as exc:
            context["errors"] = [f"« {exc.error.field} » : {exc.error.message}"]
        if context["errors"]:
            context["title"] = CITY_TITLE
            return _page(pages, request, context, status=422)
        first, last = query.window(now.astimezone(PARIS).date())
        items = upcoming(wiring.catalog.select(query, now), first, last, quartier_label)
        asked = urlencode({k: v for k, v in typed.items() if k != "nombre" and v}, doseq=True)
        context |= {
            "title": title_of(filters.association),
            "days": by_day(items[: filters.nombre]),
            "agenda_url": f"{public_url}/agenda" + (f"?{asked}" if asked else ""),
        }
        return _page(pages, request, context)

    @router.get("/integrer", response_class=HTMLResponse)
    async def integrer(request: Request) -> HTMLResponse:
        typed = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
        context: dict[str, Any] = {"values": typed, "errors": {}, **_options(wiring)}
        try:
            chosen = Snippet.model_validate(typed)
        except ValidationError as exc:
            context["errors"] = form_errors(exc)
            return pages.render(request, "embed/integrer.html.j2", context, status=422)
        query = chosen.query()
        src = f"{public_url}{EMBED_PATH}" + (f"?{query}" if query else "")
        title = title_of([chosen.association] if chosen.association else [])
        feed = {k: v for k, v in (("association", chosen.association), ("theme", chosen.theme),
                                  ("quartier", chosen.quartier)) if v}  # fmt: skip
        feed_query_string = f"?{urlencode(feed)}" if feed else ""
        context |= {
            "values": {"nombre": chosen.nombre, "hauteur": chosen.hauteur, **typed},
            "embed_url": src,
            "title": title,
            "height": chosen.hauteur,
            "snippet": SNIPPET.format(
                src=html.escape(src), title=html.escape(title), height=chosen.hauteur
            ),
            "feeds": {
                ext: f"{public_url}/feeds/agenda.{ext}{feed_query_string}"
                for ext in ("jsonld", "ics", "rss", "csv")
            },
        }
        return pages.render(request, "embed/integrer.html.j2", context)

    return router


def _page(
    pages: Pages, request: Request, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    response = pages.render(request, "embed/agenda.html.j2", context, status=status)
    response.headers.update(CACHE)
    return response


def _options(wiring: Wiring) -> dict[str, list[tuple[str, str]]]:
    directory = wiring.directory
    associations = [
        (a.slug, a.name) for a in directory.associations() if a.state is AssociationState.VALIDATED
    ]
    return {
        "associations": sorted(associations, key=lambda o: o[1].lower()),
        "themes": sorted(((t.code, t.label) for t in directory.themes()), key=lambda o: o[1]),
        "quartiers": sorted(((q.code, q.label) for q in directory.quartiers()), key=lambda o: o[1]),
    }
