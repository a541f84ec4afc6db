"""What the association space's pages share: who is signed in, which event is theirs, the
event form (its choices, how it is rendered) and its submission through the API's path."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData, UploadFile

from vieasso.agenda.adapters.event_form import FormValues, errors_by_field, read_form, to_body
from vieasso.agenda.adapters.labels import (
    ACCESSIBILITY,
    ATTENDANCE,
    AUDIENCES,
    REPEATS,
    STATUSES,
    by_label,
)
from vieasso.agenda.adapters.posters import image_url
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.model import event_key
from vieasso.agenda.entrypoints.images import TooManyUploads, store_upload
from vieasso.agenda.entrypoints.submitting import Accepted, parse_draft, submit_draft
from vieasso.common.images import WIDTHS, ImageRejected
from vieasso.common.messages.agenda import EventContent
from vieasso.common.messages.images import IMAGE_ID_PATTERN
from vieasso.common.web import site_urls

if TYPE_CHECKING:
    from vieasso.agenda.adapters.catalog import Entry
    from vieasso.agenda.adapters.pages import Pages
    from vieasso.agenda.bootstrap import Wiring

LABELS = {
    "title": "Titre",
    "summary": "Résumé",
    "description": "Description",
    "start": "Début",
    "end": "Fin",
    "start_day": "Premier jour",
    "end_day": "Dernier jour",
    "repeat": "Répétition",
    "repeat_until": "Dernier jour de la répétition",
    "venue_id": "Lieu de l'annuaire",
    "place_name": "Nom du lieu",
    "place_address": "Adresse",
    "place_postal_code": "Code postal",
    "attendance_mode": "Participation",
    "online_url": "Lien de l'événement en ligne",
    "themes": "Thèmes",
    "audience": "Public",
    "age_min": "Âge minimum",
    "age_max": "Âge maximum",
    "price": "Tarif",
    "registration_url": "Lien d'inscription",
    "image_url": "Lien d'une image (ailleurs sur le web)",
    "affiche": "Affiche ou photo",
    "image_alt": "Ce que montre l'affiche",
    "image_credits": "Crédits",
    "accessibility": "Accessibilité",
    "status": "État",
}


APPLY_WAIT = 3.0


async def applied(wiring: Wiring, done: Accepted, within: float = APPLY_WAIT) -> bool:
    """Wait until the catalog holds what `done` submitted (or shows it changed nothing)."""
    sent = done.submission
    wanted = EventContent(**{n: getattr(sent, n) for n in EventContent.model_fields})
    key = event_key(sent.association, sent.event_id)
    for _ in range(int(within / 0.05)):
        entry = wiring.catalog.get(key)
        if entry is not None and (
            entry.record.last_message_id == str(sent.message_id)
            or entry.record.event.content == wanted
        ):
            return True
        await asyncio.sleep(0.05)
    return False


def _preview(public_url: str, values: FormValues) -> str | None:
    """The small variant of the poster the form holds (an id the rules check on submit)."""
    image_id = values.get("image_id")
    if not isinstance(image_id, str) or not re.fullmatch(IMAGE_ID_PATTERN, image_id):
        return None
    return image_url(public_url, image_id, f"{WIDTHS[0]}.jpg")


class AssociationSpace:
    def __init__(self, wiring: Wiring, pages: Pages, space: str) -> None:
        self._wiring = wiring
        self._pages = pages
        self._space = space
        self._sign_in = f"{site_urls(wiring.settings).annuaire}/espace-association/connexion"

    async def signed_in(self, request: Request) -> str | Response:
        """The association of the sign-in session, or the answer for someone not signed in."""
        slug = await self._wiring.sessions.association(request)
        if slug is not None:
            return slug
        if request.method == "GET":
            return RedirectResponse(self._sign_in, status_code=303)
        text = "Connectez-vous à l'espace association pour gérer vos événements."
        link = (self._sign_in, "Se connecter")
        return self._pages.message(request, 401, "Connexion nécessaire", text, link=link)

    async def owned(self, request: Request, event_id: str) -> tuple[str, Entry] | Response:
        """The signed-in association and its event `event_id`, or the refusal (403, 404)."""
        slug = await self.signed_in(request)
        if isinstance(slug, Response):
            return slug
        catalog = self._wiring.catalog
        entry = catalog.get(event_key(slug, event_id))
        if entry is not None:
            return slug, entry
        back = (self._space, "Mes événements")
        if any(e.listing.key.partition(".")[2] == event_id for e in catalog):
            text = (
                "Cet événement est publié par une autre association : "
                "vous ne pouvez ni le modifier ni l'annuler."
            )
            return self._pages.message(request, 403, "Accès refusé", text, link=back)
        text = "Cet événement n'existe pas dans votre agenda."
        return self._pages.message(request, 404, "Événement introuvable", text, link=back)

    async def submit(
        self,
        request: Request,
        slug: str,
        form: FormData,
        event_id: str,
        *,
        new: bool,
    ) -> Response:
        """Through the API's path; 303 to the list, or the form again with its errors. A
        poster chosen in the form is stored first (and kept if the rest has errors)."""
        values = read_form(form.multi_items())
        if values.get("retirer_affiche"):
            values["image_id"] = ""
        upload = form.get("affiche")
        if isinstance(upload, UploadFile) and upload.size:
            try:
                stored = await store_upload(self._wiring, slug, await upload.read())
            except (ImageRejected, TooManyUploads) as exc:
                target = None if new else event_id
                status = 429 if isinstance(exc, TooManyUploads) else 422
                errors = {"affiche": exc.message}
                return self.render(request, slug, values, errors, event_id=target, status=status)
            values["image_id"] = stored.id
        draft = parse_draft(to_body(values, event_id, PARIS))
        done = draft if isinstance(draft, list) else await submit_draft(self._wiring, slug, draft)
        if isinstance(done, list):
            errors = errors_by_field(done, values)
            target = None if new else event_id
            return self.render(request, slug, values, errors, event_id=target, status=422)
        notice = "publie" if new else "modifie"
        if not await applied(self._wiring, done):
            notice = "en_cours"
        return RedirectResponse(f"{self._space}?{notice}={event_id}", status_code=303)

    def render(
        self,
        request: Request,
        slug: str,
        values: FormValues,
        errors: dict[str, str],
        *,
        event_id: str | None,
        entry: Entry | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        directory = self._wiring.directory
        venues = sorted((v.id, v.name) for v in directory.venues() if not v.archived)
        context = {
            "values": values,
            "errors": errors,
            "labels": LABELS,
            "is_new": event_id is None,
            "action": f"{self._space}/{event_id}" if event_id else f"{self._space}/nouveau",
            "event_id": event_id,
            "cancelled": entry is not None and entry.record.cancelled,
            "space": self._space,
            "themes": by_label((t.code, t.label) for t in directory.themes()),
            "venues": by_label(venues),
            "audiences": list(AUDIENCES.items()),
            "attendance": list(ATTENDANCE.items()),
            "statuses": list(STATUSES.items()),
            "accessibility": list(ACCESSIBILITY.items()),
            "repeats": [(k, v) for k, v in REPEATS.items() if k],
            "slug": slug,
            "poster_preview": _preview(self._pages.public_url, values),
        }
        return self._pages.render(
            request, "event_form.html.j2", context, status=status, private=True
        )
