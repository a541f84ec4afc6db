"""Posters (SPEC §8): an association uploads an image, then names it by its id in an event.

`POST /api/associations/{slug}/images` takes the file itself as the body (its type is read
from its content, never from a name or a header) and answers its id and variants;
`/images/{id}/{variant}` serves them, content-addressed: the bytes under a URL never change,
so they are cached for a year and never revalidated.
"""

import math
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse

from vieasso.agenda.adapters.posters import image_url
from vieasso.agenda.entrypoints.auth import association_or_admin
from vieasso.common.http.errors import invalid_response
from vieasso.common.http.limits import BodyTooLarge, read_body
from vieasso.common.http.ratelimit import retry_after
from vieasso.common.images import MAX_BYTES, ImageRejected, variant_names
from vieasso.common.images.checks import MESSAGES
from vieasso.common.messages.base import FieldError
from vieasso.common.messages.images import IMAGE_ID_PATTERN, ImageManifest

if TYPE_CHECKING:
    from vieasso.agenda.bootstrap import Wiring

IMMUTABLE = "public, max-age=31536000, immutable"
NOT_FOUND = "Image introuvable."
# the route reads at most MAX_BYTES and says so; the edge guard stops anything much larger
BODY_LIMIT = MAX_BYTES + 1024 * 1024
ImageIdPath = Annotated[str, Path(pattern=IMAGE_ID_PATTERN)]
UPLOAD_BODY = {
    "required": True,
    "description": "The image file itself (JPEG, PNG or WebP, 10 MB at most).",
    "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in ("image/jpeg", "image/png", "image/webp", "application/octet-stream")
    },
}


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


def described(manifest: ImageManifest, public_url: str) -> dict[str, Any]:
    return {
        "image_id": manifest.id,
        "width": manifest.width,
        "height": manifest.height,
        "variants": {
            v.name: {
                "url": image_url(public_url, manifest.id, v.name),
                "width": v.width,
                "height": v.height,
                "type": v.media_type,
                "bytes": v.bytes,
            }
            for v in manifest.variants
        },
    }


def rejection(exc: ImageRejected, field: str = "image") -> JSONResponse:
    return invalid_response([FieldError(field=field, message=exc.message, code=exc.code)])


def build_router(wiring: "Wiring") -> APIRouter:
    router = APIRouter()
    public_url = wiring.settings.public_url("agenda")

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
        try:
            data = await read_body(request, MAX_BYTES)
        except BodyTooLarge:
            raise BodyTooLarge(MESSAGES["image_too_large"]) from None
        try:
            manifest = await store_upload(wiring, slug, data)
        except ImageRejected as exc:
            return rejection(exc)
        except TooManyUploads as exc:
            headers = retry_after(exc.wait) | {"Cache-Control": "no-store"}
            return JSONResponse({"detail": exc.message}, status_code=429, headers=headers)
        body = described(manifest, public_url)
        return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})

    @router.get(
        "/images/{image_id}/{variant}",
        tags=["affiches"],
        summary="Une affiche (original sans métadonnées, ou une largeur fixe)",
        responses={
            200: {"content": {"image/webp": {}, "image/jpeg": {}, "image/png": {}}},
            304: {"description": "Inchangée (elle ne change jamais)."},
            404: {"description": NOT_FOUND},
        },
    )
    async def image(request: Request, image_id: ImageIdPath, variant: str) -> Response:
        """`variant`: `original`, or `<width>.webp` / `<width>.jpg` (widths 480, 960, 1440)."""
        if variant not in variant_names():
            raise HTTPException(404, NOT_FOUND)
        images = wiring.images()
        manifest = await images.manifest(image_id)
        found = manifest.variant(variant) if manifest is not None else None
        data = await images.file(image_id, variant) if found is not None else None
        if found is None or data is None:
            raise HTTPException(404, NOT_FOUND)
        etag = f'"{image_id}-{variant}"'
        headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(data, media_type=found.media_type, headers=headers)

    return router
