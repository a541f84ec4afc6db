"""The catalogue's JSON API, for the city's tools: anyone reads, the admin token writes.

`PUT /api/catalogue/materiel/{id}` and `/salles/{id}` take the record as `GET` returns it
(without `id`, `kind`, `updated_at` and `photo`, which the service sets; `state` stays as it
is unless given: `"archived"` archives). An entry that did not change is not written again.
Its photo is uploaded first (`entrypoints.photos`), then named by `image_id`.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from vieasso.common.http.errors import invalid_response
from vieasso.common.images import ImageStoreError
from vieasso.common.messages.base import SLUG_PATTERN
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.nats.publish import PublishError
from vieasso.common.settings import Settings
from vieasso.common.web import starting_response
from vieasso.common.web.starting import wants_page
from vieasso.ressources.adapters.catalogue import StorageError
from vieasso.ressources.domain.calendar import ClosedDay
from vieasso.ressources.domain.catalogue import EquipmentModel, Room
from vieasso.ressources.domain.catalogue_errors import (
    CatalogueError,
    EntryNotFound,
    InvalidEntry,
    field_error,
)
from vieasso.ressources.handlers.catalogue import NOT_FOUND, Catalogue, save_entry, set_closures

log = logging.getLogger(__name__)
UNAVAILABLE = "Enregistrement momentanément impossible (NATS indisponible) : réessayez."
_BEARER = HTTPBearer(auto_error=False, description="Jeton de la Ville.")
IdPath = Annotated[str, Path(min_length=1, max_length=80, pattern=SLUG_PATTERN)]


class CatalogueSource(Protocol):
    @property
    def settings(self) -> Settings: ...

    def catalogue(self) -> Catalogue: ...


class CatalogueListing(BaseModel):
    """The whole catalogue and the city's own closed days."""

    materiel: list[EquipmentModel]
    salles: list[Room]
    fermetures: list[ClosedDay]


class Closures(BaseModel):
    """The days the city closes, besides public holidays and Sundays."""

    days: list[ClosedDay]


T = TypeVar("T", EquipmentModel, Room)


def _as(cls: type[T], entry: EquipmentModel | Room) -> T:
    if not isinstance(entry, cls):  # pragma: no cover - the kind decides the class
        raise TypeError(entry.kind)
    return entry


def _body_of(schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        error = field_error("__root__", "Le contenu n'est pas du JSON valide.", "json_invalid")
        raise InvalidEntry([error]) from exc
    if not isinstance(data, dict):
        raise InvalidEntry([field_error("__root__", "Un objet est attendu.", "dict_type")])
    return data


def city_only(source: CatalogueSource) -> Any:
    """The dependency of the city's writes: its admin token (401 without, 403 another)."""

    def admin(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    ) -> None:
        expected = source.settings.admin_token.get_secret_value().encode()
        if credentials is None:
            raise HTTPException(401, "Jeton de la Ville requis.", {"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(credentials.credentials.encode(), expected):
            raise HTTPException(403, "Réservé au Service Vie Associative de la Ville.")

    return Depends(admin)


def build_router(source: CatalogueSource) -> APIRouter:
    router = APIRouter(prefix="/api/catalogue", tags=["catalogue"])
    city = [city_only(source)]

    @router.get("", summary="Le catalogue (matériel, salles, fermetures)")
    async def listing(archived: bool = False) -> CatalogueListing:
        cat = source.catalogue()
        closures = cat.store.closures()
        return CatalogueListing(
            materiel=cat.store.models(archived=archived),
            salles=cat.store.rooms(archived=archived),
            fermetures=list(closures.value.days) if closures else [],
        )

    def read(kind: ResourceKind, entry_id: str) -> EquipmentModel | Room:
        found = source.catalogue().store.get(kind, entry_id)
        if found is None:
            raise EntryNotFound(NOT_FOUND[kind])
        return found.value

    async def write(kind: ResourceKind, entry_id: str, request: Request) -> EquipmentModel | Room:
        data = await _json_object(request)
        return (await save_entry(source.catalogue(), kind, entry_id, data)).entry

    @router.get("/materiel/{entry_id}", summary="Un modèle de matériel")
    async def get_model(entry_id: IdPath) -> EquipmentModel:
        return _as(EquipmentModel, read(ResourceKind.EQUIPMENT, entry_id))

    @router.put(
        "/materiel/{entry_id}",
        summary="Créer ou modifier un modèle de matériel (Ville)",
        dependencies=city,
        openapi_extra=_body_of("EquipmentModel"),
    )
    async def put_model(entry_id: IdPath, request: Request) -> EquipmentModel:
        return _as(EquipmentModel, await write(ResourceKind.EQUIPMENT, entry_id, request))

    @router.get("/salles/{entry_id}", summary="Une salle")
    async def get_room(entry_id: IdPath) -> Room:
        return _as(Room, read(ResourceKind.ROOM, entry_id))

    @router.put(
        "/salles/{entry_id}",
        summary="Créer ou modifier une salle (Ville)",
        dependencies=city,
        openapi_extra=_body_of("Room"),
    )
    async def put_room(entry_id: IdPath, request: Request) -> Room:
        return _as(Room, await write(ResourceKind.ROOM, entry_id, request))

    @router.get("/fermetures", summary="Jours de fermeture de la Ville (hors fériés)")
    async def get_closures() -> Closures:
        closures = source.catalogue().store.closures()
        return Closures(days=list(closures.value.days) if closures else [])

    @router.put(
        "/fermetures", summary="Remplacer les jours de fermeture (Ville)", dependencies=city
    )
    async def put_closures(body: Closures) -> Closures:
        saved = await set_closures(source.catalogue(), body.days)
        return Closures(days=list(saved.days))

    return router


def install_error_handlers(app: FastAPI, settings: Settings) -> None:
    """French answers for the catalogue's errors; 503 when NATS did not take a write."""

    @app.exception_handler(CatalogueError)
    async def _catalogue(_: Request, exc: CatalogueError) -> JSONResponse:
        if isinstance(exc, InvalidEntry):
            return invalid_response(exc.errors)
        status = 404 if isinstance(exc, EntryNotFound) else 409
        return JSONResponse({"detail": exc.message}, status_code=status)

    @app.exception_handler(StorageError)
    @app.exception_handler(PublishError)
    @app.exception_handler(ImageStoreError)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ImageStoreError):
            log.warning("object store unavailable", extra={"reason": str(exc)})
        if wants_page(request):
            return starting_response(request, settings)
        headers = {"Retry-After": "5", "Cache-Control": "no-store"}
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503, headers=headers)
