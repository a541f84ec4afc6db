"""`/feeds/lieux.csv`: the directory's venues in the columns of The Events Calendar's venues
CSV import, to import before the events (docs/ville-sortir.md): its events' import finds a
venue by its name and creates none. The events' CSV is a feed (`/feeds/agenda.csv`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from vieasso.agenda.adapters import tec_csv
from vieasso.agenda.adapters.feedcache import MEDIA_TYPES, FeedKind, Rendered
from vieasso.agenda.adapters.pages import Pages
from vieasso.agenda.entrypoints.conditional import send

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring


def build_router(wiring: Wiring, _: Pages) -> APIRouter:
    router = APIRouter()
    directory = wiring.directory

    def quartier_label(code: str) -> str:
        found = directory.quartier(code)
        return found.label if found is not None else code

    @router.get(
        "/feeds/lieux.csv",
        tags=["flux"],
        summary="Les lieux, en CSV pour WordPress (The Events Calendar)",
        responses={200: {"content": {"text/csv": {}}}, 304: {"description": "Inchangé."}},
    )
    async def venues(request: Request) -> Response:
        """The venues in use, for The Events Calendar's venues import (ETag/304)."""
        table = tec_csv.venue_rows(directory.venues(), quartier_label)
        body = tec_csv.document(table, tec_csv.VENUE_COLUMNS)
        return send(request, Rendered(body, wiring.clock.now(), MEDIA_TYPES[FeedKind.CSV]))

    return router
