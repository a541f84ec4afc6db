"""Leaving the associations' letter from the link in its mails (RFC 8058).

`GET /lettre-des-associations/desabonnement?token=` shows a page with a button and never
unsubscribes (mail scanners follow links). `POST` does, with no cookie and no CSRF token:
the signed token, bound to the association, is the authority. It publishes the
association's `LetterChoice` (``subscribed: false``; source ``lien-en-un-clic`` for a mail
provider's one-click POST, ``lien-desabonnement`` for the page's button) and answers 200
directly (providers follow no redirect); the next edition skips the association. It can
choose the letter again from its association space (the annuaire).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vieasso.newsletter.domain.tokens import InvalidToken
from vieasso.newsletter.entrypoints.deps import Service
from vieasso.newsletter.entrypoints.web import BAD_LINK, Form, first, message, render
from vieasso.newsletter.handlers.links import LETTER_PATH

Token = Annotated[str, Query(max_length=400)]
UNSUBSCRIBE = f"{LETTER_PATH}/desabonnement"
TITLE = "Ne plus recevoir la lettre des associations"


def build_router() -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get(UNSUBSCRIBE)
    async def unsubscribe_page(
        request: Request, service: Service, token: Token = ""
    ) -> HTMLResponse:
        """Shows a button; never unsubscribes."""
        space = service.editions.mails.association_space
        page = "lettre_desabonnement.html.j2"
        return render(request, page, title=TITLE, token=token, space=space)

    @router.post(UNSUBSCRIBE)
    async def unsubscribe(
        request: Request, service: Service, fields: Form, token: Token = ""
    ) -> HTMLResponse:
        """One-click: no cookie, no CSRF token; the signed token is the authority."""
        from_page = first(fields, "depuis") == "page"
        try:
            await service.letter.leave(
                token, "lien-desabonnement" if from_page else "lien-en-un-clic"
            )
        except InvalidToken:
            return message(request, "Lien invalide", BAD_LINK[0], status=400)
        return message(
            request,
            "Désabonnement enregistré",
            "Votre association ne recevra plus la lettre des associations.",
            "Vous pouvez la recevoir de nouveau à tout moment depuis votre espace association.",
            link=(service.editions.mails.association_space, "Aller à l’espace association"),
        )

    return router
