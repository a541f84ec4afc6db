"""The association space's events: list, publish, edit, cancel (issue 7).

The association signs in on the annuaire (its token checked like the API's Bearer token); its
cookie holds a session (vieasso.common.web.session), checked here on every request. A form is
translated to the API's JSON body and goes through the API's own path (`submitting`): the
same model, the same rules, the same French reasons, then NATS. Success → 303 to the list,
once the agenda has applied the submission (or after a short wait); failure → the form again,
422, as typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from vieasso.agenda.adapters.event_form import (
    FormValues,
    from_content,
    new_event_id,
    new_ref,
    read_form,
)
from vieasso.agenda.adapters.event_list import listed
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.entrypoints import submitting
from vieasso.agenda.entrypoints.pages_form import AssociationSpace, applied
from vieasso.common.http.limits import bounded_form

if TYPE_CHECKING:
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring

SPACE = "/espace-association/evenements"
EventIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
NOTICES = {
    "publie": "Votre événement est publié dans l'agenda.",
    "modifie": "Vos modifications sont enregistrées.",
    "annule": "L'événement est annulé : il reste affiché comme tel pendant 30 jours.",
    "en_cours": "L'agenda enregistre votre demande : elle apparaîtra dans quelques instants.",
}


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(prefix=SPACE, include_in_schema=False)
    space = AssociationSpace(wiring, pages, SPACE)

    @router.get("")
    async def events(request: Request, page: int = 1) -> Response:
        slug = await space.signed_in(request)
        if isinstance(slug, Response):
            return slug
        mine = (e for e in wiring.catalog if e.listing.association == slug)
        rows, page, count = listed(mine, wiring.clock.now(), page)
        found = wiring.directory.association(slug)
        context = {
            "name": found.name if found is not None else slug,
            "slug": slug,
            "rows": rows,
            "page": page,
            "pages": count,
            "notice": next((NOTICES[k] for k in NOTICES if request.query_params.get(k)), None),
            "space": SPACE,
        }
        return pages.render(request, "association_events.html.j2", context, private=True)

    @router.get("/nouveau")
    async def new_form(request: Request) -> Response:
        slug = await space.signed_in(request)
        if isinstance(slug, Response):
            return slug
        values: FormValues = {"ref": new_ref(), "audience": ["tout_public"]}
        return space.render(request, slug, values, {}, event_id=None)

    @router.post("/nouveau")
    async def publish(request: Request) -> Response:
        slug = await space.signed_in(request)
        if isinstance(slug, Response):
            return slug
        form = await bounded_form(request, max_files=1)
        ref = form.get("ref")
        event_id = new_event_id(
            read_form(form.multi_items()), ref if isinstance(ref, str) else None
        )
        return await space.submit(request, slug, form, event_id, new=True)

    @router.get("/{event_id}")
    async def edit_form(request: Request, event_id: EventIdPath) -> Response:
        found = await space.owned(request, event_id)
        if isinstance(found, Response):
            return found
        slug, entry = found
        values = from_content(entry.record.event.content, PARIS)
        return space.render(request, slug, values, {}, event_id=event_id, entry=entry)

    @router.post("/{event_id}")
    async def edit(request: Request, event_id: EventIdPath) -> Response:
        found = await space.owned(request, event_id)
        if isinstance(found, Response):
            return found
        form = await bounded_form(request, max_files=1)
        return await space.submit(request, found[0], form, event_id, new=False)

    @router.get("/{event_id}/annuler")
    async def cancel_form(request: Request, event_id: EventIdPath) -> Response:
        found = await space.owned(request, event_id)
        if isinstance(found, Response):
            return found
        context = {"event": found[1].record.event, "action": f"{SPACE}/{event_id}/annuler"}
        return pages.render(
            request, "event_cancel.html.j2", context | {"space": SPACE}, private=True
        )

    @router.post("/{event_id}/annuler")
    async def cancel(request: Request, event_id: EventIdPath) -> Response:
        found = await space.owned(request, event_id)
        if isinstance(found, Response):
            return found
        done = await submitting.cancel_event(wiring, found[0], event_id)
        notice = "annule" if done is not None and await applied(wiring, done) else "en_cours"
        return RedirectResponse(f"{SPACE}?{notice}={event_id}", status_code=303)

    return router
