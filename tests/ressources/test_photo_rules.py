"""The catalogue's photo rules (pure): a photo needs its description, an unknown image is
refused, and a kept photo follows the entry's description and the site's address."""

from __future__ import annotations

from datetime import UTC, datetime

from vieasso.common.images.pictures import picture_of
from vieasso.common.messages.base import FieldError
from vieasso.common.messages.images import ImageManifest, ImageVariant, Picture
from vieasso.ressources.domain.catalogue import EquipmentModel
from vieasso.ressources.domain.photos import alt_errors, photo_for

NOW = datetime(2027, 3, 1, tzinfo=UTC)
IMAGE = "3f9c2a7e5b1d4c8a9e0f6b2d7c4a1e8b"
MANIFEST = ImageManifest(
    id=IMAGE,
    owner="ville",
    width=960,
    height=640,
    variants=(
        ImageVariant(name="480.jpg", media_type="image/jpeg", width=480, height=320, bytes=9),
    ),
    uploaded_at=NOW,
)


def model(**fields: object) -> EquipmentModel:
    values: dict[str, object] = {
        "id": "barnum",
        "name": "Barnum",
        "category": "barnums",
        "stock": 3,
        "storage_place": "Centre technique municipal",
        "updated_at": NOW,
    }
    return EquipmentModel.model_validate(values | fields)


def test_a_photo_needs_its_description() -> None:
    assert [e.code for e in alt_errors(IMAGE, None)] == ["missing_image_alt"]
    assert [e.code for e in alt_errors(IMAGE, "")] == ["missing_image_alt"]
    assert alt_errors(None, None) == []
    assert alt_errors(IMAGE, "Un barnum") == []


def test_an_unknown_image_is_refused_and_a_known_one_is_described() -> None:
    entry = model(image_id=IMAGE, image_alt="Un barnum blanc")
    unknown = photo_for(entry, None, None, "https://vie-asso.example/materiel/images")
    assert isinstance(unknown, FieldError)
    assert unknown.field == "image_id"
    photo = photo_for(entry, None, MANIFEST, "https://vie-asso.example/materiel/images")
    assert photo == picture_of(
        MANIFEST, "https://vie-asso.example/materiel/images", "Un barnum blanc"
    )
    assert photo_for(model(), None, MANIFEST, "https://vie-asso.example/materiel/images") is None


def test_a_kept_photo_follows_the_description_and_the_sites_address() -> None:
    kept = picture_of(MANIFEST, "http://127.0.0.1:8004/materiel/images", "Ancienne description")
    entry = model(image_id=IMAGE, image_alt="Deux barnums blancs")
    again = photo_for(entry, kept, None, "https://vie-asso.example/materiel/images")
    assert isinstance(again, Picture)
    assert again.alt == "Deux barnums blancs"
    assert str(again.url) == f"https://vie-asso.example/materiel/images/{IMAGE}"
    assert again.variants == kept.variants
