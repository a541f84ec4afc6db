"""From an uploaded file to what is stored: its checked, metadata-free original and
fixed-width variants in WebP and JPEG, named by a hash of the owner and the bytes.

CPU-bound and synchronous (run it in a thread). A JPEG is decoded reduced (Pillow's draft
mode: libjpeg scales by 1/2, 1/4 or 1/8 while decoding) to the smallest size that still
covers the widest variant, so a 12-megapixel photo never exists in memory at full size.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from PIL import Image, ImageOps

from vieasso.common.images.checks import (
    MAX_DECLARED_PIXELS,
    MAX_DECODED_PIXELS,
    ImageFormat,
    ImageRejected,
    sniff,
    too_many_pixels,
)
from vieasso.common.images.metadata import ORIENTATION, strip
from vieasso.common.messages.images import ImageManifest, ImageVariant

WIDTHS: Final = (480, 960, 1440)
"""Widths of the variants; narrower images keep their own width (never enlarged)."""
JPEG_QUALITY: Final = 82
WEBP_QUALITY: Final = 80
# libwebp's effort, 0 (fast) to 6 (small): 2 takes less than half the CPU of 3 or of the
# default 4 for files 3 % larger (a 1440-pixel photo: 44 ms against 99 ms, B7)
WEBP_METHOD: Final = 2
ORIGINAL: Final = "original"
_ROTATED: Final = frozenset({5, 6, 7, 8})  # orientations that swap width and height
_READ_ERRORS = (OSError, SyntaxError, ValueError, EOFError)


def variant_names() -> tuple[str, ...]:
    """Every name an image is served under, `original` first."""
    return (ORIGINAL, *(f"{w}.{ext}" for w in WIDTHS for ext in ("webp", "jpg")))


def image_id(owner: str, data: bytes) -> str:
    """Content-addressed id: the same file sent again by the same owner has the same id (a
    second upload changes nothing); the same file from another owner is another image."""
    return hashlib.sha256(owner.encode() + b"\x00" + data).hexdigest()[:32]


@dataclass(frozen=True)
class PreparedImage:
    """What to store: the manifest and the bytes of each of its variants."""

    manifest: ImageManifest
    files: dict[str, bytes]


def prepare(data: bytes, *, owner: str, now: datetime) -> PreparedImage:
    """`ImageRejected` (French reason) unless `data` is a JPEG, PNG or WebP within bounds."""
    fmt = sniff(data)
    try:
        with Image.open(io.BytesIO(data), formats=[fmt.value]) as image:
            return _prepare(image, data, fmt, owner, now)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own bound, checked at open
        raise too_many_pixels() from exc
    except _READ_ERRORS as exc:
        raise ImageRejected("image_broken") from exc


def _prepare(
    image: Image.Image, data: bytes, fmt: ImageFormat, owner: str, now: datetime
) -> PreparedImage:
    width, height = image.size
    if width * height > MAX_DECLARED_PIXELS:
        raise too_many_pixels(width, height)
    if getattr(image, "n_frames", 1) > 1:
        raise ImageRejected("image_animated")
    orientation = image.getexif().get(ORIENTATION, 1)
    orientation = orientation if orientation in range(1, 9) else 1
    rotated = orientation in _ROTATED
    if fmt is ImageFormat.JPEG:
        image.draft("RGB", (1, WIDTHS[-1]) if rotated else (WIDTHS[-1], 1))
    if image.size[0] * image.size[1] > MAX_DECODED_PIXELS:
        raise too_many_pixels(width, height)
    image.load()
    icc = image.info.get("icc_profile") if image.mode != "CMYK" else None
    full = (height, width) if rotated else (width, height)
    files = {ORIGINAL: strip(data, fmt, orientation)}
    variants = [_described(ORIGINAL, fmt.media_type, full, files[ORIGINAL])]
    current = _normalized(ImageOps.exif_transpose(image))
    for target in sorted(WIDTHS, reverse=True):
        current = _resized(current, target, full)
        for ext, media, encoded in (
            ("webp", "image/webp", _webp(current, icc)),
            ("jpg", "image/jpeg", _jpeg(current, icc)),
        ):
            files[f"{target}.{ext}"] = encoded
            variants.append(_described(f"{target}.{ext}", media, current.size, encoded))
    manifest = ImageManifest(
        id=image_id(owner, data),
        owner=owner,
        width=full[0],
        height=full[1],
        variants=tuple(variants),
        uploaded_at=now,
    )
    return PreparedImage(manifest=manifest, files=files)


def _described(name: str, media_type: str, size: tuple[int, int], data: bytes) -> ImageVariant:
    width, height = size
    return ImageVariant(
        name=name, media_type=media_type, width=width, height=height, bytes=len(data)
    )


def _normalized(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image has transparency."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    wanted = "RGBA" if has_alpha else "RGB"
    return image if image.mode == wanted else image.convert(wanted)


def _resized(image: Image.Image, target: int, full: tuple[int, int]) -> Image.Image:
    """`image` at `target` pixels wide (the original's width at most), proportions kept."""
    width = min(target, full[0])
    height = max(1, round(full[1] * width / full[0]))
    if image.size == (width, height):
        return image
    return image.resize((width, height), Image.Resampling.BICUBIC, reducing_gap=2.0)


def _webp(image: Image.Image, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, icc_profile=icc or b"")
    return out.getvalue()


def _jpeg(image: Image.Image, icc: bytes | None) -> bytes:
    if image.mode == "RGBA":  # JPEG has no transparency: on white, like a printed poster
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, icc_profile=icc)
    return out.getvalue()
