"""Public pages, no account needed: the search of every published aid (`/aides`, filters by
text, theme, kind, who funds it and whether it is open now) and one aid's page
(`/aides/{id}`, with « Suivre cette aide » for a signed-in association)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from vieasso.aides.domain.calendar import local_day
from vieasso.aides.domain.deadlines import Status
from vieasso.aides.domain.schemes import AidScheme
from vieasso.aides.entrypoints.pages_support import Pages
from vieasso.aides.entrypoints.scheme_view import SchemeView, scheme_view
from vieasso.common.messages.aides import SchemeOrigin
from vieasso.common.messages.base import SLUG_PATTERN

IdPath = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
Filter = Annotated[str, Query(max_length=100)]
SOURCES = {"ville": "Ville de Besançon", "autres": "Autres financeurs"}


def folded(text: str) -> str:
    """Lower case without accents, for a search people type loosely."""
    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()


def _keeps(scheme: AidScheme, words: list[str], theme: str, kind: str, source: str) -> bool:
    if theme and scheme.themes and theme not in scheme.themes:
        return False
    if kind and kind not in scheme.kinds:
        return False
    city = scheme.source.origin is SchemeOrigin.CITY
    if (source == "ville" and not city) or (source == "autres" and city):
        return False
    haystack = folded(" ".join((scheme.name, scheme.short_description, *scheme.funders)))
    return all(word in haystack for word in words)


def urgency(view: SchemeView) -> tuple[date, str]:
    return (view.next_closing or date.max, view.scheme.name.casefold())


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    source = pages.source

    @router.get("/aides")
    async def search(
        request: Request,
        *,
        q: Filter = "",
        theme: Filter = "",
        type: Filter = "",
        financeur: Filter = "",
        ouvert: Filter = "",
    ) -> Response:
        today = local_day(source.clock.now())
        words = folded(q).split()
        views = [
            scheme_view(s, today, pages.quartier_labels())
            for s in source.schemes().published()
            if _keeps(s, words, theme, type, financeur)
        ]
        if ouvert:
            views = [v for v in views if v.status is Status.OPEN]
        views.sort(key=urgency)
        context = {
            "views": views,
            "filters": {"q": q, "theme": theme, "type": type, "financeur": financeur,
                        "ouvert": ouvert},
            "sources": SOURCES,
            "signed_in": await source.sessions.association(request) is not None,
        }  # fmt: skip
        return pages.render(request, "aides.html.j2", context)

    @router.get("/aides/{scheme_id}")
    async def detail(request: Request, scheme_id: IdPath) -> Response:
        found = source.schemes().store.get(scheme_id)
        if found is None or not found.value.published:
            text = "Cette aide n'existe pas ou n'est plus proposée."
            return pages.message(
                request, 404, "Aide introuvable", text, link=("/aides", "Toutes les aides")
            )
        today = local_day(source.clock.now())
        slug = await source.sessions.association(request)
        file = source.follows.get(slug) if slug else None
        context = {
            "view": scheme_view(found.value, today, pages.quartier_labels()),
            "slug": slug,
            "following": bool(file and file.value.follows_scheme(scheme_id)),
        }
        return pages.render(request, "aide.html.j2", context, private=slug is not None)

    return router
