"""Images over HTTP, for every service that takes them (the agenda's posters, the
ressources' photos): the upload's body, the answer describing what was stored, and the
route serving the files.

An upload is the file itself as the body (its type is read from its content, never from a
name or a header). The files are content-addressed: the bytes under a URL never change, so
they are cached for a year and never revalidated (an `If-None-Match` gets a 304).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse

from vieasso.common.http.errors import invalid_response
from vieasso.common.http.limits import BodyTooLarge, read_body
from vieasso.common.images.checks import MAX_BYTES, MESSAGES, ImageRejected
from vieasso.common.images.pictures import image_url
from vieasso.common.images.store import ImageStore
from vieasso.common.images.variants import variant_names
from vieasso.common.messages.base import FieldError
from vieasso.common.messages.images import IMAGE_ID_PATTERN, ImageManifest

IMMUTABLE = "public, max-age=31536000, immutable"
NOT_FOUND = "Image introuvable."
# a route reads at most MAX_BYTES and says so; the edge guard stops anything much larger
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


async def read_upload(request: Request) -> bytes:
    """The uploaded file (the body); `BodyTooLarge` in French past 10 MB."""
    try:
        return await read_body(request, MAX_BYTES)
    except BodyTooLarge:
        raise BodyTooLarge(MESSAGES["image_too_large"]) from None


def described(manifest: ImageManifest, images_url: str) -> dict[str, Any]:
    """The upload's answer: its id, size and every file with its URL."""
    return {
        "image_id": manifest.id,
        "width": manifest.width,
        "height": manifest.height,
        "variants": {
            v.name: {
                "url": image_url(images_url, manifest.id, v.name),
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


def add_image_route(
    router: APIRouter, path: str, images: Callable[[], ImageStore], *, tag: str, summary: str
) -> None:
    """`GET <path>/{image_id}/{variant}`: the files of the images `images()` holds."""

    @router.get(
        path + "/{image_id}/{variant}",
        tags=[tag],
        summary=summary,
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
        store = images()
        manifest = await store.manifest(image_id)
        found = manifest.variant(variant) if manifest is not None else None
        data = await store.file(image_id, variant) if found is not None else None
        if found is None or data is None:
            raise HTTPException(404, NOT_FOUND)
        etag = f'"{image_id}-{variant}"'
        headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(data, media_type=found.media_type, headers=headers)
