"""Open data: validated associations and open missions, public fields only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from vieasso.annuaire.adapters import exports
from vieasso.annuaire.domain.search import (
    AssociationQuery,
    MissionQuery,
)
from vieasso.annuaire.entrypoints.deps import Unit
from vieasso.common.messages.annuaire import AssociationPublic, MissionPublic

router = APIRouter(prefix="/export", tags=["données ouvertes"])

CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"


def _associations(app: Unit) -> list[AssociationPublic]:
    return app.index.public_associations(app.index.search_associations(AssociationQuery()))


def _missions(app: Unit) -> list[MissionPublic]:
    return app.index.public_missions(app.index.search_missions(MissionQuery()))


CSV_FILE: dict[int | str, dict[str, Any]] = {
    200: {"description": "Fichier CSV (UTF-8).", "content": {"text/csv": {}}}
}


def _file(body: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/associations.csv", summary="Associations validées (CSV)", responses=CSV_FILE)
async def associations_csv(app: Unit) -> Response:
    return _file(exports.associations_csv(_associations(app)), CSV, "associations.csv")


@router.get("/associations.json", summary="Associations validées (JSON)")
async def associations_json(app: Unit) -> Response:
    return _file(exports.as_json(_associations(app)), JSON, "associations.json")


@router.get("/missions.csv", summary="Missions ouvertes (CSV)", responses=CSV_FILE)
async def missions_csv(app: Unit) -> Response:
    return _file(exports.missions_csv(_missions(app)), CSV, "missions.csv")


@router.get("/missions.json", summary="Missions ouvertes (JSON)")
async def missions_json(app: Unit) -> Response:
    return _file(exports.as_json(_missions(app)), JSON, "missions.json")
