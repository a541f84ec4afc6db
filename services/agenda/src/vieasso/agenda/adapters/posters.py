"""Where an event's poster is served, and which of its files each renderer shows."""

from __future__ import annotations

from vieasso.agenda.domain.posters import IMAGES_PATH
from vieasso.common.images import WIDTHS
from vieasso.common.messages.agenda import Poster
from vieasso.common.messages.images import ImageVariant

FEED_VARIANT = f"{WIDTHS[-1]}.jpg"  # feeds and calendars: the widest JPEG, read by everyone
PAGE_VARIANT = f"{WIDTHS[1]}.jpg"


def image_url(public_url: str, image_id: str, variant: str) -> str:
    """`/images/{id}/{variant}`: content-addressed, so cached for ever by everyone."""
    return f"{public_url}{IMAGES_PATH}/{image_id}/{variant}"


def file_url(poster: Poster, variant: ImageVariant) -> str:
    return f"{poster.url}/{variant.name}"


def feed_image(poster: Poster) -> ImageVariant:
    """The file feeds link (RSS/Atom enclosures, ICS IMAGE/ATTACH, JSON-LD)."""
    found = next((v for v in poster.variants if v.name == FEED_VARIANT), None)
    return found if found is not None else poster.variants[-1]


def page_image(poster: Poster) -> ImageVariant:
    found = next((v for v in poster.variants if v.name == PAGE_VARIANT), None)
    return found if found is not None else feed_image(poster)


def srcset(poster: Poster, extension: str) -> str:
    """`url 480w, url 960w, …` of the variants in one format, for `<source srcset>`."""
    return ", ".join(
        f"{file_url(poster, v)} {v.width}w"
        for v in sorted(poster.variants, key=lambda v: v.width)
        if v.name.endswith(f".{extension}")
    )


def shown(poster: Poster | None) -> dict[str, object] | None:
    """What the event page's `<picture>` needs (None: no poster)."""
    if poster is None:
        return None
    page = page_image(poster)
    return {
        "src": file_url(poster, page),
        "width": page.width,
        "height": page.height,
        "webp": srcset(poster, "webp"),
        "jpeg": srcset(poster, "jpg"),
        "alt": poster.alt,
        "credits": poster.credits,
        "original": f"{poster.url}/original",
    }
