"""Pages of one's data (GDPR export and erasure, from the preferences page) and the archives
of the editions sent (the residents' ones under ``/archives``, the associations' letter's
under ``/lettre-des-associations/archives``): each as a page of the site, and as the mail
it was."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from vieasso.common.http.headers import mail_html_headers
from vieasso.common.messages.newsletter import LetterAudience
from vieasso.newsletter.adapters.rendering import HEADINGS
from vieasso.newsletter.domain.edition import Edition, EditionState
from vieasso.newsletter.domain.letter import LETTER_HEADINGS
from vieasso.newsletter.domain.subscriber import Topic
from vieasso.newsletter.domain.tokens import InvalidToken
from vieasso.newsletter.entrypoints.deps import Service
from vieasso.newsletter.entrypoints.web import BAD_LINK, NO_STORE, Form, first, message, render
from vieasso.newsletter.handlers.links import LETTER_PATH
from vieasso.newsletter.handlers.subscriptions import UnknownSubscriber

OptionalToken = Annotated[str, Query(max_length=400)]
ARCHIVE_SECTION = 60  # items per section on the archive page (page budget: 100 KB)
ARCHIVES = {  # each letter's archive, apart
    "/archives": LetterAudience.HABITANTS,
    f"{LETTER_PATH}/archives": LetterAudience.ASSOCIATIONS,
}


def build_router() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get("/donnees")
    async def export(service: Service, token: OptionalToken = "") -> JSONResponse:
        try:
            data = await service.subscriptions.export(token)
        except (InvalidToken, UnknownSubscriber):
            return JSONResponse({"detail": BAD_LINK[0]}, status_code=404)
        headers = {"Content-Disposition": 'attachment; filename="mes-donnees.json"', **NO_STORE}
        return JSONResponse(data, headers=headers)

    @router.get("/donnees/effacer")
    async def erase_page(request: Request, token: OptionalToken = "") -> HTMLResponse:
        """Asks to confirm; a GET never erases (link scanners, a slip of the finger)."""
        return render(request, "effacer.html.j2", title="Effacer mes données", token=token)

    @router.post("/donnees/effacer")
    async def erase(request: Request, service: Service, fields: Form) -> HTMLResponse:
        try:
            await service.subscriptions.erase(first(fields, "token"))
        except InvalidToken:
            return message(request, "Lien invalide", *BAD_LINK, status=400)
        return message(
            request, "Données effacées", "Nous avons effacé votre adresse et vos préférences."
        )

    for archives, audience in ARCHIVES.items():
        _archive_routes(router, archives, audience)
    return router


def _archive_routes(router: APIRouter, archives: str, audience: LetterAudience) -> None:
    """The list of a letter's editions, each edition as a page, and as the mail it was (its
    generic version: every item, no personal link, nothing about one recipient)."""
    headings = LETTER_HEADINGS if audience is LetterAudience.ASSOCIATIONS else HEADINGS

    @router.get(archives)
    async def editions(request: Request, service: Service) -> HTMLResponse:
        subscribe = (f"{service.links.base}/abonnement", "S’abonner à la lettre")
        title = "Les lettres envoyées"
        if audience is LetterAudience.ASSOCIATIONS:
            subscribe = (service.editions.mails.association_space, "Votre espace association")
            title = "Les lettres des associations envoyées"
        return render(
            request,
            "archives.html.j2",
            title=title,
            editions=await service.archived_editions(audience),
            archives=archives,
            subscribe=subscribe,
        )

    @router.get(archives + "/{edition_id}")
    async def archive(request: Request, edition_id: str, service: Service) -> HTMLResponse:
        """The edition as a page of the site: every item, by section (a long section is cut
        at `ARCHIVE_SECTION` items, the rest being on the agenda or in the directory)."""
        found = await service.editions.store.get(edition_id)
        content = await service.editions.store.content(edition_id)
        if not _archived(found, audience) or found is None or content is None:
            return message(request, "Lettre introuvable", "Cette lettre n’existe pas.", status=404)
        sections = [
            (topic.value, headings[topic], items[:ARCHIVE_SECTION], len(items))
            for topic, items in (
                (Topic.ASSOCIATIONS, content.associations),
                (Topic.MISSIONS, content.missions),
                (Topic.EVENEMENTS, content.events),
            )
            if items
        ]
        response = render(
            request,
            "archive.html.j2",
            title=found[0].subject or edition_id,
            edition=found[0],
            sections=sections,
            quartiers=service.quartiers,
            themes=service.themes,
            archives=archives,
        )
        response.headers["Cache-Control"] = "public, max-age=3600"
        del response.headers["X-Robots-Tag"]
        return response

    @router.get(archives + "/{edition_id}/lettre")
    async def archive_mail(request: Request, edition_id: str, service: Service) -> HTMLResponse:
        """The letter itself, as mailed (its generic version: no personal link)."""
        found = await service.editions.store.get(edition_id)
        html = await service.archive_html(edition_id) if _archived(found, audience) else None
        if html is None:
            return message(request, "Lettre introuvable", "Cette lettre n’existe pas.", status=404)
        headers = {"Cache-Control": "public, max-age=3600", **mail_html_headers(service.settings)}
        return HTMLResponse(html, headers=headers)


def _archived(found: tuple[Edition, int] | None, audience: LetterAudience) -> bool:
    return (
        found is not None
        and found[0].state is not EditionState.BUILDING
        and found[0].audience is audience
    )
