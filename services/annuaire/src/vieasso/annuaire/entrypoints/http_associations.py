"""Routes of associations: registration, search, detail, self-edit, validation, archive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status

from vieasso.annuaire.domain.commands import (
    AssociationFields,
    ChangeAssociation,
    RegisterAssociation,
)
from vieasso.annuaire.domain.search import AssociationQuery
from vieasso.annuaire.entrypoints.deps import (
    TOO_MANY_REGISTRATIONS,
    Admin,
    AnyCaller,
    Editor,
    SlugPath,
    Unit,
    registration_wait,
    revision_of,
)
from vieasso.annuaire.entrypoints.views import AssociationDetail, Page, Refusal, ValidationAnswer
from vieasso.annuaire.handlers import associations as handlers
from vieasso.annuaire.handlers.associations import NOT_FOUND
from vieasso.common.http.ratelimit import retry_after
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState
from vieasso.common.messages.base import SLUG_PATTERN

router = APIRouter(prefix="/api/associations", tags=["associations"])

CodeQuery = Annotated[str | None, Query(max_length=40, pattern=SLUG_PATTERN)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Inscrire une association")
async def register(
    body: RegisterAssociation, app: Unit, who: AnyCaller, request: Request, response: Response
) -> AssociationPublic:
    """Public registration: the record lands `pending` until the city validates it. At most
    `registration_limit_per_ip` per visitor per window (429 with `Retry-After` beyond), except
    for the city (admin token), which may register many associations on their behalf."""
    fields = AssociationFields.model_validate(body.model_dump(exclude={"contact"}))
    wait = 0.0 if who.admin else await registration_wait(request)
    if wait:
        raise HTTPException(429, TOO_MANY_REGISTRATIONS, headers=retry_after(wait))
    record = await handlers.register_association(app, fields, body.contact)
    response.headers["Location"] = f"/api/associations/{record.slug}"
    return record.public()


@router.get("", summary="Chercher des associations", response_model=Page[AssociationPublic])
async def search(
    *,
    app: Unit,
    who: AnyCaller,
    theme: CodeQuery = None,
    quartier: CodeQuery = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    employs_staff: bool | None = None,
    state: AssociationState = AssociationState.VALIDATED,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Validated associations by name; `q` ignores accents and case. Other states: admin."""
    if state is not AssociationState.VALIDATED and not who.admin:
        raise HTTPException(403, "Seule la Ville peut lister les associations non validées.")
    found = app.index.search_associations(
        AssociationQuery(theme, quartier, q, employs_staff, state)
    )
    items = app.index.public_associations(found[offset : offset + limit])
    page = Page[AssociationPublic](total=len(found), items=items)
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/{slug}", summary="Fiche d'une association")
async def detail(
    slug: SlugPath, app: Unit, who: AnyCaller, response: Response
) -> AssociationDetail | AssociationPublic:
    """Validated records are public; pending and archived ones only for the city and the
    association itself, which also see the private contact."""
    found = app.index.associations.items.get(slug)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    response.headers["ETag"] = f'"{found.revision}"'
    if who.may_edit(slug):
        return AssociationDetail.of(found.value)
    if found.value.state is not AssociationState.VALIDATED:
        raise HTTPException(404, NOT_FOUND)
    return found.value.public()


@router.patch("/{slug}", summary="Modifier sa fiche")
async def change(
    slug: SlugPath,
    body: ChangeAssociation,
    app: Unit,
    _: Editor,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> AssociationDetail:
    """Only the fields sent change. Two concurrent edits: one wins, the other gets 409."""
    record = await handlers.change_association(
        app, slug, body, expected_revision=revision_of(if_match)
    )
    found = app.index.associations.items.get(slug)
    if found is not None:
        response.headers["ETag"] = f'"{found.revision}"'
    return AssociationDetail.of(record)


@router.post("/{slug}/validate", summary="Valider une association (Ville)")
async def validate(slug: SlugPath, app: Unit, _: Admin) -> ValidationAnswer:
    """`pending → validated`; answers the association's token, this once only, and asks the
    welcome mail (with a sign-in link valid 7 days) for its private contact. Validating again
    answers 409 and asks the same welcome again (sent once: the retry after a 503)."""
    result = await handlers.validate_association(app, slug)
    return ValidationAnswer(association=result.association.public(), token=result.token)


@router.post("/{slug}/token", summary="Nouveau jeton d'une association validée (Ville)")
async def new_token(slug: SlugPath, app: Unit, _: Admin) -> ValidationAnswer:
    """For an association imported already validated, or whose token was lost: the previous
    token stops working; the new one is shown this once only."""
    result = await handlers.issue_token(app, slug, by="ville")
    return ValidationAnswer(
        association=result.association.public(),
        token=result.token,
        message="Nouveau jeton émis : l'ancien ne fonctionne plus. Il ne sera plus affiché.",
    )


@router.post("/{slug}/refuse", summary="Refuser une inscription (Ville)")
async def refuse(slug: SlugPath, body: Refusal, app: Unit, _: Admin) -> AssociationPublic:
    """`pending` → archived, never published; the reason is mailed to the private contact.
    Refusing again answers 409 and asks the same mail again (sent once)."""
    record = await handlers.refuse_registration(app, slug, body.reason)
    return record.public()


@router.post("/{slug}/archive", summary="Archiver une association (Ville)")
async def archive(slug: SlugPath, app: Unit, _: Admin) -> AssociationPublic:
    """The record leaves the directory; its token stops working; its missions close."""
    record = await handlers.archive_association(app, slug)
    return record.public()
