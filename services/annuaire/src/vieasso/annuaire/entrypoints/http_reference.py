"""Routes of venues (city writes, everyone reads), themes and quartiers."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from vieasso.annuaire.domain.commands import VenueFields
from vieasso.annuaire.domain.rules import normalize
from vieasso.annuaire.entrypoints.deps import Admin, SlugPath, Unit
from vieasso.annuaire.handlers import venues as handlers
from vieasso.annuaire.handlers.venues import VENUE_NOT_FOUND
from vieasso.common.messages.annuaire import VenuePublic
from vieasso.common.reference.models import Quartier, Theme

router = APIRouter(prefix="/api", tags=["référentiel"])


@router.get("/venues", summary="Lieux")
async def venues(app: Unit, include_archived: bool = False) -> list[VenuePublic]:
    items = (v.value for v in app.index.venues.items.values())
    shown = [v for v in items if include_archived or not v.archived]
    return sorted(shown, key=lambda v: (normalize(v.name), v.id))


@router.get("/venues/{slug}", summary="Un lieu")
async def venue(slug: SlugPath, app: Unit) -> VenuePublic:
    found = app.index.venues.items.get(slug)
    if found is None:
        raise HTTPException(404, VENUE_NOT_FOUND)
    return found.value


@router.put("/venues/{slug}", summary="Créer ou modifier un lieu (Ville)")
async def put_venue(slug: SlugPath, body: VenueFields, app: Unit, _: Admin) -> VenuePublic:
    return await handlers.upsert_venue(app, slug, body)


@router.post("/venues/{slug}/archive", summary="Archiver un lieu (Ville)")
async def archive_venue(slug: SlugPath, app: Unit, _: Admin) -> VenuePublic:
    return await handlers.archive_venue(app, slug)


@router.get("/themes", summary="Thèmes")
async def themes(app: Unit) -> list[Theme]:
    return app.index.themes()


@router.get("/quartiers", summary="Quartiers de Besançon")
async def quartiers(app: Unit) -> list[Quartier]:
    return app.index.quartiers()
