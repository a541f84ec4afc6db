"""The city's side of entraide (`/espace-ville/entraide`): the reported annonces first,
then every open one; « Masquer » (with a reason: it leaves lists, feeds, exports and the
letters, and its page answers 404) and suspending or restoring an association's replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.ressources.domain.annonces import AnnonceState, EntraideError
from vieasso.ressources.entrypoints.pages_entraide_support import EntraidePages

Id = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
CITY = "/espace-ville/entraide"
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
        return RedirectResponse(f"{CITY}?ok=masquee", status_code=303)

    async def suspend(self, request: Request, slug: Id) -> Response:
        refused = await self.ep.pages.refused(request)
        if refused is not None:
            return refused
        form = await bounded_form(request)
        on = form.get("suspendre") == "oui"
        reason = " ".join(str(form.get("raison", "")).split())[:500] or None
        await self.ep.source.entraide().set_flag("suspendu", slug, on, reason)
        return RedirectResponse(f"{CITY}?ok={'suspendue' if on else 'retablie'}", status_code=303)


def build_router(ep: EntraidePages) -> APIRouter:
    router = APIRouter(prefix=CITY, include_in_schema=False)
    city = City(ep)
    router.add_api_route("", city.page, methods=["GET"])
    router.add_api_route("/annonces/{annonce_id}/masquer", city.hide, methods=["POST"])
    router.add_api_route("/associations/{slug}", city.suspend, methods=["POST"])
    return router
