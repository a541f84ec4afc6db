"""The entraide's JSON API for tools and other pages: ``GET /api/annonces`` (open annonces,
public fields, filters `sens`, `type`, `theme`, `quartier`, `q`) and
``GET /api/annonces/compteurs`` (open annonces per kind, offers and needs apart: what a home
page shows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vieasso.common.messages.annonces import AnnonceDirection, AnnonceKind, AnnoncePublic
from vieasso.ressources.domain.annonces import Filters, counts, shown
from vieasso.ressources.entrypoints.pages_entraide_support import EntraideSource

Code = Annotated[str | None, Query(max_length=40)]


def build_router(source: EntraideSource) -> APIRouter:
    router = APIRouter(prefix="/api/annonces", tags=["entraide"])

    @router.get("", summary="Annonces ouvertes d'entraide entre associations")
    async def list_annonces(
        sens: AnnonceDirection | None = None,
        type: AnnonceKind | None = None,
        theme: Code = None,
        quartier: Code = None,
        q: Annotated[str, Query(max_length=200)] = "",
    ) -> list[AnnoncePublic]:
        unit = source.entraide()
        found = shown(
            unit.store.annonces.items.values(),
            Filters(direction=sens, kind=type, theme=theme, quartier=quartier, q=q),
            {},
        )
        return [a.public() for a in found]

    @router.get("/compteurs", summary="Annonces ouvertes par type, offres et besoins")
    async def annonces_counts() -> dict[str, dict[str, int]]:
        return counts(source.entraide().store.annonces.items.values())

    return router
