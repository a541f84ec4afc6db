"""Uploaded images (the agenda's posters; later the ressources' photos): checked by content,
stripped of their metadata, resized into fixed-width variants, stored in a JetStream object
store under a content-addressed id."""

from vieasso.common.images.checks import MAX_BYTES, ImageFormat, ImageRejected
from vieasso.common.images.store import ImageStore, ImageStoreError
from vieasso.common.images.variants import ORIGINAL, WIDTHS, PreparedImage, prepare, variant_names

__all__ = [
    "MAX_BYTES",
    "ORIGINAL",
    "WIDTHS",
    "ImageFormat",
    "ImageRejected",
    "ImageStore",
    "ImageStoreError",
    "PreparedImage",
    "prepare",
    "variant_names",
]
