"""The confirmation link of the double opt-in.

`GET /abonnement/confirmer?token=` only shows a button: mail scanners and link previews
follow links, so a GET never confirms. The `POST` of that button confirms, with no cookie and
no CSRF token (the token is the authority, as for the RFC 8058 unsubscription). A link mailed
before the person left (unsubscribed, suspended) answers 410 and changes nothing
(`Subscriber.confirmation`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vieasso.newsletter.domain.subscriber import Confirmation, OutdatedLink
from vieasso.newsletter.domain.tokens import InvalidToken
from vieasso.newsletter.entrypoints.deps import Service
from vieasso.newsletter.entrypoints.web import BAD_LINK, message, render
from vieasso.newsletter.handlers.subscriptions import UnknownSubscriber
from vieasso.newsletter.service import Newsletter

OptionalToken = Annotated[str, Query(max_length=400)]
SUBSCRIBE = "S’abonner à la lettre"


def outdated(request: Request, service: Newsletter) -> HTMLResponse:
    """A confirmation link mailed before the person left: it brings nobody back."""
    return message(
        request,
        "Ce lien de confirmation n’est plus valable",
        "L’abonnement a été arrêté depuis l’envoi de ce lien (désabonnement, ou adresse qui "
        "ne recevait plus nos messages) : ce lien ne peut pas le reprendre.",
        "Pour recevoir à nouveau la lettre, abonnez-vous : un nouveau lien vous sera envoyé.",
        status=410,
        link=(f"{service.links.base}/abonnement", SUBSCRIBE),
    )


def build_router() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get("/abonnement/confirmer")
    async def confirm_page(
        request: Request, service: Service, token: OptionalToken = ""
    ) -> HTMLResponse:
        """Shows a button; never confirms (mail scanners follow links)."""
        try:
            verdict = await service.subscriptions.confirmation(token)
        except (InvalidToken, UnknownSubscriber):
            return message(request, "Lien invalide", *BAD_LINK, status=400)
        if verdict is Confirmation.OUTDATED:
            return outdated(request, service)
        if verdict is Confirmation.ALREADY_DONE:
            return message(
                request,
                "Abonnement déjà confirmé",
                "Votre abonnement est déjà confirmé : il n’y a rien d’autre à faire.",
                "Vous pouvez changer vos préférences depuis le lien présent dans chaque lettre.",
            )
        return render(request, "confirmer.html.j2", title="Confirmer l’abonnement", token=token)

    @router.post("/abonnement/confirmer")
    async def confirm(
        request: Request, service: Service, token: OptionalToken = ""
    ) -> HTMLResponse:
        """The page's button: no cookie, no CSRF token; the token is the authority."""
        try:
            subscriber = await service.subscriptions.confirm(token)
        except (InvalidToken, UnknownSubscriber):
            return message(request, "Lien invalide", *BAD_LINK, status=400)
        except OutdatedLink:
            return outdated(request, service)
        return message(
            request,
            "Abonnement confirmé",
            "Merci ! Vous recevrez la prochaine lettre de la vie associative de Besançon.",
            "Vous pouvez changer vos préférences à tout moment, depuis ce lien ou depuis "
            "celui présent dans chaque lettre.",
            link=(service.links.preferences(subscriber.id), "Changer mes préférences"),
        )

    return router
