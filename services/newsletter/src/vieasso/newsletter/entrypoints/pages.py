"""The French pages people reach from the form and from the links in mails.

`GET /desabonnement` only shows a button: mail scanners follow links, so a GET never
unsubscribes. `POST /desabonnement?token=` does, with no cookie and no CSRF token (RFC 8058
one-click: the body is `List-Unsubscribe=One-Click`, or the page's empty form), and answers
200 directly (mail providers posting it follow no redirect); the confirmation link works the
same way (`pages_confirm.py`). The forms answer a success with a 303 (Post/Redirect/Get) and
a refusal with the form again (422), each message next to its field and every typed value
kept.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from vieasso.common.http.ratelimit import retry_after
from vieasso.newsletter.domain.subscriber import Preferences, SubscriberState
from vieasso.newsletter.domain.tokens import InvalidToken, Purpose
from vieasso.newsletter.entrypoints.deps import BUSY, Service, client_ip, subscribe_wait
from vieasso.newsletter.entrypoints.schemas import SubscriptionRequest
from vieasso.newsletter.entrypoints.web import (
    BAD_LINK,
    Form,
    choices,
    chosen_from,
    chosen_of,
    first,
    message,
    preferences_from,
    render,
)
from vieasso.newsletter.handlers.subscriptions import Busy, UnknownSubscriber
from vieasso.newsletter.service import Newsletter

OptionalToken = Annotated[str, Query(max_length=400)]
STATES = {
    SubscriberState.PENDING: "en attente de confirmation",
    SubscriberState.ACTIVE: "actif",
    SubscriberState.UNSUBSCRIBED: "désabonné",
    SubscriberState.SUSPENDED: "suspendu (les messages ne parviennent pas à l’adresse)",
}
SUBSCRIBE = "S’abonner à la lettre"
BAD_EMAIL = "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."


def build_router() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    def subscribe_page(
        request: Request, service: Newsletter, fields: dict[str, list[str]], errors: dict[str, str]
    ) -> HTMLResponse:
        return render(
            request,
            "abonnement.html.j2",
            422 if errors else 200,
            title=SUBSCRIBE,
            errors=errors,
            email=first(fields, "email"),
            form_version=service.settings.form_version,
            **choices(service, chosen_from(fields) if fields else chosen_of(Preferences())),
        )

    @router.get("/abonnement")
    async def subscribe_form(request: Request, service: Service) -> HTMLResponse:
        return subscribe_page(request, service, {}, {})

    @router.post("/abonnement", response_model=None)
    async def subscribe(
        request: Request, service: Service, fields: Form
    ) -> HTMLResponse | RedirectResponse:
        wait = await subscribe_wait(request, service)
        if wait:
            page = message(request, "Trop de demandes", "Réessayez plus tard.", status=429)
            page.headers.update(retry_after(wait))
            return page
        email = first(fields, "email").strip()
        preferences, errors = preferences_from(service, fields)
        try:
            SubscriptionRequest(email=email)
        except ValidationError:
            errors = {"email": BAD_EMAIL, **errors}
        if errors or preferences is None:
            return subscribe_page(request, service, fields, errors)
        if not first(fields, "website"):  # the honeypot: robots fill every field
            try:
                await service.subscriptions.submit(email, preferences, client_ip(request))
            except Busy:
                page = message(request, "Service surchargé", BUSY, status=503)
                page.headers.update(retry_after(60))
                return page
        return RedirectResponse(f"{service.links.base}/abonnement/envoye", status_code=303)

    @router.get("/abonnement/envoye")
    async def subscribe_sent(request: Request) -> HTMLResponse:
        return message(
            request,
            "Vérifiez votre messagerie",
            "Si cette adresse peut recevoir la lettre, un message de confirmation vient d’y "
            "être envoyé.",
            "Cliquez sur le lien qu’il contient pour confirmer votre abonnement.",
        )

    async def preferences_page(
        request: Request,
        service: Newsletter,
        token: str,
        *,
        saved: bool = False,
        fields: dict[str, list[str]] | None = None,
        errors: dict[str, str] | None = None,
    ) -> HTMLResponse:
        try:
            subscriber, _ = await service.subscriptions.subscriber(token, Purpose.MANAGE)
        except (InvalidToken, UnknownSubscriber):
            return message(request, "Lien invalide", *BAD_LINK, status=400)
        chosen = chosen_from(fields) if fields else chosen_of(subscriber.preferences)
        return render(
            request,
            "preferences.html.j2",
            422 if errors else 200,
            title="Mes préférences",
            saved=saved,
            token=token,
            email=subscriber.email,
            state=STATES[subscriber.state],
            errors=errors or {},
            **choices(service, chosen),
        )

    @router.get("/preferences")
    async def preferences(
        request: Request, service: Service, token: OptionalToken = "", enregistre: str = ""
    ) -> HTMLResponse:
        return await preferences_page(request, service, token, saved=bool(enregistre))

    @router.post("/preferences", response_model=None)
    async def save_preferences(
        request: Request, service: Service, fields: Form
    ) -> HTMLResponse | RedirectResponse:
        token = first(fields, "token")
        chosen, errors = preferences_from(service, fields)
        if errors or chosen is None:
            return await preferences_page(request, service, token, fields=fields, errors=errors)
        try:
            await service.subscriptions.update_preferences(token, chosen)
        except (InvalidToken, UnknownSubscriber):
            return message(request, "Lien invalide", *BAD_LINK, status=400)
        target = f"{service.links.base}/preferences?token={quote(token)}&enregistre=1"
        return RedirectResponse(target, status_code=303)

    @router.get("/desabonnement")
    async def unsubscribe_page(request: Request, token: OptionalToken = "") -> HTMLResponse:
        """Shows a button; never unsubscribes (link scanners send GETs)."""
        return render(request, "desabonnement.html.j2", title="Se désabonner", token=token)

    @router.post("/desabonnement")
    async def unsubscribe(
        request: Request, service: Service, token: OptionalToken = "", gestion: str = ""
    ) -> HTMLResponse:
        """RFC 8058 one-click: no cookie, no CSRF token; the token is the authority."""
        purpose = Purpose.MANAGE if gestion else Purpose.UNSUBSCRIBE
        try:
            await service.subscriptions.unsubscribe(token, purpose)
        except InvalidToken:
            return message(request, "Lien invalide", *BAD_LINK, status=400)
        return message(
            request,
            "Vous êtes désabonné·e",
            "Vous ne recevrez plus la lettre à cette adresse.",
            "Vous pouvez vous réabonner à tout moment depuis le formulaire d’abonnement.",
            link=(f"{service.links.base}/abonnement", SUBSCRIBE),
        )

    return router
