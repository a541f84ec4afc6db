"""The city's screens (`/ecrans`, city space): define, edit, delete; decide announcements.

A screen is a place (venues of the directory, or a quartier), an orientation, a layout and
an optional theme; its page is `/ecran/{id}` (`screen_display.py`). The associations'
requests to announce an event on screens wait here for the city's answer: accepted, or
refused with a reason that is mailed to the association.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from vieasso.agenda.domain.screens import (
    VENUES_NEEDED,
    AnnouncementState,
    Layout,
    Orientation,
    ScreenSettings,
)
from vieasso.common.http.limits import bounded_form
from vieasso.common.validation import french_errors
from vieasso.common.web import Kind, site_urls

if TYPE_CHECKING:
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring

SPACE = "/ecrans"
ScreenIdPath = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
AnnouncementIdPath = Annotated[str, Path(pattern=r"^[a-z0-9]{1,40}$")]
ORIENTATIONS = [
    (Orientation.LANDSCAPE.value, "Paysage (16:9)"),
    (Orientation.PORTRAIT.value, "Portrait (9:16)"),
]
LAYOUTS = [
    (Layout.NOW_NEXT.value, "Maintenant / ensuite (dans un lieu)"),
    (Layout.TODAY.value, "Aujourd'hui"),
    (Layout.WEEK.value, "Cette semaine"),
]
FIELDS = {
    "name": "nom",
    "venues": "lieux",
    "quartier": "quartier",
    "orientation": "orientation",
    "layout": "disposition",
    "theme": "theme",
}
LABELS = {
    "nom": "Nom",
    "lieux": "Lieux",
    "quartier": "Quartier",
    "orientation": "Orientation",
    "disposition": "Mise en page",
    "theme": "Thème",
    "motif": "Motif",
}
NOTICES = {
    "cree": "L'écran est créé : ouvrez son adresse sur le navigateur de l'écran.",
    "modifie": "L'écran est modifié : il se met à jour tout seul dans la minute.",
    "supprime": "L'écran est supprimé.",
    "acceptee": "L'annonce est acceptée : elle passe sur les écrans choisis aux dates prévues.",
    "refusee": "L'annonce est refusée : l'association reçoit le motif par courriel.",
}


def read_screen_form(form: FormData) -> dict[str, Any]:
    """The typed values, as the form sends them."""

    def one(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    return {
        "nom": one("nom"),
        "lieux": [v for v in form.getlist("lieux") if isinstance(v, str) and v],
        "quartier": one("quartier"),
        "orientation": one("orientation") or Orientation.LANDSCAPE.value,
        "disposition": one("disposition") or Layout.TODAY.value,
        "theme": one("theme"),
    }


def parse_screen(values: dict[str, Any]) -> ScreenSettings | dict[str, str]:
    try:
        return ScreenSettings(
            name=values["nom"], venues=tuple(values["lieux"]), quartier=values["quartier"] or None,
            orientation=values["orientation"], layout=values["disposition"],
            theme=values["theme"] or None,
        )  # fmt: skip
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in french_errors(exc):
            name = FIELDS.get(error.field.split(".")[0], "lieux")
            errors.setdefault(name, error.message.removeprefix("Value error, "))
        if values["disposition"] == Layout.NOW_NEXT.value and not values["lieux"]:
            errors.setdefault("lieux", VENUES_NEEDED)  # said with the others, not after them
        return errors


def city_guard(wiring: Wiring, pages: Pages) -> Callable[[Request], Awaitable[Response | None]]:
    """None for the city's staff; otherwise the sign-in page or a refusal."""
    sign_in = f"{site_urls(wiring.settings).annuaire}/espace-ville/connexion"

    async def refused(request: Request) -> Response | None:
        if await wiring.sessions.city(request):
            return None
        cookie = wiring.sessions.has_cookie(request, Kind.CITY)
        if not cookie and request.method == "GET":
            return RedirectResponse(sign_in, status_code=303)
        text = "Cette page est réservée au Service Vie associative de la Ville."
        status = 403 if cookie else 401
        link = (sign_in, "Se connecter")
        return pages.message(request, status, "Accès réservé", text, link=link)

    return refused


def not_found(pages: Pages, request: Request) -> Response:
    text = "Cet écran ou cette annonce n'existe pas."
    return pages.message(request, 404, "Introuvable", text, link=(SPACE, "Retour"))


def build_router(wiring: Wiring, pages: Pages) -> APIRouter:
    router = APIRouter(prefix=SPACE, include_in_schema=False)

    refused = city_guard(wiring, pages)

    def choices() -> dict[str, Any]:
        directory = wiring.directory
        return {
            "venues": sorted((v.id, v.name) for v in directory.venues() if not v.archived),
            "quartiers": sorted((q.code, q.label) for q in directory.quartiers()),
            "themes": sorted((t.code, t.label) for t in directory.themes()),
            "orientations": ORIENTATIONS,
            "layouts": LAYOUTS,
            "labels": LABELS,
            "space": SPACE,
        }

    def screen_form(
        request: Request, values: dict[str, Any], errors: dict[str, str], screen_id: str | None
    ) -> Response:
        action = f"{SPACE}/{screen_id}" if screen_id else f"{SPACE}/nouveau"
        context = choices() | {
            "values": values,
            "errors": errors,
            "action": action,
            "screen_id": screen_id,
        }
        status = 422 if errors else 200
        return pages.render(
            request, "screens/city_screen_form.html.j2", context, status=status, private=True
        )

    @router.get("")
    async def screens(request: Request) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        store = wiring.screens()
        names = {s.id: s.name for s in store.all_screens()}
        waiting = []
        for a in sorted(store.all_announcements(), key=lambda a: a.requested_at):
            if a.state is not AnnouncementState.REQUESTED:
                continue
            entry = wiring.catalog.get(f"{a.association}.{a.event_id}")
            found = wiring.directory.association(a.association)
            waiting.append({
                "id": a.id, "first_day": a.first_day, "last_day": a.last_day,
                "title": entry.record.event.content.title if entry else a.event_id,
                "url": str(entry.record.event.url) if entry else None,
                "association": found.name if found else a.association,
                "screens": [names.get(s, s) for s in a.screens],
            })  # fmt: skip
        context = choices() | {
            "screens": store.all_screens(),
            "waiting": waiting,
            "public_url": pages.public_url,
            "notice": next((NOTICES[k] for k in NOTICES if request.query_params.get(k)), None),
        }
        return pages.render(request, "screens/city_screens.html.j2", context, private=True)

    @router.get("/nouveau")
    async def new_form(request: Request) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        return screen_form(request, read_screen_form(FormData()), {}, None)

    @router.post("/nouveau")
    async def create(request: Request) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        values = read_screen_form(await bounded_form(request))
        parsed = parse_screen(values)
        if isinstance(parsed, dict):
            return screen_form(request, values, parsed, None)
        await wiring.screen_handlers().save_screen(parsed, None)
        return RedirectResponse(f"{SPACE}?cree=1", status_code=303)

    @router.get("/{screen_id}")
    async def edit_form(request: Request, screen_id: ScreenIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        screen = wiring.screens().screen(screen_id)
        if screen is None:
            return not_found(pages, request)
        values = {
            "nom": screen.name, "lieux": list(screen.venues), "quartier": screen.quartier or "",
            "orientation": screen.orientation.value, "disposition": screen.layout.value,
            "theme": screen.theme or "",
        }  # fmt: skip
        return screen_form(request, values, {}, screen_id)

    @router.post("/{screen_id}")
    async def edit(request: Request, screen_id: ScreenIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        values = read_screen_form(await bounded_form(request))
        parsed = parse_screen(values)
        if isinstance(parsed, dict):
            return screen_form(request, values, parsed, screen_id)
        try:
            await wiring.screen_handlers().save_screen(parsed, screen_id)
        except KeyError:
            return not_found(pages, request)
        return RedirectResponse(f"{SPACE}?modifie=1", status_code=303)

    @router.post("/{screen_id}/supprimer")
    async def delete(request: Request, screen_id: ScreenIdPath) -> Response:
        if (refusal := await refused(request)) is not None:
            return refusal
        if not await wiring.screen_handlers().delete_screen(screen_id):
            return not_found(pages, request)
        return RedirectResponse(f"{SPACE}?supprime=1", status_code=303)

    return router
