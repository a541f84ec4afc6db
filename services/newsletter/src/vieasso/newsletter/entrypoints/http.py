"""HTTP API of the newsletter service (SPEC §4): subscriptions, GDPR, edition status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from vieasso.common.http.ratelimit import retry_after
from vieasso.newsletter.domain.tokens import InvalidToken
from vieasso.newsletter.entrypoints import (
    city,
    city_courrier,
    pages,
    pages_confirm,
    pages_data,
    pages_letter,
)
from vieasso.newsletter.entrypoints.deps import BUSY, Service, client_ip, subscribe_wait
from vieasso.newsletter.entrypoints.schemas import SubscriptionRequest, unknown_codes
from vieasso.newsletter.handlers.subscriptions import Busy, UnknownSubscriber

ACCEPTED = (
    "Merci ! Si cette adresse peut recevoir la lettre, un message de confirmation vient d'y "
    "être envoyé : cliquez sur son lien pour confirmer l'abonnement."
)
BAD_LINK = "Ce lien n'est pas valide ou a expiré."
TOO_MANY = "Trop de demandes depuis votre connexion : réessayez plus tard."
TokenQuery = Annotated[str, Query(min_length=10, max_length=400)]


def build_router() -> APIRouter:
    router = APIRouter()

    @router.post("/api/subscriptions", status_code=202, tags=["abonnements"], summary="S'abonner")
    async def subscribe(
        body: SubscriptionRequest, request: Request, service: Service
    ) -> JSONResponse:
        """Always 202 with the same answer, whether the address is known or not: the
        request is handled after the answer (`Subscriptions.submit`)."""
        wait = await subscribe_wait(request, service)
        if wait:
            return JSONResponse({"detail": TOO_MANY}, status_code=429, headers=retry_after(wait))
        preferences = body.preferences()
        errors = unknown_codes(service, preferences)
        if errors:
            return JSONResponse({"detail": "; ".join(errors)}, status_code=422)
        if not body.website:  # the honeypot: robots fill every field
            try:
                await service.subscriptions.submit(body.email, preferences, client_ip(request))
            except Busy:
                return JSONResponse({"detail": BUSY}, status_code=503, headers=retry_after(60))
        return JSONResponse({"detail": ACCEPTED}, status_code=202)

    @router.get("/api/subscriptions/me", tags=["RGPD"], summary="Exporter mes données")
    async def export(token: TokenQuery, service: Service) -> JSONResponse:
        try:
            data = await service.subscriptions.export(token)
        except (InvalidToken, UnknownSubscriber):
            raise HTTPException(404, BAD_LINK) from None
        return JSONResponse(
            data, headers={"Content-Disposition": 'attachment; filename="mes-donnees.json"'}
        )

    @router.delete(
        "/api/subscriptions/me", status_code=204, tags=["RGPD"], summary="Effacer mes données"
    )
    async def erase(token: TokenQuery, service: Service) -> None:
        try:
            await service.subscriptions.erase(token)
        except InvalidToken:
            raise HTTPException(404, BAD_LINK) from None

    @router.get("/api/editions/{edition_id}", tags=["éditions"], summary="Avancement")
    async def edition_status(edition_id: str, service: Service) -> dict[str, Any]:
        status = await service.edition_status(edition_id)
        if status is None:
            raise HTTPException(404, "Édition inconnue.")
        return status

    router.include_router(pages.build_router())
    router.include_router(pages_confirm.build_router())
    router.include_router(pages_data.build_router())
    router.include_router(pages_letter.build_router())
    router.include_router(city.build_router())
    router.include_router(city_courrier.build_router())
    return router
