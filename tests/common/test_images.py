"""Images checked by content, stripped of metadata (GPS above all) and resized
(vieasso.common.images)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from tests.support import photos
from vieasso.common.images import ImageRejected, prepare, variant_names
from vieasso.common.images.checks import MAX_BYTES

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(image: Image.Image) -> None:
    exif = image.getexif()
    assert not exif.get_ifd(photos.GPS_IFD)
    assert photos.MAKE not in exif
    assert "xmp" not in image.info
    assert "XML:com.adobe.xmp" not in image.info


def test_phone_photo_loses_gps_in_the_original_and_every_variant() -> None:
    upload = photos.phone_photo(1600, 1200)
    assert opened(upload).getexif().get_ifd(photos.GPS_IFD)  # the test photo has GPS
    prepared = prepare(upload, owner="amis-de-battant", now=NOW)
    assert set(prepared.files) == set(variant_names())
    for name, data in prepared.files.items():
        image = opened(data)
        assert_no_metadata(image)
        if name != "original":
            assert not image.getexif(), name
    assert b"PhoneMaker" not in prepared.files["original"]
    assert b"GPSLatitude" not in prepared.files["original"]


def test_original_keeps_its_pixels_and_only_the_orientation() -> None:
    upload = photos.phone_photo(1600, 1200, orientation=6)
    prepared = prepare(upload, owner="a", now=NOW)
    original = opened(prepared.files["original"])
    assert dict(original.getexif()) == {photos.ORIENTATION: 6}
    assert original.tobytes() == opened(upload).tobytes()  # not re-encoded
    manifest = prepared.manifest
    assert (manifest.width, manifest.height) == (1200, 1600)  # upright


def test_variants_are_upright_and_of_fixed_width() -> None:
    prepared = prepare(photos.phone_photo(1600, 1200, orientation=6), owner="a", now=NOW)
    large = opened(prepared.files["1440.jpg"])
    assert large.size == (1200, 1600)  # narrower than 1440: never enlarged
    small = opened(prepared.files["480.webp"])
    assert small.size == (480, 640)
    red, white = small.getpixel((470, 5)), small.getpixel((5, 5))
    assert isinstance(red, tuple)
    assert isinstance(white, tuple)
    assert red[0] > 180 > red[1]  # the top left went top right
    assert min(white) > 200


def test_png_and_webp_lose_their_metadata_too() -> None:
    for upload in (photos.png(alpha=True), photos.webp()):
        prepared = prepare(upload, owner="a", now=NOW)
        for data in prepared.files.values():
            assert_no_metadata(opened(data))


def test_same_file_same_owner_same_id_other_owner_other_id() -> None:
    upload = photos.png()
    first = prepare(upload, owner="a", now=NOW).manifest.id
    assert prepare(upload, owner="a", now=NOW).manifest.id == first
    assert prepare(upload, owner="b", now=NOW).manifest.id != first


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (photos.png_bomb(), "image_too_many_pixels"),
        (photos.png_bomb(8_000), "image_too_many_pixels"),  # under Pillow's own bound
        (photos.truncated(photos.phone_photo(800, 600)), "image_broken"),
        (photos.truncated(photos.png(), 0.8), "image_broken"),
        (photos.SVG, "not_an_image"),
        (photos.HTML, "not_an_image"),
        (photos.TEXT, "not_an_image"),
        (b"", "image_empty"),
        (b"\xff\xd8\xff" + b"\x00" * 64, "image_broken"),
        (b"\xff\xd8\xff" + b"\x00" * MAX_BYTES, "image_too_large"),
    ],
    ids=[
        "png-bomb",
        "png-8000",
        "truncated-jpeg",
        "truncated-png",
        "svg",
        "html",
        "text",
        "empty",
        "jpeg-magic-only",
        "over-10-MB",
    ],
)
def test_hostile_files_are_refused_with_a_french_reason(upload: bytes, code: str) -> None:
    with pytest.raises(ImageRejected) as refused:
        prepare(upload, owner="a", now=NOW)
    assert refused.value.code == code
    assert refused.value.message[0].isupper()
    assert "image" in refused.value.message.lower()


def test_animated_images_are_refused() -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected) as refused:
        prepare(out.getvalue(), owner="a", now=NOW)
    assert refused.value.code == "image_animated"


def test_an_extended_webp_keeps_only_its_orientation_and_is_served_upright() -> None:
    exif = Image.Exif()
    exif[photos.ORIENTATION] = 6
    exif.get_ifd(photos.GPS_IFD).update({1: "N", 2: photos.BESANCON[0]})
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 200, 30, 100)).save(
        out, "WEBP", exif=exif, xmp=b"<x:xmpmeta>GPSLatitude</x:xmpmeta>"
    )
    prepared = prepare(out.getvalue(), owner="a", now=NOW)
    original = opened(prepared.files["original"])
    assert dict(original.getexif()) == {photos.ORIENTATION: 6}
    assert b"GPSLatitude" not in prepared.files["original"]
    assert opened(prepared.files["480.webp"]).size == (200, 300)
    assert opened(prepared.files["480.webp"]).mode == "RGBA"


@pytest.mark.parametrize("mode", ["CMYK", "L", "P", "I;16"])
def test_every_colour_mode_gives_rgb_jpeg_variants(mode: str) -> None:
    out = io.BytesIO()
    Image.new(mode, (64, 48)).save(out, "JPEG" if mode in ("CMYK", "L") else "PNG")
    prepared = prepare(out.getvalue(), owner="a", now=NOW)
    assert opened(prepared.files["480.jpg"]).mode == "RGB"
