"""A catalogue entry's photo: an image the city uploaded first (the `ressources_images`
object store, `vieasso.common.images`), named by `image_id` with its French `image_alt`.

The record keeps what pages need (sizes, variants: `photo`) so that no page reads the
object store; its files are served under `/materiel/images/{id}/{variant}` (the agenda owns
`/images/` on the proxy).
"""

from __future__ import annotations

from vieasso.common.images.pictures import picture_of
from vieasso.common.messages.base import FieldError
from vieasso.common.messages.images import ImageManifest, Picture
from vieasso.ressources.domain.catalogue import EquipmentModel, Room

IMAGES_PATH = "/materiel/images"
OWNER = "ville"  # only the city uploads photos of its catalogue
UNKNOWN_IMAGE = (
    "Photo inconnue : envoyez d'abord la photo (POST /api/catalogue/images), "
    "puis indiquez l'identifiant reçu."
)
MISSING_ALT = (
    "Décrivez la photo en une phrase (texte alternatif) : elle est lue aux personnes "
    "qui ne la voient pas."
)


def alt_errors(image_id: object, image_alt: object) -> list[FieldError]:
    """A photo needs its description (checked on the raw values too, so that a form with
    other errors says it at once)."""
    if image_id and not image_alt:
        return [FieldError(field="image_alt", message=MISSING_ALT, code="missing_image_alt")]
    return []


def photo_for(
    entry: EquipmentModel | Room,
    kept: Picture | None,
    manifest: ImageManifest | None,
    images_url: str,
) -> Picture | FieldError | None:
    """The photo `entry` names (None: it names none), or why it cannot have it. `kept`: the
    stored record's photo, reused when it is the same image (its alt text and, should the
    site's address have changed, its URL follow the entry)."""
    if entry.image_id is None:
        return None
    alt = entry.image_alt or ""
    if kept is not None and kept.id == entry.image_id:
        url = f"{images_url}/{kept.id}" if images_url else str(kept.url)
        return Picture.model_validate(kept.model_dump() | {"alt": alt, "url": url})
    if manifest is None:
        return FieldError(field="image_id", message=UNKNOWN_IMAGE, code="unknown_image")
    return picture_of(manifest, images_url, alt)
