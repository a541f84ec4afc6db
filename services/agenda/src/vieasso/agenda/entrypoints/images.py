"""Posters (SPEC §8): an association uploads an image, then names it by its id in an event.

`POST /api/associations/{slug}/images` takes the file itself as the body (its type is read
from its content, never from a name or a header) and answers its id and variants;
`/images/{id}/{variant}` serves them, content-addressed: the bytes under a URL never change,
so they are cached for a year and never revalidated.
"""

import math
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from vieasso.agenda.domain.posters import IMAGES_PATH
from vieasso.agenda.entrypoints.auth import association_or_admin
from vieasso.common.http.ratelimit import retry_after
from vieasso.common.images import ImageRejected
from vieasso.common.images.web import (
    BODY_LIMIT,
    UPLOAD_BODY,
    add_image_route,
    described,
    read_upload,
    rejection,
)
from vieasso.common.messages.images import ImageManifest

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

__all__ = ["BODY_LIMIT", "TooManyUploads", "build_router", "store_upload"]


TOO_MANY = "Trop d'images envoyées en une heure : réessayez dans {minutes} min."


class TooManyUploads(Exception):
    """The association sent `UPLOADS_PER_HOUR` images within the hour."""

    def __init__(self, wait: float) -> None:
        self.wait = wait
        self.message = TOO_MANY.format(minutes=max(1, math.ceil(wait / 60)))
        super().__init__(self.message)


async def store_upload(wiring: "Wiring", slug: str, data: bytes) -> ImageManifest:
    """The API's and the form's upload: `ImageRejected` (French) when it is not an image we
    take, `TooManyUploads` past the association's hourly allowance."""
    if wait := wiring.uploads.hit(slug):
        raise TooManyUploads(wait)
    return await wiring.images().upload(data, owner=slug, now=wiring.clock.now())


def build_router(wiring: "Wiring") -> APIRouter:
    router = APIRouter()
    images_url = wiring.settings.public_url("agenda") + IMAGES_PATH

    @router.post(
        "/api/associations/{slug}/images",
        tags=["affiches"],
        summary="Envoyer une affiche (image JPEG, PNG ou WebP)",
        status_code=201,
        openapi_extra={"requestBody": UPLOAD_BODY},
        responses={
            413: {"description": "Plus de 10 Mo."},
            429: {"description": "Trop d'images envoyées en une heure (60)."},
        },
    )
    async def upload(
        request: Request, slug: Annotated[str, Depends(association_or_admin(wiring))]
    ) -> JSONResponse:
        """The file is checked (a JPEG, PNG or WebP by its content; 10 MB; 50 megapixels,
        24 decoded), stripped of its metadata (GPS, camera, author; the orientation is
        applied), and resized to fixed widths in WebP and JPEG. Sending the same file again
        gives the same `image_id`. Then name it in an event: `image_id` and `image_alt`."""
        data = await read_upload(request)
        try:
            manifest = await store_upload(wiring, slug, data)
        except ImageRejected as exc:
            return rejection(exc)
        except TooManyUploads as exc:
            headers = retry_after(exc.wait) | {"Cache-Control": "no-store"}
            return JSONResponse({"detail": exc.message}, status_code=429, headers=headers)
        body = described(manifest, images_url)
        return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})

    summary = "Une affiche (original sans métadonnées, ou une largeur fixe)"
    add_image_route(router, IMAGES_PATH, wiring.images, tag="affiches", summary=summary)
    return router
