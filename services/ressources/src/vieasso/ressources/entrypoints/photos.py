"""The catalogue's photos: the city uploads an image (`POST /api/catalogue/images`, the admin
token; or in its form), then names it by its id in a model or a room (`image_id` and
`image_alt`). Files are served at `/materiel/images/{id}/{variant}`, content-addressed and
cached for ever (the agenda owns `/images/` on the proxy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from vieasso.common.images import ImageRejected
from vieasso.common.images.web import (
    UPLOAD_BODY,
    add_image_route,
    described,
    read_upload,
    rejection,
)
from vieasso.ressources.domain.photos import IMAGES_PATH
from vieasso.ressources.entrypoints.api_catalogue import city_only
from vieasso.ressources.handlers.catalogue import upload_photo

if TYPE_CHECKING:
    from vieasso.ressources.catalogue_service import CatalogueService

UPLOAD_PATH = "/api/catalogue/images"


def build_router(source: CatalogueService) -> APIRouter:
    router = APIRouter()

    @router.post(
        UPLOAD_PATH,
        tags=["catalogue"],
        summary="Envoyer une photo du catalogue (image JPEG, PNG ou WebP ; Ville)",
        status_code=201,
        dependencies=[city_only(source)],
        openapi_extra={"requestBody": UPLOAD_BODY},
        responses={413: {"description": "Plus de 10 Mo."}},
    )
    async def upload(request: Request) -> JSONResponse:
        """The file is checked (a JPEG, PNG or WebP by its content; 10 MB; 50 megapixels,
        24 decoded), stripped of its metadata (GPS, camera, author; the orientation is
        applied), and resized to fixed widths in WebP and JPEG. Sending the same file again
        gives the same `image_id`. Then name it in a model or a room (`PUT
        /api/catalogue/materiel/{id}` or `/salles/{id}`): `image_id` and `image_alt`."""
        data = await read_upload(request)
        try:
            manifest = await upload_photo(source.catalogue(), data)
        except ImageRejected as exc:
            return rejection(exc)
        body = described(manifest, source.images_url)
        return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})

    summary = "Une photo du catalogue (original sans métadonnées, ou une largeur fixe)"
    add_image_route(router, IMAGES_PATH, source.images, tag="catalogue", summary=summary)
    return router
