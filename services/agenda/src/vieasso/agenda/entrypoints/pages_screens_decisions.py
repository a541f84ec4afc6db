"""The city's answer to an association's announcement (`/ecrans/annonces/…`): accept, or
refuse with a reason mailed to the association (`screen_handlers.Screens.decide`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from vieasso.agenda.domain.model import Unpublish
from vieasso.agenda.domain.screens import AnnouncementState
from vieasso.agenda.entrypoints.pages_screens_city import LABELS, SPACE, city_guard, not_found
from vieasso.common.http.limits import bounded_form
from vieasso.common.validation import french_errors

if TYPE_CHECKING:
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring

AnnouncementIdPath = Annotated[str, Path(pattern=r"^[a-z0-9]{1,40}$")]


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(prefix=SPACE, include_in_schema=False)
    refused = city_guard(wiring, pages)

    @router.post("/annonces/{announcement_id}/accepter")
    async def approve(request: Request, announcement_id: AnnouncementIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        if not await wiring.screen_handlers().decide(announcement_id, True, None):
            return not_found(pages, request)
        return RedirectResponse(f"{SPACE}?acceptee=1", status_code=303)

    def refuse_form(
        request: Request, announcement_id: str, values: dict[str, str], errors: dict[str, str]
    ) -> Response:
        held = wiring.screens().announcement(announcement_id)
        if held is None or held[0].state is not AnnouncementState.REQUESTED:
            return not_found(pages, request)
        entry = wiring.catalog.get(f"{held[0].association}.{held[0].event_id}")
        context = {
            "announcement": held[0], "values": values, "errors": errors, "labels": LABELS,
            "title": entry.record.event.content.title if entry else held[0].event_id,
            "action": f"{SPACE}/annonces/{announcement_id}/refuser", "space": SPACE,
        }  # fmt: skip
        status = 422 if errors else 200
        return pages.render(
            request, "screens/city_refuse.html.j2", context, status=status, private=True
        )

    @router.get("/annonces/{announcement_id}/refuser")
    async def refusal_form(request: Request, announcement_id: AnnouncementIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        return refuse_form(request, announcement_id, {"motif": ""}, {})

    @router.post("/annonces/{announcement_id}/refuser")
    async def refuse(request: Request, announcement_id: AnnouncementIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        typed = (await bounded_form(request)).get("motif")
        values = {"motif": typed if isinstance(typed, str) else ""}
        try:
            reason = Unpublish(reason=values["motif"]).reason  # the same rules as a hiding's
        except ValidationError as exc:
            message = french_errors(exc)[0].message.removeprefix("Value error, ")
            return refuse_form(request, announcement_id, values, {"motif": message})
        if not await wiring.screen_handlers().decide(announcement_id, False, reason):
            return not_found(pages, request)
        return RedirectResponse(f"{SPACE}?refusee=1", status_code=303)

    return router
