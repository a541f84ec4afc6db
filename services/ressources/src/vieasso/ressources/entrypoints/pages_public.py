"""The public catalogue: what the city lends (`/materiel`) and its rooms (`/salles`), with
the next closed days; « Réserver » leads to the association space."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.entrypoints.pages_support import CATEGORIES, Pages

IdPath = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    source = pages.source

    def missing(request: Request, kind: ResourceKind) -> Response:
        what, back = (
            ("Ce matériel", "/materiel")
            if kind is ResourceKind.EQUIPMENT
            else ("Cette salle", "/salles")
        )
        text = f"{what} n'existe pas ou n'est plus prêté par la Ville."
        return pages.message(request, 404, "Introuvable", text, link=(back, "Voir le catalogue"))

    @router.get("/materiel")
    async def equipment(request: Request) -> Response:
        cat = source.catalogue()
        models = cat.store.models()
        order = {code: n for n, code in enumerate(CATEGORIES)}
        ordered = sorted(models, key=lambda m: (order.get(m.category, len(order)), m.category))
        groups = [
            (CATEGORIES.get(code, code), list(items))
            for code, items in groupby(ordered, key=lambda m: m.category)
        ]
        context = {"groups": groups, "count": len(models), "closed": pages.closed_days(cat)}
        return pages.render(request, "catalogue_materiel.html.j2", context)

    @router.get("/materiel/{entry_id}")
    async def equipment_page(request: Request, entry_id: IdPath) -> Response:
        cat = source.catalogue()
        found = cat.store.get(ResourceKind.EQUIPMENT, entry_id)
        if found is None or not found.value.active or not isinstance(found.value, EquipmentModel):
            return missing(request, ResourceKind.EQUIPMENT)
        context = {"model": found.value, "closed": pages.closed_days(cat)}
        return pages.render(request, "catalogue_modele.html.j2", context)

    @router.get("/salles")
    async def rooms(request: Request) -> Response:
        cat = source.catalogue()
        listed = [(room, cat.directory.venue(room.venue_id)) for room in cat.store.rooms()]
        context = {"rooms": listed, "closed": pages.closed_days(cat)}
        return pages.render(request, "catalogue_salles.html.j2", context)

    @router.get("/salles/{entry_id}")
    async def room_page(request: Request, entry_id: IdPath) -> Response:
        cat = source.catalogue()
        found = cat.store.get(ResourceKind.ROOM, entry_id)
        if found is None or not found.value.active or not isinstance(found.value, Room):
            return missing(request, ResourceKind.ROOM)
        room = found.value
        venue = cat.directory.venue(room.venue_id)
        context = {"room": room, "venue": venue, "closed": pages.closed_days(cat)}
        return pages.render(request, "catalogue_salle.html.j2", context)

    return router
