"""The city's digest pages (`/espace-ville/lettre`): preview the edition due now, send it,
follow its progress. Signed in with the city's session (opened by the annuaire's
`/espace-ville/connexion`, vieasso.common.web.session); the page of an edition being sent
reloads itself every few seconds (`<meta http-equiv="refresh">`, no JavaScript)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vieasso.common.http.headers import mail_html_headers
from vieasso.common.messages.newsletter import Frequency
from vieasso.common.web import sessions_of
from vieasso.newsletter.domain.edition import Edition, EditionState
from vieasso.newsletter.entrypoints.deps import Service
from vieasso.newsletter.entrypoints.web import NO_STORE, Form, first, message, render
from vieasso.newsletter.handlers.preview import generic_html, preview
from vieasso.newsletter.service import Newsletter

PAGE = "/espace-ville/lettre"
REFRESH_SECONDS = 2
FREQUENCIES = [("hebdomadaire", "Lettre hebdomadaire"), ("mensuelle", "Lettre mensuelle")]
STATES = {
    EditionState.BUILDING: "en préparation",
    EditionState.SENDING: "envoi en cours",
    EditionState.SENT: "envoyée",
}
OUTCOMES = {  # counters of a sent edition → (ledger state while sending, French label)
    "delivered": ("sent", "envoyés"),
    "bounced": ("bounced", "adresses en échec définitif (abonnés suspendus)"),
    "failed": ("failed", "échecs"),
    "skipped": ("skipped", "ignorés (désabonnés depuis)"),
    "uncertain": ("", "incertains (envoi interrompu)"),
}


def frequency_of(value: str) -> Frequency:
    """The frequency asked for; the weekly letter for anything else."""
    try:
        return Frequency(value)
    except ValueError:
        return Frequency.HEBDOMADAIRE


async def is_admin(request: Request) -> bool:
    return await sessions_of(request).city(request)


def sign_in(service: Newsletter) -> RedirectResponse:
    return RedirectResponse(
        f"{service.settings.public_url('annuaire')}/espace-ville/connexion", status_code=303
    )


def progress(status: dict[str, Any]) -> tuple[int, list[tuple[str, int]]]:
    """(mails with a final outcome, [(French label, count)]) of an edition's status."""
    sent = status["state"] == EditionState.SENT
    tally = status.get("progress", {})
    counts = [
        (label, status[key] if sent else tally.get(state, 0))
        for key, (state, label) in OUTCOMES.items()
    ]
    return sum(n for _, n in counts), counts


def build_router() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get(PAGE, response_model=None)
    async def letter(request: Request, service: Service, frequence: str = "") -> Response:
        if not await is_admin(request):
            return sign_in(service)
        frequency = frequency_of(frequence)
        found = await preview(service.editions, frequency, service.clock.now())
        return render(
            request,
            "lettre.html.j2",
            title="La lettre d’information",
            preview=found,
            frequencies=FREQUENCIES,
            states=STATES,
            editions=sorted(
                await service.archived_editions(), key=lambda e: (e.created_at, e.id), reverse=True
            )[:12],
        )

    @router.get(f"{PAGE}/apercu", response_model=None)
    async def generic_version(request: Request, service: Service, frequence: str = "") -> Response:
        if not await is_admin(request):
            return sign_in(service)
        now = service.clock.now()
        found = await preview(service.editions, frequency_of(frequence), now, recipients=False)
        if found.content.empty:
            return message(request, "Aperçu", "Rien de nouveau : la lettre serait vide.")
        html = generic_html(service.editions, found, f"{service.links.base}/abonnement")
        return HTMLResponse(
            html, headers={**NO_STORE, **mail_html_headers(service.settings, framed_here=True)}
        )

    @router.post(f"{PAGE}/envoyer", response_model=None)
    async def send(request: Request, service: Service, fields: Form) -> Response:
        if not await is_admin(request):
            return sign_in(service)
        try:
            frequency = Frequency(first(fields, "frequence"))
        except ValueError:
            return message(request, "Envoi", "Fréquence inconnue.", status=422)
        found = await preview(service.editions, frequency, service.clock.now())
        if found.existing is not None:
            return RedirectResponse(f"{PAGE}/{found.edition_id}", status_code=303)
        if not found.can_send:
            return RedirectResponse(f"{PAGE}?frequence={frequency.value}", status_code=303)
        edition = await service.editions.build(frequency)
        return RedirectResponse(f"{PAGE}/{edition.id}", status_code=303)

    @router.get(PAGE + "/{edition_id}", response_model=None)
    async def sending(request: Request, edition_id: str, service: Service) -> Response:
        if not await is_admin(request):
            return sign_in(service)
        status = await service.edition_status(edition_id)
        if status is None:
            return message(request, "Lettre introuvable", "Cette édition n’existe pas.", status=404)
        done, counts = progress(status)
        edition = Edition.model_validate(status)
        return render(
            request,
            "lettre_envoi.html.j2",
            title=f"Envoi de la lettre {edition_id}",
            edition=edition,
            state=STATES[edition.state],
            done=done,
            counts=counts,
            refresh=0 if edition.state is EditionState.SENT else REFRESH_SECONDS,
        )

    return router
