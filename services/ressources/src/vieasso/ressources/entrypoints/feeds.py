"""Calendars (ICS): a model's busy days, a room's booked half-days (public, no association
named), and an association's own pickups and returns (private, secret address).

- ``GET /feeds/materiel/{model_id}.ics`` and ``/feeds/salles/{room_id}.ics``: anyone.
- ``GET /feeds/associations/{slug}/prets.ics?jeton=<key>``: the key of `domain.feeds_key`
  (what a calendar application can send), or ``Authorization: Bearer <association token>``
  (a tool). A wrong or revoked key, or an unknown association, gets the same 404.
- ``GET /espace-association/reservations/calendrier``: the signed-in association's address.

Answers carry a strong ETag (304 when the client has these bytes). Bodies are rendered on
each request from the loans in memory: the same stored loans give the same bytes.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.web import Kind, site_urls
from vieasso.common.web.calendars import calendar_response
from vieasso.common.web.session_store import credential_of, token_hash
from vieasso.ressources.adapters import ics
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.feeds_key import feed_key, key_matches
from vieasso.ressources.domain.ics_busy import Handover, handovers, model_busy, room_booked
from vieasso.ressources.domain.loans import LoanLine
from vieasso.ressources.entrypoints import exports
from vieasso.ressources.entrypoints.pages_support import RESERVATIONS, Pages, PageSource
from vieasso.ressources.handlers.unit import Lending

PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, max-age=300"
CALENDAR_PAGE = f"{RESERVATIONS}/calendrier"
IdPath = Annotated[str, Path(min_length=1, max_length=80, pattern=SLUG_PATTERN)]
NO_FEED = (
    "Ce calendrier n'existe pas, ou son adresse a été révoquée (l'association a reçu un "
    "nouveau jeton) : l'adresse à jour est dans l'espace association, page « Mes réservations »."
)


class FeedSource(PageSource, Protocol):
    def lending(self) -> Lending: ...


def install_feeds(app: FastAPI, pages: Pages, source: FeedSource) -> None:
    """The calendars and the loans' export."""
    app.include_router(build_router(pages, source))
    app.include_router(exports.build_router(pages, source))


class Feeds:
    def __init__(self, pages: Pages, source: FeedSource) -> None:
        self.pages = pages
        self.source = source

    @property
    def domain(self) -> str:
        return self.source.settings.domain

    def _secret(self) -> str:
        return self.source.settings.admin_token.get_secret_value()

    def entry(self, kind: ResourceKind, entry_id: str) -> EquipmentModel | Room | None:
        found = self.source.catalogue().store.get(kind, entry_id)
        return found.value if found is not None else None

    def name_of(self, line: LoanLine) -> str:
        entry = self.entry(line.kind, line.resource_id)
        return entry.name if entry is not None else line.resource_id

    def place_of(self, item: Handover) -> str | None:
        places: list[str] = []
        for line in item.lines:
            entry = self.entry(line.kind, line.resource_id)
            place = None
            if isinstance(entry, EquipmentModel):
                place = entry.storage_place
            elif isinstance(entry, Room):
                venue = self.source.catalogue().directory.venue(entry.venue_id)
                place = f"{venue.name}, {venue.address}" if venue is not None else None
            if place is not None and place not in places:
                places.append(place)
        return " ; ".join(places) or None

    async def fingerprint(self, slug: str) -> str | None:
        """The fingerprint of the association's current token (None: no validated
        association, or no token)."""
        return await self.source.sessions.store.association_credential(slug)

    async def allowed(self, request: Request, slug: str, key: str | None) -> bool:
        fingerprint = await self.fingerprint(slug)
        if fingerprint is None:
            return False
        if key is not None:
            return key_matches(self._secret(), slug, fingerprint, key)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        given = credential_of(token_hash(token.strip()))
        return hmac.compare_digest(given.encode(), fingerprint.encode())

    async def address(self, slug: str) -> str | None:
        fingerprint = await self.fingerprint(slug)
        if fingerprint is None:
            return None
        base = site_urls(self.source.settings).ressources
        key = feed_key(self._secret(), slug, fingerprint)
        return f"{base}/feeds/associations/{slug}/prets.ics?jeton={key}"

    def not_found(self, request: Request, text: str) -> Response:
        return self.pages.message(request, 404, "Calendrier introuvable", text)


CALENDAR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Le calendrier (iCalendar).", "content": {"text/calendar": {}}},
    304: {"description": "Inchangé depuis la version que le client a (ETag)."},
    404: {
        "description": "Inconnu, ou adresse révoquée : une page en français.",
        "content": {"text/html": {}},
    },
}


def build_router(pages: Pages, source: FeedSource) -> APIRouter:
    feeds = Feeds(pages, source)
    router = APIRouter(tags=["calendriers"])

    @router.get(
        "/feeds/materiel/{model_id}.ics",
        summary="Jours où un matériel est prêté",
        responses=CALENDAR_RESPONSES,
    )
    async def model_feed(request: Request, model_id: IdPath) -> Response:
        model = feeds.entry(ResourceKind.EQUIPMENT, model_id)
        if not isinstance(model, EquipmentModel):
            return feeds.not_found(request, "Ce matériel n'est pas au catalogue de la Ville.")
        loans = source.lending().loans.mirror.items.values()
        runs = model_busy(model.id, model.stock, model.buffer_days, loans)
        body = ics.model_calendar(model.id, model.name, runs, feeds.domain)
        return calendar_response(request, body, PUBLIC_CACHE)

    @router.get(
        "/feeds/salles/{room_id}.ics",
        summary="Demi-journées où une salle est réservée",
        responses=CALENDAR_RESPONSES,
    )
    async def room_feed(request: Request, room_id: IdPath) -> Response:
        room = feeds.entry(ResourceKind.ROOM, room_id)
        if not isinstance(room, Room):
            return feeds.not_found(request, "Cette salle n'est pas au catalogue de la Ville.")
        days = room_booked(room.id, source.lending().loans.mirror.items.values())
        body = ics.room_calendar(room.id, room.name, days, feeds.domain)
        return calendar_response(request, body, PUBLIC_CACHE)

    @router.get(
        "/feeds/associations/{slug}/prets.ics",
        summary="Retraits et retours de matériel d'une association (adresse secrète)",
        responses=CALENDAR_RESPONSES,
    )
    async def association_feed(
        request: Request,
        slug: IdPath,
        jeton: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Response:
        if not await feeds.allowed(request, slug, jeton):
            return feeds.not_found(request, NO_FEED)
        association = source.catalogue().directory.association(slug)
        title = f"Prêts de la Ville — {association.name if association else slug}"
        items = handovers(slug, source.lending().loans.mirror.items.values())
        body = ics.association_calendar(title, items, feeds.name_of, feeds.place_of, feeds.domain)
        return calendar_response(request, body, PRIVATE_CACHE)

    @router.get(CALENDAR_PAGE, include_in_schema=False)
    async def calendar_page(request: Request) -> Response:
        sessions = source.sessions
        slug = await sessions.association(request)
        if slug is None:
            sign_in = f"{site_urls(source.settings).annuaire}/espace-association/connexion"
            if not sessions.has_cookie(request, Kind.ASSOCIATION):
                return RedirectResponse(sign_in, status_code=303)
            text = "Votre session a pris fin : reconnectez-vous."
            return pages.message(request, 403, "Accès réservé", text, link=(sign_in, "Connexion"))
        address = await feeds.address(slug)
        webcal = f"webcal://{address.split('://', 1)[1]}" if address else None
        context = {"address": address, "webcal": webcal}
        return pages.render(request, "feeds_calendrier.html.j2", context, private=True)

    return router
