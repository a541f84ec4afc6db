"""Routes of volunteer missions: per association (write with its token) and public search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response, status

from vieasso.annuaire.domain.commands import ChangeMission, MissionFields
from vieasso.annuaire.domain.search import MissionQuery
from vieasso.annuaire.entrypoints.deps import Editor, SlugPath, Unit, revision_of
from vieasso.annuaire.entrypoints.views import Page
from vieasso.annuaire.handlers import missions as handlers
from vieasso.annuaire.handlers.missions import MISSION_NOT_FOUND
from vieasso.common.messages.annuaire import (
    AssociationState,
    MissionKind,
    MissionPublic,
    MissionState,
    RemoteMode,
)
from vieasso.common.messages.base import SLUG_PATTERN

router = APIRouter(tags=["missions"])
BASE = "/api/associations/{slug}/missions"

MissionIdPath = Annotated[str, Path(min_length=1, max_length=80, pattern=SLUG_PATTERN)]
CodeQuery = Annotated[str | None, Query(max_length=40, pattern=SLUG_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


def _page(app: Unit, query: MissionQuery, limit: int, offset: int) -> Response:
    found = app.index.search_missions(query)
    items = app.index.public_missions(found[offset : offset + limit])
    page = Page[MissionPublic](total=len(found), items=items)
    return Response(page.model_dump_json(), media_type="application/json")


@router.get(
    "/api/missions", summary="Chercher des missions bénévoles", response_model=Page[MissionPublic]
)
async def search(
    *,
    app: Unit,
    theme: CodeQuery = None,
    quartier: CodeQuery = None,
    kind: MissionKind | None = None,
    remote: RemoteMode | None = None,
    open_to_minors: bool | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    association: CodeQuery = None,
    state: MissionState = MissionState.OPEN,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    """Open missions by default, soonest first; a mission without quartier or themes takes
    its venue's quartier and its association's themes."""
    query = MissionQuery(theme, quartier, kind, remote, open_to_minors, q, association, state)
    return _page(app, query, limit, offset)


@router.get(BASE, summary="Missions d'une association", response_model=Page[MissionPublic])
async def of_association(
    slug: SlugPath,
    app: Unit,
    state: MissionState | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Response:
    association = app.index.association(slug)
    if association is None or association.state is not AssociationState.VALIDATED:
        raise HTTPException(404, "Association introuvable.")
    return _page(app, MissionQuery(association=slug, state=state), limit, offset)


@router.post(BASE, status_code=status.HTTP_201_CREATED, summary="Publier une mission")
async def publish(
    slug: SlugPath, body: MissionFields, app: Unit, _: Editor, response: Response
) -> MissionPublic:
    mission = await handlers.publish_mission(app, slug, body)
    response.headers["Location"] = f"{BASE.format(slug=slug)}/{mission.id}"
    return mission.public()


@router.get(BASE + "/{mission_id}", summary="Une mission")
async def detail(
    slug: SlugPath, mission_id: MissionIdPath, app: Unit, response: Response
) -> MissionPublic:
    found = app.index.missions.items.get(mission_id)
    association = app.index.association(slug)
    if (
        found is None
        or found.value.association_slug != slug
        or association is None
        or association.state is not AssociationState.VALIDATED
    ):
        raise HTTPException(404, MISSION_NOT_FOUND)
    response.headers["ETag"] = f'"{found.revision}"'
    return found.value.public()


@router.patch(BASE + "/{mission_id}", summary="Modifier une mission (ou la dire pourvue)")
async def change(
    slug: SlugPath,
    mission_id: MissionIdPath,
    body: ChangeMission,
    app: Unit,
    _: Editor,
    if_match: Annotated[str | None, Header()] = None,
) -> MissionPublic:
    """`state: "filled"` marks it filled, `"open"` opens it again."""
    mission = await handlers.change_mission(
        app, slug, mission_id, body, expected_revision=revision_of(if_match)
    )
    return mission.public()


@router.delete(BASE + "/{mission_id}", summary="Clore une mission")
async def close(slug: SlugPath, mission_id: MissionIdPath, app: Unit, _: Editor) -> MissionPublic:
    """Missions are never erased: closing keeps them, `closed`, out of the open search."""
    return (await handlers.close_mission(app, slug, mission_id)).public()
