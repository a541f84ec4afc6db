"""Public pages: home, associations (search, record), volunteer missions (search, detail)."""

from __future__ import annotations

import heapq
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vieasso.annuaire.domain.search import AssociationQuery, MissionQuery
from vieasso.annuaire.entrypoints.page_jsonld import organization
from vieasso.annuaire.entrypoints.pages_support import (
    PER_PAGE,
    PageError,
    code_or_none,
    page_number,
    render,
    unit_of,
)
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.agenda_events import AgendaUnavailable, upcoming_events
from vieasso.common.entraide import KindCount
from vieasso.common.messages.annonces import KIND_LABELS
from vieasso.common.messages.annuaire import (
    AssociationState,
    MissionKind,
    MissionState,
    RemoteMode,
)
from vieasso.common.web import site_urls

router = APIRouter(include_in_schema=False)
E = TypeVar("E", MissionKind, RemoteMode)
Text = Annotated[str | None, Query(max_length=200)]
NOT_FOUND = "Cette association n'existe pas ou n'est pas (encore) publiée dans l'annuaire."
MISSIONS_SHOWN = 12
EVENTS_UNAVAILABLE = "Les événements de l'association ne peuvent pas être affichés pour le moment."


def _paged(found: list[str], page: str | None, filters: dict[str, str]) -> dict[str, Any]:
    """The ids of one page of results, its numbers, and the filters as a query string for
    the previous/next links."""
    last = max(1, -(-len(found) // PER_PAGE))
    number = min(page_number(page), last)
    start = (number - 1) * PER_PAGE
    return {
        "ids": found[start : start + PER_PAGE],
        "page": number,
        "last_page": last,
        "total": len(found),
        "filters": filters,
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    app = unit_of(request)
    associations = app.index.search_associations(AssociationQuery())
    missions = app.index.search_missions(MissionQuery())
    recent = heapq.nlargest(
        6,
        (app.index.associations.items[s].value for s in associations),
        key=lambda a: a.validated_at or a.created_at,
    )
    shown = app.index.public_missions(missions[:6])
    entraide: tuple[KindCount, ...] = request.app.state.annuaire.entraide.counts()
    context = {
        "association_count": len(associations),
        "mission_count": len(missions),
        "recent": recent,
        "missions": shown,
        "names": _names(app, {m.association_slug for m in shown}),
        "entraide": entraide,
        "kind_labels": KIND_LABELS,
    }
    return render(request, "accueil.html.j2", context)


@router.get("/associations", response_class=HTMLResponse)
async def associations(
    request: Request,
    q: Text = None,
    theme: Text = None,
    quartier: Text = None,
    page: Text = None,
) -> HTMLResponse:
    app = unit_of(request)
    query = AssociationQuery(code_or_none(theme), code_or_none(quartier), (q or "").strip() or None)
    filters = {"q": q or "", "theme": query.theme or "", "quartier": query.quartier or ""}
    context = _paged(app.index.search_associations(query), page, filters)
    context["items"] = app.index.public_associations(context.pop("ids"))
    return render(request, "associations.html.j2", context)


@router.get("/associations/{slug}", response_class=HTMLResponse)
async def association(request: Request, slug: str) -> HTMLResponse:
    app = unit_of(request)
    record = app.index.association(slug) if code_or_none(slug) else None
    if record is None or record.state is not AssociationState.VALIDATED:
        raise PageError(404, NOT_FOUND)
    missions = app.index.search_missions(MissionQuery(association=slug))[:MISSIONS_SHOWN]
    events, events_error = [], None
    try:
        events = await upcoming_events(request.app.state.runtime.js, slug, app.clock.now())
    except AgendaUnavailable:
        events_error = EVENTS_UNAVAILABLE
    urls = site_urls(request.app.state.settings)
    feed = f"{urls.agenda}/feeds/associations/{slug}.ics"
    context = {
        "jsonld": organization(record.public(), f"{urls.annuaire}/associations/{slug}"),
        "association": record.public(),
        "missions": app.index.public_missions(missions),
        "more_missions": len(app.index.search_missions(MissionQuery(association=slug)))
        > MISSIONS_SHOWN,
        "events": events,
        "events_error": events_error,
        "feed": feed,
        "webcal": "webcal://" + feed.split("://", 1)[1],
    }
    return render(request, "association.html.j2", context)


def _choice(kind: type[E], value: str | None) -> E | None:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


@router.get("/missions", response_class=HTMLResponse)
async def missions(
    request: Request,
    *,
    q: Text = None,
    theme: Text = None,
    quartier: Text = None,
    kind: Text = None,
    remote: Text = None,
    mineurs: Text = None,
    association: Text = None,
    page: Text = None,
) -> HTMLResponse:
    app = unit_of(request)
    query = MissionQuery(
        theme=code_or_none(theme),
        quartier=code_or_none(quartier),
        kind=_choice(MissionKind, kind),
        remote=_choice(RemoteMode, remote),
        open_to_minors=True if mineurs else None,
        q=(q or "").strip() or None,
        association=code_or_none(association),
    )
    filters = {
        "q": q or "",
        "theme": query.theme or "",
        "quartier": query.quartier or "",
        "kind": query.kind or "",
        "remote": query.remote or "",
        "mineurs": "1" if mineurs else "",
        "association": query.association or "",
    }
    context = _paged(app.index.search_missions(query), page, filters)
    items = app.index.public_missions(context.pop("ids"))
    slugs = {m.association_slug for m in items} | {query.association or ""}
    context |= {"items": items, "names": _names(app, slugs)}
    return render(request, "missions.html.j2", context)


@router.get("/missions/{mission_id}", response_class=HTMLResponse)
async def mission(request: Request, mission_id: str) -> HTMLResponse:
    app = unit_of(request)
    found = app.index.mission(mission_id) if code_or_none(mission_id) else None
    owner = app.index.association(found.association_slug) if found else None
    if found is None or owner is None or owner.state is not AssociationState.VALIDATED:
        raise PageError(404, "Cette mission n'existe pas.")
    venue = app.index.venues.items.get(found.venue_id) if found.venue_id else None
    context = {
        "mission": found.public(),
        "association": owner.public(),
        "venue": venue.value if venue else None,
        "closed": found.state is not MissionState.OPEN,
    }
    return render(request, "mission.html.j2", context)


def _names(app: Annuaire, slugs: set[str]) -> dict[str, str]:
    """Association names of the missions shown."""
    return {s: r.name for s in slugs if (r := app.index.association(s)) is not None}
