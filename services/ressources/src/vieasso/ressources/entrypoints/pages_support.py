"""What the catalogue's pages share: templates on the common layout, labels, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.images.pictures import shown
from vieasso.common.messages.ressources import Half
from vieasso.common.settings import Settings
from vieasso.common.web import Kind, Sessions, page_templates, site_urls
from vieasso.common.web.pages import PageRenderer
from vieasso.ressources.domain.calendar import local_day
from vieasso.ressources.domain.catalogue import Handover, Room
from vieasso.ressources.handlers.catalogue import Catalogue

PACKAGE = Path(__file__).resolve().parent.parent
RESERVATIONS = "/espace-association/reservations"
CATEGORIES = {
    "barnums": "Barnums et tonnelles",
    "sonorisation": "Sonorisation",
    "exposition": "Exposition et affichage",
    "mobilier": "Tables, chaises et bancs",
    "vaisselle": "Vaisselle et buvette",
    "electricite": "Électricité et éclairage",
    "video": "Vidéo",
    "scene": "Scène",
    "securite": "Barrières et sécurité",
}
HANDOVER = {
    Handover.PICKUP.value: "À retirer au lieu de stockage",
    Handover.PICKUP_OR_DELIVERY.value: "À retirer, ou livré par les agents de la Ville",
}
WEEKDAYS = dict(
    enumerate(("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"), start=1)
)
HALVES = {Half.MORNING.value: "matin", Half.AFTERNOON.value: "après-midi"}


class PageSource(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> Sessions: ...

    def catalogue(self) -> Catalogue: ...


def opening_text(room: Room) -> list[str]:
    """« Lundi : matin et après-midi », one line per open day."""
    lines = []
    for day in sorted(room.opening):
        halves = [HALVES[h.value] for h in room.opening[day]]
        if halves:
            lines.append(f"{WEEKDAYS[day]} : {' et '.join(halves)}")
    return lines


class Pages(PageRenderer):
    MESSAGE = "catalogue_message.html.j2"

    def __init__(self, source: PageSource) -> None:
        self.source = source
        self.templates = page_templates(PACKAGE, source.settings)
        self.templates.env.globals.update(
            categories=CATEGORIES,
            handover_labels=HANDOVER,
            reservations=RESERVATIONS,
            opening_text=opening_text,
            shown=shown,
        )
        self.sign_in = f"{site_urls(source.settings).annuaire}/espace-ville/connexion"

    def closed_days(self, cat: Catalogue) -> list[Any]:
        """The next closed days (holidays and city closures) shown beside the catalogue."""
        return cat.calendar().upcoming(local_day(cat.clock.now()), limit=6)

    async def refused(self, request: Request) -> Response | None:
        """None for the city's staff; otherwise the sign-in page (GET) or a refusal."""
        sessions = self.source.sessions
        if await sessions.city(request):
            return None
        cookie = sessions.has_cookie(request, Kind.CITY)
        if not cookie and request.method == "GET":
            return RedirectResponse(self.sign_in, status_code=303)
        text = "Cette page est réservée au Service Vie associative de la Ville."
        link = (self.sign_in, "Se connecter")
        return self.message(request, 403 if cookie else 401, "Accès réservé", text, link=link)
