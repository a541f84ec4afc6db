"""Open data: validated associations and open missions, public fields only."""

from __future__ import annotations

from fastapi import APIRouter, Response

from vieasso.annuaire.adapters import exports
from vieasso.annuaire.domain.search import (
    AssociationQuery,
    MissionQuery,
    find_missions,
)
from vieasso.annuaire.entrypoints.deps import Unit
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState, MissionPublic

router = APIRouter(prefix="/export", tags=["données ouvertes"])

CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"


def _associations(app: Unit) -> list[AssociationPublic]:
    return [r.public() for r in app.index.search_associations(AssociationQuery())]


def _missions(app: Unit) -> list[MissionPublic]:
    index = app.index
    validated = {
        slug for slug, v in index.associations.items.items()
        if v.value.state is AssociationState.VALIDATED
    }  # fmt: skip
    missions = (
        m.value for m in index.missions.items.values() if m.value.association_slug in validated
    )
    found = find_missions(
        missions,
        index.mission_text,
        MissionQuery(),
        quartier_of=index.mission_quartier,
        themes_of=index.mission_themes,
    )
    return [m.public() for m in found]


def _file(body: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/associations.csv", summary="Associations validées (CSV)")
async def associations_csv(app: Unit) -> Response:
    return _file(exports.associations_csv(_associations(app)), CSV, "associations.csv")


@router.get("/associations.json", summary="Associations validées (JSON)")
async def associations_json(app: Unit) -> Response:
    return _file(exports.as_json(_associations(app)), JSON, "associations.json")


@router.get("/missions.csv", summary="Missions ouvertes (CSV)")
async def missions_csv(app: Unit) -> Response:
    return _file(exports.missions_csv(_missions(app)), CSV, "missions.csv")


@router.get("/missions.json", summary="Missions ouvertes (JSON)")
async def missions_json(app: Unit) -> Response:
    return _file(exports.as_json(_missions(app)), JSON, "missions.json")
