"""The association space's entraide (`/espace-association/entraide`): publish an offer or a
need, close it, choose to receive the annonces close to the association in its letter, and
the threads: each conversation with another association about an annonce, seen by both.
Nobody's address is shown: a message is relayed by mail to the other side's private
contact, with the writer's public contact only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.http.limits import bounded_form
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.ressources.domain.annonces import EntraideError
from vieasso.ressources.entrypoints.pages_entraide_support import EntraidePages, read_draft
from vieasso.ressources.handlers.annonces import NO_THREAD, SPACE, Refused, thread_path

Id = Annotated[str, Path(max_length=80, pattern=SLUG_PATTERN)]
PAGE = "entraide/espace.html.j2"
WHY = "Connectez-vous à l'espace association pour l'entraide entre associations."
NOTICES = {
    "publiee": "Votre annonce est publiée sur la page Entraide.",
    "close": "L'annonce est close : elle n'apparaît plus dans les listes.",
    "lettre": "Votre choix pour la lettre des associations est enregistré.",
}


class Space:
    def __init__(self, ep: EntraidePages) -> None:
        self.ep = ep

    async def render(
        self, request: Request, slug: str, values: dict[str, Any], errors: dict[str, str]
    ) -> Response:
        unit = self.ep.source.entraide()
        mine = sorted(
            (a for a in unit.store.annonces.items.values() if a.association_slug == slug),
            key=lambda a: a.published_at,
            reverse=True,
        )
        threads = unit.threads_of(slug)
        context = {
            "slug": slug,
            "name": self.ep.name(slug),
            "mine": mine,
            "threads": threads,
            "annonce_of": unit.store.annonce,
            "name_of": self.ep.name,
            "thread_path": thread_path,
            "letter": unit.wants_letter(slug),
            "suspended": unit.suspended(slug),
            "values": values,
            "errors": errors,
            "notice": NOTICES.get(str(request.query_params.get("ok", ""))),
            **self.ep.labels(),
        }
        status = 422 if errors else 200
        return self.ep.pages.render(request, PAGE, context, status=status, private=True)

    async def space(self, request: Request) -> Response:
        slug = await self.ep.signed_in(request, WHY)
        if isinstance(slug, Response):
            return slug
        return await self.render(request, slug, {"direction": "besoin"}, {})

    async def publish(self, request: Request) -> Response:
        slug = await self.ep.signed_in(request, WHY)
        if isinstance(slug, Response):
            return slug
        draft, errors, values = read_draft(await bounded_form(request))
        if draft is None:
            return await self.render(request, slug, values, errors)
        try:
            await self.ep.source.entraide().publish_annonce(slug, draft)
        except Refused as exc:
            return await self.render(request, slug, values, dict(exc.errors))
        except EntraideError as exc:
            return self.ep.refusal(request, exc.status, exc.message)
        return RedirectResponse(f"{SPACE}?ok=publiee", status_code=303)

    async def close(self, request: Request, annonce_id: Id) -> Response:
        slug = await self.ep.signed_in(request, WHY)
        if isinstance(slug, Response):
            return slug
        try:
            await self.ep.source.entraide().close(slug, annonce_id)
        except EntraideError as exc:
            return self.ep.refusal(request, exc.status, exc.message)
        return RedirectResponse(f"{SPACE}?ok=close", status_code=303)

    async def letter(self, request: Request) -> Response:
        slug = await self.ep.signed_in(request, WHY)
        if isinstance(slug, Response):
            return slug
        wanted = (await bounded_form(request)).get("lettre") == "oui"
        await self.ep.source.entraide().set_flag("lettre", slug, wanted)
        return RedirectResponse(f"{SPACE}?ok=lettre", status_code=303)

    async def thread(self, request: Request, annonce_id: Id, replier: Id) -> Response:
        slug = await self.ep.signed_in(request, WHY)
        if isinstance(slug, Response):
            return slug
        unit = self.ep.source.entraide()
        found = unit.store.threads.items.get(f"fil.{annonce_id}.{replier}")
        annonce = unit.store.annonce(annonce_id)
        if found is None or annonce is None or slug not in (found.author, found.replier):
            return self.ep.refusal(request, 404, NO_THREAD)
        return self.ep.thread_page(request, found, annonce, slug)

    async def write(self, request: Request, annonce_id: Id, replier: Id) -> Response:
        slug = await self.ep.signed_in(request, WHY)
        if isinstance(slug, Response):
            return slug
        text = str((await bounded_form(request)).get("message", ""))
        try:
            await self.ep.source.entraide().write(annonce_id, replier, slug, text)
        except EntraideError as exc:
            return self.ep.refusal(request, exc.status, exc.message)
        return RedirectResponse(thread_path(annonce_id, replier), status_code=303)


def build_router(ep: EntraidePages) -> APIRouter:
    router = APIRouter(prefix=SPACE, include_in_schema=False)
    space = Space(ep)
    router.add_api_route("", space.space, methods=["GET"])
    router.add_api_route("", space.publish, methods=["POST"])
    router.add_api_route("/lettre", space.letter, methods=["POST"])
    router.add_api_route("/annonces/{annonce_id}/fermer", space.close, methods=["POST"])
    router.add_api_route("/fils/{annonce_id}/{replier}", space.thread, methods=["GET"])
    router.add_api_route("/fils/{annonce_id}/{replier}", space.write, methods=["POST"])
    return router
