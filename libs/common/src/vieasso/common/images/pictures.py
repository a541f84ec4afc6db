"""Which of a stored image's files each renderer shows (pages, feeds, calendars), and where
they are served: `<images_url>/<id>/<variant>`, content-addressed, cached for ever."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from vieasso.common.images.store import ImageStoreError
from vieasso.common.images.variants import ORIGINAL, WIDTHS
from vieasso.common.messages.images import ImageManifest, ImageVariant, Picture

FEED_VARIANT = f"{WIDTHS[-1]}.jpg"  # feeds and calendars: the widest JPEG, read by everyone
PAGE_VARIANT = f"{WIDTHS[1]}.jpg"
PREVIEW_VARIANT = f"{WIDTHS[0]}.jpg"


class ImageLookup(Protocol):
    """Where the manifests of uploaded images are read (an `ImageStore` in production)."""

    async def manifest(self, image_id: str) -> ImageManifest | None: ...


class ImageUploads(ImageLookup, Protocol):
    """Where images are uploaded too (an `ImageStore` in production)."""

    async def upload(self, data: bytes, *, owner: str, now: datetime) -> ImageManifest: ...


class NoImages:
    """A lookup that knows no image and takes none (tools and tests without an object
    store): an upload fails as if the store did not answer."""

    async def manifest(self, image_id: str) -> ImageManifest | None:
        return None

    async def upload(self, data: bytes, *, owner: str, now: datetime) -> ImageManifest:
        raise ImageStoreError("no object store for images here")


def picture_of(
    manifest: ImageManifest, images_url: str, alt: str, credits: str | None = None
) -> Picture:
    """What a record keeps of an uploaded image, its files served under `<images_url>/<id>/`."""
    return Picture(
        id=manifest.id,
        url=f"{images_url}/{manifest.id}",
        alt=alt,
        credits=credits,
        width=manifest.width,
        height=manifest.height,
        variants=manifest.variants,
    )


def image_url(images_url: str, image_id: str, variant: str) -> str:
    """`<images_url>/{id}/{variant}`: content-addressed, so cached for ever by everyone."""
    return f"{images_url}/{image_id}/{variant}"


def file_url(picture: Picture, variant: ImageVariant) -> str:
    return f"{picture.url}/{variant.name}"


def feed_image(picture: Picture) -> ImageVariant:
    """The file feeds link (RSS/Atom enclosures, ICS IMAGE/ATTACH, JSON-LD)."""
    found = next((v for v in picture.variants if v.name == FEED_VARIANT), None)
    return found if found is not None else picture.variants[-1]


def page_image(picture: Picture) -> ImageVariant:
    found = next((v for v in picture.variants if v.name == PAGE_VARIANT), None)
    return found if found is not None else feed_image(picture)


def srcset(picture: Picture, extension: str) -> str:
    """`url 480w, url 960w, …` of the variants in one format, for `<source srcset>`."""
    return ", ".join(
        f"{file_url(picture, v)} {v.width}w"
        for v in sorted(picture.variants, key=lambda v: v.width)
        if v.name.endswith(f".{extension}")
    )


def shown(picture: Picture | None) -> dict[str, object] | None:
    """What a page's `<picture>` needs (None: no image)."""
    if picture is None:
        return None
    page = page_image(picture)
    return {
        "src": file_url(picture, page),
        "width": page.width,
        "height": page.height,
        "webp": srcset(picture, "webp"),
        "jpeg": srcset(picture, "jpg"),
        "alt": picture.alt,
        "credits": picture.credits,
        "original": f"{picture.url}/{ORIGINAL}",
        "small": f"{picture.url}/{PREVIEW_VARIANT}",  # a thumbnail in a list or a form
    }
