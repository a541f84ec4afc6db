"""Is it an image we take? Recognised by its content (never by its name or declared type),
bounded in bytes and in pixels, with one French reason per refusal."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

MIB: Final = 1024 * 1024
MAX_BYTES: Final = 10 * MIB
# Pixels an image may declare (a 50-megapixel phone photo passes), and pixels the server
# ever decodes at once: JPEGs are decoded reduced (draft mode), PNG and WebP at full size,
# so the second bound caps the memory of one upload (24 MP × 4 bytes ≈ 96 MB at worst).
MAX_DECLARED_PIXELS: Final = 50_000_000
MAX_DECODED_PIXELS: Final = 24_000_000


class ImageFormat(StrEnum):
    """The formats we take, named as Pillow names them."""

    JPEG = "JPEG"
    PNG = "PNG"
    WEBP = "WEBP"

    @property
    def media_type(self) -> str:
        return f"image/{self.value.lower()}"


MESSAGES: Final = {
    "not_an_image": (
        "Ce fichier n'est pas une image JPEG, PNG ou WebP (le contenu compte, pas le nom)."
    ),
    "image_too_large": f"L'image dépasse {MAX_BYTES // MIB} Mo : réduisez-la avant de l'envoyer.",
    "image_empty": "Le fichier est vide : choisissez une image JPEG, PNG ou WebP.",
    "image_broken": (
        "Image illisible ou incomplète : le fichier est peut-être tronqué. Exportez-la à nouveau."
    ),
    "image_animated": "Les images animées ne sont pas acceptées.",
}


class ImageRejected(ValueError):
    """An upload we refuse: `message` is French, for the person who sent it."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        super().__init__(self.message)


def too_many_pixels(width: int | None = None, height: int | None = None) -> ImageRejected:
    size = f" ({width} × {height} pixels)" if width and height else ""
    return ImageRejected(
        "image_too_many_pixels",
        f"Image trop grande{size} : au plus "
        f"{MAX_DECLARED_PIXELS // 1_000_000} mégapixels pour une photo JPEG, "
        f"{MAX_DECODED_PIXELS // 1_000_000} pour une image PNG ou WebP.",
    )


def sniff(data: bytes) -> ImageFormat:
    """The format of `data` from its first bytes; `ImageRejected` for anything else."""
    if not data:
        raise ImageRejected("image_empty")
    if len(data) > MAX_BYTES:
        raise ImageRejected("image_too_large")
    if data.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat.PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageFormat.WEBP
    raise ImageRejected("not_an_image")
