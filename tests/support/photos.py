"""Images for the poster tests and B7: a phone photo with its GPS, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
BESANCON = ((47.0, 14.0, 12.0), (6.0, 1.0, 27.0))  # the Citadelle, degrees/minutes/seconds


def phone_photo(
    width: int = 4032, height: int = 3024, *, orientation: int = 1, quality: int = 90
) -> bytes:
    """A JPEG as a phone writes it: 12 MP by default, EXIF with GPS, make and orientation,
    an XMP packet, and a second picture appended after the end of the image."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(0, width, max(1, width // 24)):  # detail, so the encoder has work
        draw.line([(i, 0), (width - i, height)], fill=(200, 40 + i % 200, 90), width=9)
    draw.rectangle([0, 0, width // 4, height // 8], fill=(230, 20, 20))  # marks the top left
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    lat, lon = BESANCON
    exif.get_ifd(GPS_IFD).update({1: "N", 2: lat, 3: "E", 4: lon})
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>47,14N</exif:GPSLatitude>'
    image.save(out, "JPEG", quality=quality, exif=exif, xmp=xmp + b"</x:xmpmeta>")
    appended = io.BytesIO()
    small = Image.new("RGB", (64, 48), (10, 10, 10))
    small.save(appended, "JPEG", exif=exif)  # phones append a depth map or gain map
    return out.getvalue() + appended.getvalue()


def png(width: int = 640, height: int = 400, *, alpha: bool = False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (20, 120, 200, 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp(width: int = 800, height: int = 600) -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 20))
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: BESANCON[0]})
    out = io.BytesIO()
    image.save(out, "WEBP", exif=exif)
    return out.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A PNG of a few kilobytes declaring `side` × `side` pixels (900 MP by default): all
    zeros, compressed ~1000:1."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + side // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(2000)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
TEXT = "Affiche de la fête de quartier\n".encode()
