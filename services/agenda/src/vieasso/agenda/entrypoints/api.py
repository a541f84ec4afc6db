"""Write API (SPEC §4): associations submit and cancel events, the city moderates.

A submission is checked at once (202, or 422 with French reasons per field), then published
on `agenda.submissions.<slug>`: NATS stays the single path by which events change.
"""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from vieasso.agenda import moderation
from vieasso.agenda.domain.model import MISSING_REASON, EventDraft, StoredEvent, Unpublish
from vieasso.agenda.entrypoints import auth, submitting
from vieasso.agenda.entrypoints.auth import UNAUTHORIZED, SlugPath
from vieasso.agenda.entrypoints.submitting import Accepted, submit_draft
from vieasso.common.http.errors import invalid_response
from vieasso.common.messages.base import FieldError
from vieasso.common.validation import french_errors
from vieasso.common.web.tokens import bearer_token

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

EventIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
UNPUBLISH_BODY = {
    "required": True,
    "content": {"application/json": {"schema": Unpublish.model_json_schema()}},
}


def build_router(wiring: "Wiring") -> APIRouter:
    # (no `from __future__ import annotations` here: FastAPI resolves the dependencies'
    # annotations of these nested functions at runtime)
    router = APIRouter(prefix="/api")

    association_or_admin = auth.association_or_admin(wiring)

    async def admin(authorization: Annotated[str | None, Header()] = None) -> None:
        token = bearer_token(authorization)
        if token is None:
            raise HTTPException(401, UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
        if not auth.is_admin(wiring, token):
            raise HTTPException(403, "Réservé au Service Vie associative de la Ville.")

    def accepted(done: Accepted) -> JSONResponse:
        body: dict[str, Any] = {
            "statut": "acceptée",
            "message": "L'événement a été transmis à l'agenda.",
            "message_id": str(done.submission.message_id),
            "event_id": done.submission.event_id,
            "uid": done.uid,
            "url": done.url,
        }
        return JSONResponse(body, status_code=202)

    @router.post(
        "/associations/{slug}/events",
        tags=["événements"],
        summary="Publier ou modifier un événement",
        status_code=202,
    )
    async def submit_event(
        draft: EventDraft, slug: Annotated[str, Depends(association_or_admin)]
    ) -> JSONResponse:
        """Same fields as a NATS submission; `association` may be omitted."""
        done = await submit_draft(wiring, slug, draft)
        if isinstance(done, list):
            return invalid_response(done)
        return accepted(done)

    @router.delete(
        "/associations/{slug}/events/{event_id}",
        tags=["événements"],
        summary="Annuler un événement",
        status_code=202,
    )
    async def cancel_event(
        event_id: EventIdPath, slug: Annotated[str, Depends(association_or_admin)]
    ) -> JSONResponse:
        done = await submitting.cancel_event(wiring, slug, event_id)
        if done is None:
            raise HTTPException(404, "Événement introuvable.")
        return accepted(done)

    def moderated(record: StoredEvent | None) -> JSONResponse:
        if record is None:
            raise HTTPException(404, "Événement introuvable.")
        moderation = record.moderation
        body = {
            "uid": record.event.uid,
            "sequence": record.event.sequence,
            "masqué": record.event.unpublished,
            "motif": moderation.reason if moderation is not None else None,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    @router.post(
        "/events/{slug}/{event_id}/unpublish",
        tags=["modération"],
        summary="Masquer un événement (Ville), avec son motif",
        dependencies=[Depends(admin)],
        openapi_extra={"requestBody": UNPUBLISH_BODY},
    )
    async def unpublish(slug: SlugPath, event_id: EventIdPath, request: Request) -> JSONResponse:
        """Hides the event from every feed and page and asks the newsletter to mail the
        association the reason (`courrier.requests.agenda`, template `evenement-masque`).
        The reason stays with the event for the city, never in a feed or a fact. Hiding a
        hidden event changes nothing and sends no second mail (its first reason is kept).
        `422` with a French message for `reason` when it is missing, blank or longer than
        2,000 characters, and for a request without a body (clients older than the reason)."""
        # read here rather than as a parameter: only the admin's body is read, and a missing
        # body gets the same French reason as a missing field
        raw = await request.body()
        if not raw.strip():
            error = FieldError(field="reason", message=MISSING_REASON, code="missing")
            return invalid_response([error])
        try:
            body = Unpublish.model_validate_json(raw)
        except ValidationError as exc:
            return invalid_response(french_errors(exc))
        return moderated(await moderation.unpublish(wiring.agenda(), slug, event_id, body.reason))

    @router.post(
        "/events/{slug}/{event_id}/republish",
        tags=["modération"],
        summary="Publier à nouveau un événement masqué (Ville)",
        dependencies=[Depends(admin)],
    )
    async def republish(slug: SlugPath, event_id: EventIdPath) -> JSONResponse:
        return moderated(await moderation.republish(wiring.agenda(), slug, event_id))

    return router
