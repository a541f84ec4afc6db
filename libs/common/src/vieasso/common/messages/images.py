"""Images (posters, catalogue photos): what is kept of one upload, and how it is named.

An image is stored once per owner under a content-addressed id, with its metadata-free
original and fixed-width variants (`vieasso.common.images`); these models say what exists.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Line, WebUrl

IMAGE_ID_PATTERN = r"^[0-9a-f]{32}$"

ImageId = Annotated[
    str,
    Field(
        pattern=IMAGE_ID_PATTERN,
        description="Id of an uploaded image (32 hexadecimal characters).",
        examples=["3f9c2a7e5b1d4c8a9e0f6b2d7c4a1e8b"],
    ),
]


class ImageVariant(BaseModel):
    """One stored file of an image: `original`, or `<width>.webp` / `<width>.jpg`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str = Field(description="`original`, or `<width>.webp` / `<width>.jpg`.")
    media_type: str = Field(description="`image/jpeg`, `image/png` or `image/webp`.")
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    bytes: int = Field(ge=1)


class ImageManifest(BaseModel):
    """What the object store holds for one image (`<id>/manifest.json`, written last)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: ImageId
    owner: str = Field(description="Who uploaded it (an association's slug).")
    width: int = Field(ge=1, description="Width of the original, upright.")
    height: int = Field(ge=1, description="Height of the original, upright.")
    variants: tuple[ImageVariant, ...]
    uploaded_at: AwareDatetime

    def variant(self, name: str) -> ImageVariant | None:
        return next((v for v in self.variants if v.name == name), None)


class Picture(BaseModel):
    """An uploaded image as a record names it: its files are served at `<url>/<variant>`,
    with what pages need (sizes, variants) so that no renderer reads the object store."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: ImageId
    url: WebUrl = Field(description="Where its files are served: `<url>/<variant>`.")
    alt: Line
    credits: Line | None = None
    width: int = Field(ge=1, description="Width of the original, upright.")
    height: int = Field(ge=1, description="Height of the original, upright.")
    variants: tuple[ImageVariant, ...]
