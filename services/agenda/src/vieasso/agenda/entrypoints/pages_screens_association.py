"""An association's announcements on the city's screens (`/espace-association/annonces`).

From its space, an association asks for one of its upcoming events (with its poster) to be
shown on chosen screens between two days; it sees the city's answer (and its reason) here,
and may withdraw a request or an accepted announcement.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.screens import AnnouncementError, AnnouncementState
from vieasso.agenda.entrypoints.pages_form import AssociationSpace
from vieasso.common.http.limits import bounded_form

if TYPE_CHECKING:
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring

SPACE = "/espace-association/annonces"
AnnouncementIdPath = Annotated[str, Path(pattern=r"^[a-z0-9]{1,40}$")]
STATES = {
    AnnouncementState.REQUESTED: "En attente de la Ville",
    AnnouncementState.APPROVED: "Acceptée",
    AnnouncementState.REFUSED: "Refusée",
    AnnouncementState.WITHDRAWN: "Retirée",
}
LABELS = {"evenement": "Événement", "ecrans": "Écrans", "du": "Premier jour", "au": "Dernier jour"}
NOTICES = {
    "demandee": "Votre demande est envoyée : la Ville vous répond par courriel.",
    "retiree": "L'annonce est retirée.",
}


def _day(form: FormData, name: str) -> date | None:
    value = form.get(name)
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(prefix=SPACE, include_in_schema=False)
    space = AssociationSpace(wiring, pages, SPACE)

    def render(
        request: Request, slug: str, values: dict[str, Any], errors: dict[str, str]
    ) -> Response:
        now = wiring.clock.now()
        store = wiring.screens()
        names = {s.id: s.name for s in store.all_screens()}
        events = sorted(
            (
                e
                for e in wiring.catalog
                if e.listing.association == slug
                and e.listing.visible_at(now)
                and e.listing.end > now
            ),
            key=lambda e: e.sort_key,
        )
        mine = []
        for a in sorted(store.all_announcements(), key=lambda a: a.requested_at, reverse=True):
            if a.association != slug:
                continue
            entry = wiring.catalog.get(f"{slug}.{a.event_id}")
            mine.append({
                "id": a.id, "state": STATES[a.state], "reason": a.reason,
                "title": entry.record.event.content.title if entry else a.event_id,
                "screens": [names.get(s, s) for s in a.screens],
                "first_day": a.first_day, "last_day": a.last_day,
                "open": a.state in (AnnouncementState.REQUESTED, AnnouncementState.APPROVED),
            })  # fmt: skip
        context = {
            "events": [
                (
                    e.listing.key.partition(".")[2],
                    e.record.event.content.title,
                    bool(e.record.event.poster),
                )
                for e in events
            ],
            "screens": [(s.id, s.name) for s in store.all_screens()],
            "mine": mine,
            "values": values,
            "errors": errors,
            "labels": LABELS,
            "space": SPACE,
            "notice": next((NOTICES[k] for k in NOTICES if request.query_params.get(k)), None),
        }
        status = 422 if errors else 200
        return pages.render(
            request,
            "screens/association_announcements.html.j2",
            context,
            status=status,
            private=True,
        )

    @router.get("")
    async def announcements(request: Request) -> Response:
        slug = await space.signed_in(request)
        if isinstance(slug, Response):
            return slug
        today = wiring.clock.now().astimezone(PARIS).date()
        values = {
            "evenement": "",
            "ecrans": [],
            "du": today.isoformat(),
            "au": (today + timedelta(days=7)).isoformat(),
        }
        return render(request, slug, values, {})

    @router.post("")
    async def ask(request: Request) -> Response:
        slug = await space.signed_in(request)
        if isinstance(slug, Response):
            return slug
        form = await bounded_form(request)
        typed = form.get("evenement")
        event_id = typed if isinstance(typed, str) else ""
        screens = tuple(dict.fromkeys(s for s in form.getlist("ecrans") if isinstance(s, str)))
        values: dict[str, Any] = {
            "evenement": event_id,
            "ecrans": list(screens),
            "du": str(form.get("du") or ""),
            "au": str(form.get("au") or ""),
        }
        errors: dict[str, str] = {}
        entry = wiring.catalog.get(f"{slug}.{event_id}")
        now = wiring.clock.now()
        if entry is None or not entry.listing.visible_at(now) or entry.listing.end <= now:
            errors["evenement"] = "Choisissez un de vos événements à venir."
        first, last = _day(form, "du"), _day(form, "au")
        if first is None:
            errors["du"] = "Indiquez le premier jour (JJ/MM/AAAA)."
        if last is None:
            errors["au"] = "Indiquez le dernier jour (JJ/MM/AAAA)."
        if not errors and first is not None and last is not None:
            try:
                await wiring.screen_handlers().request(slug, event_id, screens, first, last)
            except AnnouncementError as exc:
                errors = exc.errors
        if errors:
            return render(request, slug, values, errors)
        return RedirectResponse(f"{SPACE}?demandee=1", status_code=303)

    @router.post("/{announcement_id}/retirer")
    async def withdraw(request: Request, announcement_id: AnnouncementIdPath) -> Response:
        slug = await space.signed_in(request)
        if isinstance(slug, Response):
            return slug
        if not await wiring.screen_handlers().withdraw(slug, announcement_id):
            text = "Cette annonce n'existe pas ou n'est plus en cours."
            return pages.message(
                request, 404, "Annonce introuvable", text, link=(SPACE, "Mes annonces")
            )
        return RedirectResponse(f"{SPACE}?retiree=1", status_code=303)

    return router
