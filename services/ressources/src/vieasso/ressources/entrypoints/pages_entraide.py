"""The public side of entraide: `/entraide` (offers and needs of the associations, with
filters and a search that ignores accents), `/entraide/{id}` (one annonce; a need for
equipment shows the city's models that could serve, a need for funding points to the aid
search), and what a signed-in association does there: answer (it opens a thread in both
spaces), report (« Signaler »). A hidden annonce answers 404 everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.annonces import CITY, AnnonceDirection, AnnonceKind
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.ressources.domain.annonces import AnnonceState, EntraideError, Filters, counts, shown
from vieasso.ressources.entrypoints.pages_entraide_support import (
    EntraidePages,
    could_serve,
    direction_of,
    kind_of,
)
from vieasso.ressources.handlers.annonces import NOT_FOUND, Refused, thread_path

AnnonceId = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
LIST = "entraide/liste.html.j2"
PAGE = "entraide/annonce.html.j2"
REPORTED = "Merci : le Service Vie associative de la Ville va regarder cette annonce."


class PublicEntraide:
    def __init__(self, ep: EntraidePages) -> None:
        self.ep = ep

    async def listing(self, request: Request) -> Response:
        unit = self.ep.source.entraide()
        p = request.query_params
        filters = Filters(
            direction=direction_of(p.get("sens", "")),
            kind=kind_of(p.get("type", "")),
            theme=p.get("theme") or None,
            quartier=p.get("quartier") or None,
            q=p.get("q", "")[:200],
        )
        everything = list(unit.store.annonces.items.values())
        names = {a.association_slug: self.ep.name(a.association_slug) for a in everything}
        context = {
            "annonces": shown(everything, filters, names),
            "names": names,
            "filters": filters,
            "counts": counts(everything),
            **self.ep.labels(),
        }
        return self.ep.pages.render(request, LIST, context)

    async def page(self, request: Request, annonce_id: AnnonceId) -> Response:
        unit = self.ep.source.entraide()
        annonce = unit.store.annonce(annonce_id)
        if annonce is None or annonce.state is AnnonceState.HIDDEN:
            return self.ep.refusal(request, 404, NOT_FOUND)
        viewer = await self.ep.source.sessions.association(request)
        as_city = viewer is None and await self.ep.source.sessions.city(request)
        need = annonce.direction is AnnonceDirection.BESOIN
        suggested = []
        if need and annonce.kind is AnnonceKind.MATERIEL:
            suggested = could_serve(annonce, self.ep.source.lendable().store.models())
        thread = None
        if viewer is not None and viewer != annonce.association_slug:
            thread = unit.store.threads.items.get(f"fil.{annonce.id}.{viewer}")
        context = {
            "a": annonce,
            "name": self.ep.name(annonce.association_slug),
            "viewer": viewer,
            "suggested": suggested,
            "thread_url": thread_path(annonce.id, thread.replier) if thread else None,
            "city_thread": thread_path(annonce.id, CITY, reader=CITY) if as_city else None,
            "notice": REPORTED if request.query_params.get("ok") == "signalee" else None,
            "errors": {},
            **self.ep.labels(),
        }
        private = viewer is not None or as_city
        return self.ep.pages.render(request, PAGE, context, private=private)

    async def reply(self, request: Request, annonce_id: AnnonceId) -> Response:
        why = "Connectez-vous à l'espace association pour répondre à cette annonce."
        slug = await self.ep.signed_in(request, why)
        if isinstance(slug, Response):
            return slug
        text = str((await bounded_form(request)).get("message", ""))
        try:
            await self.ep.source.entraide().write(annonce_id, slug, slug, text)
        except Refused as exc:
            return self.ep.refusal(request, 422, exc.message)
        except EntraideError as exc:
            return self.ep.refusal(request, exc.status, exc.message)
        return RedirectResponse(thread_path(annonce_id, slug), status_code=303)

    async def report(self, request: Request, annonce_id: AnnonceId) -> Response:
        why = "Connectez-vous à l'espace association pour signaler une annonce."
        slug = await self.ep.signed_in(request, why)
        if isinstance(slug, Response):
            return slug
        reason = " ".join(str((await bounded_form(request)).get("raison", "")).split())[:500]
        try:
            await self.ep.source.entraide().report(annonce_id, slug, reason)
        except EntraideError as exc:
            return self.ep.refusal(request, exc.status, exc.message)
        return RedirectResponse(f"/entraide/{annonce_id}?ok=signalee", status_code=303)


def build_router(ep: EntraidePages) -> APIRouter:
    router = APIRouter(prefix="/entraide", include_in_schema=False)
    public = PublicEntraide(ep)
    router.add_api_route("", public.listing, methods=["GET"])
    router.add_api_route("/{annonce_id}", public.page, methods=["GET"])
    router.add_api_route("/{annonce_id}/repondre", public.reply, methods=["POST"])
    router.add_api_route("/{annonce_id}/signaler", public.report, methods=["POST"])
    return router
