"""The French pages people reach from the form and from the links in mails.

`GET /desabonnement` only shows a button: mail scanners follow links, so a GET never
unsubscribes. `POST /desabonnement?token=` does, with no cookie and no CSRF token (RFC 8058
one-click: the body is `List-Unsubscribe=One-Click`, or the page's empty form).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from vieasso.newsletter.domain.subscriber import ALL_TOPICS, Preferences, SubscriberState
from vieasso.newsletter.domain.tokens import InvalidToken, Purpose
from vieasso.newsletter.entrypoints.deps import Service, client_ip, form
from vieasso.newsletter.entrypoints.schemas import SubscriptionRequest, unknown_codes
from vieasso.newsletter.handlers.subscriptions import UnknownSubscriber
from vieasso.newsletter.service import Newsletter

Form = Annotated[dict[str, list[str]], Depends(form)]
OptionalToken = Annotated[str, Query(max_length=400)]
TOPIC_LABELS = {
    "associations": "Les nouvelles associations",
    "missions": "Les missions de bénévolat",
    "evenements": "Les événements à venir",
}
STATES = {
    SubscriberState.PENDING: "en attente de confirmation",
    SubscriberState.ACTIVE: "actif",
    SubscriberState.UNSUBSCRIBED: "désabonné",
    SubscriberState.SUSPENDED: "suspendu (les messages ne parviennent pas à l'adresse)",
}
BAD_LINK = ["Ce lien n'est pas valide ou a expiré.", "Vous pouvez vous abonner à nouveau."]
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def render(service: Newsletter, name: str, status: int = 200, **data: Any) -> HTMLResponse:
    html = service.renderer.page(name, base=service.links.base, **data)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def message(service: Newsletter, title: str, *lines: str, status: int = 200) -> HTMLResponse:
    return render(service, "message.html.j2", status, title=title, paragraphs=lines)


def choices(service: Newsletter, chosen: Preferences) -> dict[str, Any]:
    return {
        "topic_choices": [(t.value, TOPIC_LABELS[t.value]) for t in ALL_TOPICS],
        "themes": sorted(service.themes.items(), key=lambda kv: kv[1]),
        "quartiers": sorted(service.quartiers.items(), key=lambda kv: kv[1]),
        "chosen": {
            "topics": [t.value for t in chosen.topics],
            "themes": chosen.themes,
            "quartiers": chosen.quartiers,
            "frequency": chosen.frequency.value,
        },
    }


def preferences_from(fields: dict[str, list[str]]) -> Preferences:
    return Preferences.model_validate(
        {
            "themes": sorted(set(fields.get("themes", []))),
            "quartiers": sorted(set(fields.get("quartiers", []))),
            "topics": [t for t in ALL_TOPICS if t.value in fields.get("topics", [])],
            "frequency": (fields.get("frequency") or ["hebdomadaire"])[0],
        }
    )


def build_router(  # noqa: PLR0915 - one closure per page
    allowed: Callable[[Request, Newsletter], bool],
) -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get("/abonnement")
    async def subscribe_form(service: Service) -> HTMLResponse:
        return render(
            service,
            "abonnement.html.j2",
            title="S'abonner à la lettre",
            errors=[],
            email="",
            form_version=service.settings.form_version,
            **choices(service, Preferences()),
        )

    @router.post("/abonnement")
    async def subscribe(request: Request, service: Service, fields: Form) -> HTMLResponse:
        if not allowed(request, service):
            return message(service, "Trop de demandes", "Réessayez plus tard.", status=429)
        email = (fields.get("email") or [""])[0].strip()
        errors: list[str] = []
        try:
            preferences = preferences_from(fields)
        except ValidationError:
            preferences, errors = Preferences(), ["Cochez au moins un sujet."]
        try:
            SubscriptionRequest(email=email)
        except ValidationError:
            errors.append("L'adresse électronique n'est pas valide.")
        errors += unknown_codes(service, preferences)
        if errors:
            return render(
                service,
                "abonnement.html.j2",
                422,
                title="S'abonner à la lettre",
                errors=errors,
                email=email,
                form_version=service.settings.form_version,
                **choices(service, preferences),
            )
        if not (fields.get("website") or [""])[0]:
            await service.subscriptions.request(email, preferences, client_ip(request))
        return message(
            service,
            "Vérifiez votre messagerie",
            "Si cette adresse peut recevoir la lettre, un message de confirmation vient d'y "
            "être envoyé.",
            "Cliquez sur le lien qu'il contient pour confirmer votre abonnement.",
        )

    @router.get("/abonnement/confirmer")
    async def confirm(service: Service, token: OptionalToken = "") -> HTMLResponse:
        try:
            subscriber = await service.subscriptions.confirm(token)
        except (InvalidToken, UnknownSubscriber):
            return message(service, "Lien invalide", *BAD_LINK, status=400)
        return message(
            service,
            "Abonnement confirmé",
            "Merci ! Vous recevrez la prochaine lettre de la vie associative de Besançon.",
            f"Vous pouvez changer vos préférences à tout moment : "
            f"{service.links.preferences(subscriber.id)}",
        )

    async def preferences_page(
        service: Newsletter, token: str, saved: bool = False
    ) -> HTMLResponse:
        try:
            subscriber, _ = await service.subscriptions.subscriber(token, Purpose.MANAGE)
        except (InvalidToken, UnknownSubscriber):
            return message(service, "Lien invalide", *BAD_LINK, status=400)
        return render(
            service,
            "preferences.html.j2",
            title="Mes préférences",
            saved=saved,
            token=token,
            email=subscriber.email,
            state=STATES[subscriber.state],
            **choices(service, subscriber.preferences),
        )

    @router.get("/preferences")
    async def preferences(service: Service, token: OptionalToken = "") -> HTMLResponse:
        return await preferences_page(service, token)

    @router.post("/preferences")
    async def save_preferences(service: Service, fields: Form) -> HTMLResponse:
        token = (fields.get("token") or [""])[0]
        try:
            chosen = preferences_from(fields)
        except ValidationError:
            return message(service, "Préférences", "Cochez au moins un sujet.", status=422)
        if unknown_codes(service, chosen):
            return message(service, "Préférences", "Thème ou quartier inconnu.", status=422)
        try:
            await service.subscriptions.update_preferences(token, chosen)
        except (InvalidToken, UnknownSubscriber):
            return message(service, "Lien invalide", *BAD_LINK, status=400)
        return await preferences_page(service, token, saved=True)

    @router.get("/desabonnement")
    async def unsubscribe_page(service: Service, token: OptionalToken = "") -> HTMLResponse:
        """Shows a button; never unsubscribes (link scanners send GETs)."""
        return render(service, "desabonnement.html.j2", title="Se désabonner", token=token)

    @router.post("/desabonnement")
    async def unsubscribe(
        service: Service, token: OptionalToken = "", gestion: str = ""
    ) -> HTMLResponse:
        """RFC 8058 one-click: no cookie, no CSRF token; the token is the authority."""
        purpose = Purpose.MANAGE if gestion else Purpose.UNSUBSCRIBE
        try:
            await service.subscriptions.unsubscribe(token, purpose)
        except InvalidToken:
            return message(service, "Lien invalide", *BAD_LINK, status=400)
        return message(
            service,
            "Vous êtes désabonné·e",
            "Vous ne recevrez plus la lettre à cette adresse.",
            "Vous pouvez vous réabonner à tout moment depuis le formulaire d'abonnement.",
        )

    @router.get("/donnees")
    async def export(service: Service, token: OptionalToken = "") -> JSONResponse:
        try:
            data = await service.subscriptions.export(token)
        except (InvalidToken, UnknownSubscriber):
            return JSONResponse({"detail": BAD_LINK[0]}, status_code=404)
        headers = {"Content-Disposition": 'attachment; filename="mes-donnees.json"', **NO_STORE}
        return JSONResponse(data, headers=headers)

    @router.post("/donnees/effacer")
    async def erase(service: Service, fields: Form) -> HTMLResponse:
        try:
            await service.subscriptions.erase((fields.get("token") or [""])[0])
        except InvalidToken:
            return message(service, "Lien invalide", *BAD_LINK, status=400)
        return message(
            service, "Données effacées", "Nous avons effacé votre adresse et vos préférences."
        )

    @router.get("/archives")
    async def archives(service: Service) -> HTMLResponse:
        editions = await service.archived_editions()
        return render(service, "archives.html.j2", title="Les lettres envoyées", editions=editions)

    @router.get("/archives/{edition_id}")
    async def archive(edition_id: str, service: Service) -> HTMLResponse:
        html = await service.archive_html(edition_id)
        if html is None:
            return message(service, "Lettre introuvable", "Cette lettre n'existe pas.", status=404)
        return HTMLResponse(html, headers={"Cache-Control": "public, max-age=3600"})

    return router
