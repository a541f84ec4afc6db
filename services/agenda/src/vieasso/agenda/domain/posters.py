"""An event's poster: the image an association uploaded, named by `image_id` in a submission.

The image must exist and be the association's own; the submission then carries what pages
and feeds need (sizes, variants) so that no renderer reads the object store.
"""

from __future__ import annotations

from vieasso.common.images.pictures import ImageLookup, NoImages, picture_of
from vieasso.common.messages.agenda import EventContent, Poster
from vieasso.common.messages.base import FieldError
from vieasso.common.messages.images import ImageManifest

__all__ = ["ImageLookup", "NoImages", "check_poster_text", "poster_of"]

IMAGES_PATH = "/images"
UNKNOWN_IMAGE = (
    "Image inconnue : envoyez d'abord l'affiche (POST /api/associations/{slug}/images), "
    "puis indiquez l'identifiant reçu."
)
FOREIGN_IMAGE = (
    "Cette image a été envoyée par une autre association : envoyez votre propre affiche."
)
MISSING_ALT = (
    "Décrivez l'affiche en une phrase (texte alternatif) : elle est lue aux personnes "
    "qui ne la voient pas."
)


def check_poster_text(content: EventContent) -> list[FieldError]:
    if content.image_id is not None and not content.image_alt:
        return [FieldError(field="image_alt", message=MISSING_ALT, code="missing_image_alt")]
    return []


def poster_of(
    slug: str, content: EventContent, manifest: ImageManifest | None, images_url: str
) -> Poster | list[FieldError] | None:
    """The poster `content` names (None when it names none), or why it cannot have it;
    its files are served under `<images_url>/<id>/`."""
    if content.image_id is None:
        return None
    if manifest is None:
        message = UNKNOWN_IMAGE.format(slug=slug)
        return [FieldError(field="image_id", message=message, code="unknown_image")]
    if manifest.owner != slug:
        return [FieldError(field="image_id", message=FOREIGN_IMAGE, code="foreign_image")]
    picture = picture_of(manifest, images_url, content.image_alt or "", content.image_credits)
    return Poster(**dict(picture))
