"""Where an event's poster is served (`/images/{id}/{variant}`); which of its files each
renderer shows is common to every image (`vieasso.common.images.pictures`)."""

from __future__ import annotations

from vieasso.agenda.domain.posters import IMAGES_PATH
from vieasso.common.images import pictures
from vieasso.common.images.pictures import feed_image, file_url, page_image, shown, srcset

__all__ = ["feed_image", "file_url", "image_url", "page_image", "shown", "srcset"]


def image_url(public_url: str, image_id: str, variant: str) -> str:
    """`/images/{id}/{variant}`: content-addressed, so cached for ever by everyone."""
    return pictures.image_url(f"{public_url}{IMAGES_PATH}", image_id, variant)
