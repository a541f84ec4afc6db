"""The city's side of entraide (`/espace-ville/entraide`): the reported annonces first,
then every open one; « Masquer » (with a reason: it leaves lists, feeds, exports and the
letters, and its page answers 404) and suspending or restoring an association's replies.
The city's team also answers an annonce as itself (« Répondre au nom de la Ville »): a thread
whose replier is `CITY`, relayed by mail to the association like any other, the association's
answers relayed to the Service Vie associative (`ASSOCIATIONS_TEAM`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.annonces import CITY
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.ressources.domain.annonces import Annonce, AnnonceState, EntraideError
from vieasso.ressources.domain.annonces_threads import Thread
from vieasso.ressources.entrypoints.pages_entraide_support import EntraidePages
from vieasso.ressources.handlers.annonces import CITY_SPACE, NO_THREAD, thread_path

Id = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
PAGE = "entraide/ville.html.j2"
NOTICES = {
    "masquee": "L'annonce est masquée.",
    "suspendue": "Les messages de l'association sont suspendus.",
    "retablie": "Les messages de l'association sont rétablis.",
}


class City:
    def __init__(self, ep: EntraidePages) -> None:
        self.ep = ep

    async def page(self, request: Request) -> Response:
        refused = await self.ep.pages.refused(request)
        if refused is not None:
            return refused
        unit = self.ep.source.entraide()
        annonces = [a for a in unit.store.annonces.items.values() if a.state is AnnonceState.OPEN]
        annonces.sort(key=lambda a: (-len(a.reports), a.published_at), reverse=False)
        suspended = sorted(
            k.removeprefix("suspendu.") for k, f in unit.store.suspended.items.items() if f.on
        )
        context = {
            "annonces": annonces,
            "threads": unit.threads_of(CITY),
            "annonce_of": unit.store.annonce,
            "thread_path": thread_path,
            "city": CITY,
            "suspended": suspended,
            "name_of": self.ep.name,
            "notice": NOTICES.get(str(request.query_params.get("ok", ""))),
        }
        return self.ep.pages.render(request, PAGE, context, private=True)

    async def hide(self, request: Request, annonce_id: Id) -> Response:
        refused = await self.ep.pages.refused(request)
        if refused is not None:
            return refused
        form = await bounded_form(request)
        reason = " ".join(str(form.get("raison", "")).split())[:500] or "Masquée par la Ville"
        try:
            await self.ep.source.entraide().hide(annonce_id, reason)
        except EntraideError as exc:
            return self.ep.refusal(request, exc.status, exc.message)
        return RedirectResponse(f"{CITY_SPACE}?ok=masquee", status_code=303)

    async def suspend(self, request: Request, slug: Id) -> Response:
        refused = await self.ep.pages.refused(request)
        if refused is not None:
            return refused
        form = await bounded_form(request)
        on = form.get("suspendre") == "oui"
        reason = " ".join(str(form.get("raison", "")).split())[:500] or None
        await self.ep.source.entraide().set_flag("suspendu", slug, on, reason)
        done = "suspendue" if on else "retablie"
        return RedirectResponse(f"{CITY_SPACE}?ok={done}", status_code=303)

    async def thread(self, request: Request, annonce_id: Id, replier: Id) -> Response:
        """The city's conversation about an annonce; empty, with the form to open it, when
        the city has not written yet."""
        refused = await self.ep.pages.refused(request)
        if refused is not None:
            return refused
        unit = self.ep.source.entraide()
        annonce = unit.store.annonce(annonce_id)
        found = unit.store.threads.items.get(f"fil.{annonce_id}.{replier}")
        if found is None and annonce is not None and replier == CITY and opens(annonce):
            found = Thread(annonce_id=annonce.id, author=annonce.association_slug, replier=CITY)
        if found is None or annonce is None or CITY not in (found.author, found.replier):
            return self.ep.refusal(request, 404, NO_THREAD)
        return self.ep.thread_page(request, found, annonce, CITY)

    async def write(self, request: Request, annonce_id: Id, replier: Id) -> Response:
        refused = await self.ep.pages.refused(request)
        if refused is not None:
            return refused
        text = str((await bounded_form(request)).get("message", ""))
        try:
            await self.ep.source.entraide().write(annonce_id, replier, CITY, text)
        except EntraideError as exc:
            return self.ep.refusal(request, exc.status, exc.message)
        return RedirectResponse(thread_path(annonce_id, replier, reader=CITY), status_code=303)


def opens(annonce: Annonce) -> bool:
    """The city may open a conversation about it: open, and not its own."""
    return annonce.state is AnnonceState.OPEN and annonce.association_slug != CITY


def build_router(ep: EntraidePages) -> APIRouter:
    router = APIRouter(prefix=CITY_SPACE, include_in_schema=False)
    city = City(ep)
    router.add_api_route("", city.page, methods=["GET"])
    router.add_api_route("/annonces/{annonce_id}/masquer", city.hide, methods=["POST"])
    router.add_api_route("/associations/{slug}", city.suspend, methods=["POST"])
    router.add_api_route("/fils/{annonce_id}/{replier}", city.thread, methods=["GET"])
    router.add_api_route("/fils/{annonce_id}/{replier}", city.write, methods=["POST"])
    return router
