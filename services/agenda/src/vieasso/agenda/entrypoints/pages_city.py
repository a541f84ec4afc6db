"""The city space's events: every event, hidden or not, to unpublish or republish (issue 7).

The city signs in on the annuaire; its session (vieasso.common.web.session) is checked here
on every request. Hiding asks for the reason first (a form: it is mailed to the association,
issue 13), then calls the same use case as `POST /api/events/{slug}/{event_id}/unpublish`
(`moderation.unpublish`), which hides the event from every feed and page; *Publier à
nouveau* shows it again (`moderation.republish`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from vieasso.agenda import moderation
from vieasso.agenda.adapters.event_list import listed
from vieasso.agenda.domain.model import MAX_REASON, Unpublish, event_key
from vieasso.common.http.limits import bounded_form
from vieasso.common.validation import french_errors
from vieasso.common.web import Kind, site_urls

if TYPE_CHECKING:
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring

SPACE = "/espace-ville/evenements"
SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
EventIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
NOTICES = {
    "masque": (
        "L'événement est masqué : il n'apparaît plus dans l'agenda ni dans les flux. "
        "L'association en reçoit le motif par courriel."
    ),
    "republie": "L'événement est de nouveau publié.",
}


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(prefix=SPACE, include_in_schema=False)
    sign_in = f"{site_urls(wiring.settings).annuaire}/espace-ville/connexion"

    async def refused(request: Request) -> Response | None:
        """None for the city's staff; otherwise the sign-in page or a refusal."""
        if await wiring.sessions.city(request):
            return None
        cookie = wiring.sessions.has_cookie(request, Kind.CITY)
        if not cookie and request.method == "GET":
            return RedirectResponse(sign_in, status_code=303)
        status = 403 if cookie else 401
        text = "Cette page est réservée au Service Vie associative de la Ville."
        return pages.message(request, status, "Accès réservé", text, link=(sign_in, "Se connecter"))

    @router.get("")
    async def events(request: Request, page: int = 1, association: str = "") -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        chosen = (
            e for e in wiring.catalog if not association or e.listing.association == association
        )
        rows, page, count = listed(chosen, wiring.clock.now(), page)
        context = {
            "rows": rows,
            "page": page,
            "pages": count,
            "association": association,
            "notice": next((NOTICES[k] for k in NOTICES if request.query_params.get(k)), None),
            "space": SPACE,
        }
        return pages.render(request, "city_events.html.j2", context, private=True)

    def not_found(request: Request) -> Response:
        text = "Cet événement n'existe pas."
        return pages.message(request, 404, "Événement introuvable", text, link=(SPACE, "Retour"))

    def back_to_list(notice: str, back: object) -> Response:
        query = back if isinstance(back, str) and back.startswith("page=") else ""
        return RedirectResponse(f"{SPACE}?{notice}=1&{query}".rstrip("&"), status_code=303)

    def hide_form(
        request: Request, slug: str, event_id: str, values: dict[str, str], errors: dict[str, str]
    ) -> Response:
        entry = wiring.catalog.get(event_key(slug, event_id))
        if entry is None:
            return not_found(request)
        context = {
            "event": entry.record.event,
            "action": f"{SPACE}/{slug}/{event_id}/masquer",
            "values": values,
            "errors": errors,
            "max_reason": MAX_REASON,
            "space": SPACE,
        }
        status = 422 if errors else 200
        return pages.render(
            request, "city_event_hide.html.j2", context, status=status, private=True
        )

    @router.get("/{slug}/{event_id}/masquer")
    async def unpublish_form(
        request: Request, slug: SlugPath, event_id: EventIdPath, retour: str = ""
    ) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        return hide_form(request, slug, event_id, {"retour": retour}, {})

    @router.post("/{slug}/{event_id}/masquer")
    async def unpublish(request: Request, slug: SlugPath, event_id: EventIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        form = await bounded_form(request)
        typed, back = form.get("motif"), form.get("retour")
        values = {"motif": typed if isinstance(typed, str) else "", "retour": str(back or "")}
        try:
            reason = Unpublish(reason=values["motif"]).reason
        except ValidationError as exc:
            errors = {"motif": french_errors(exc)[0].message}
            return hide_form(request, slug, event_id, values, errors)
        record = await moderation.unpublish(wiring.agenda(), slug, event_id, reason)
        return not_found(request) if record is None else back_to_list("masque", back)

    @router.post("/{slug}/{event_id}/republier")
    async def republish(request: Request, slug: SlugPath, event_id: EventIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        record = await moderation.republish(wiring.agenda(), slug, event_id)
        back = (await bounded_form(request)).get("retour")
        return not_found(request) if record is None else back_to_list("republie", back)

    return router
