"""The original without its metadata, bit for bit otherwise (no re-encoding, no quality lost).

Phone photos carry the place they were taken (EXIF GPS, XMP), the phone's serial number and
the owner's name; none of it may reach a public URL. Each format is walked block by block:
only what draws the picture is kept (JPEG: JFIF, ICC profile, Adobe colour transform and the
coded image; PNG: every chunk but the text and EXIF ones; WebP: every chunk but EXIF/XMP), and
whatever trails the image (the second picture phones append after a JPEG) is dropped. The
orientation alone survives, in a minimal EXIF block, so the original shows upright.
"""

from __future__ import annotations

import struct
import zlib
from typing import Final

from PIL import Image

from vieasso.common.images.checks import ImageFormat, ImageRejected

ORIENTATION: Final = 0x0112
_EXIF_HEADER: Final = b"Exif\x00\x00"
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_PNG_DROPPED: Final = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"})
_WEBP_DROPPED: Final = frozenset({b"EXIF", b"XMP "})
_WEBP_EXIF_FLAG, _WEBP_XMP_FLAG = 0x08, 0x04
# JPEG markers (ITU T.81, B.1.1.3)
_PREFIX, _STUFFED, _TEM = 0xFF, 0x00, 0x01
_RST0, _RST7, _EOI, _SOS = 0xD0, 0xD7, 0xD9, 0xDA
_APP0, _APP1, _APP2, _APP14, _APP15, _COM = 0xE0, 0xE1, 0xE2, 0xEE, 0xEF, 0xFE


def strip(data: bytes, fmt: ImageFormat, orientation: int) -> bytes:
    """`data` without metadata, keeping `orientation` (1: none) in a minimal EXIF block."""
    tiff = _orientation_tiff(orientation)
    try:
        if fmt is ImageFormat.JPEG:
            return _jpeg(data, tiff)
        if fmt is ImageFormat.PNG:
            return _png(data, tiff)
        return _webp(data, tiff)
    except (IndexError, struct.error) as exc:
        raise ImageRejected("image_broken") from exc


def _orientation_tiff(orientation: int) -> bytes:
    if orientation == 1:
        return b""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes().removeprefix(_EXIF_HEADER)


def _keep_jpeg_segment(marker: int, segment: bytes) -> bool:
    payload = segment[4:]
    if marker == _APP0:
        return payload.startswith((b"JFIF\x00", b"JFXX\x00"))
    if marker == _APP2:
        return payload.startswith(b"ICC_PROFILE\x00")
    if marker == _APP14:
        return payload.startswith(b"Adobe")
    return not (_APP1 <= marker <= _APP15 or marker == _COM)  # other APPn, comments


def _jpeg(data: bytes, tiff: bytes) -> bytes:
    out = bytearray(b"\xff\xd8")
    if tiff:
        app1 = _EXIF_HEADER + tiff
        out += b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    i, size = 2, len(data)
    while i + 1 < size:
        if data[i] != _PREFIX:
            raise ImageRejected("image_broken")
        marker = data[i + 1]
        if marker == _PREFIX:  # fill byte
            i += 1
        elif marker == _EOI:  # end of image: what trails it is dropped
            return bytes(out + b"\xff\xd9")
        elif _RST0 <= marker <= _RST7 or marker == _TEM:
            out += data[i : i + 2]
            i += 2
        else:
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            end = i + 2 + length
            if length < 2 or end > size:  # noqa: PLR2004
                raise ImageRejected("image_broken")
            if _keep_jpeg_segment(marker, data[i:end]):
                out += data[i:end]
            i = end
            if marker == _SOS:  # start of scan: coded data up to the next marker
                scan_end = _scan_end(data, i)
                out += data[i:scan_end]
                i = scan_end
    raise ImageRejected("image_broken")  # no end of image: truncated


def _scan_end(data: bytes, i: int) -> int:
    """Index of the first marker after the coded data starting at `i` (stuffed 0xFF00
    bytes and restart markers belong to the data)."""
    while True:
        i = data.find(b"\xff", i)
        if i < 0 or i + 1 >= len(data):
            raise ImageRejected("image_broken")
        following = data[i + 1]
        if following == _STUFFED or _RST0 <= following <= _RST7:
            i += 2
        elif following == _PREFIX:
            i += 1
        else:
            return i


def _png(data: bytes, tiff: bytes) -> bytes:
    out = bytearray(_PNG_SIGNATURE)
    i = len(_PNG_SIGNATURE)
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        end = i + 12 + length
        if end > len(data):
            raise ImageRejected("image_broken")
        if kind not in _PNG_DROPPED:
            out += data[i:end]
        if kind == b"IHDR" and tiff:
            out += struct.pack(">I", len(tiff)) + b"eXIf" + tiff
            out += struct.pack(">I", zlib.crc32(b"eXIf" + tiff))
        if kind == b"IEND":
            return bytes(out)
        i = end
    raise ImageRejected("image_broken")


def _webp(data: bytes, tiff: bytes) -> bytes:
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = min(8 + riff_size, len(data))
    chunks: list[bytes] = []
    i = 12
    while i + 8 <= end:
        kind, length = struct.unpack("<4sI", data[i : i + 8])
        if i + 8 + length > end:
            raise ImageRejected("image_broken")
        stop = i + 8 + length + (length & 1)  # chunks are padded to even sizes
        if kind not in _WEBP_DROPPED:
            chunks.append(data[i:stop].ljust(stop - i, b"\x00"))  # a last pad byte may lack
        i = stop
    if not chunks:
        raise ImageRejected("image_broken")
    if chunks[0][:4] == b"VP8X":  # the extended header says which metadata follows
        flags = chunks[0][8] & ~(_WEBP_EXIF_FLAG | _WEBP_XMP_FLAG)
        if tiff:
            flags |= _WEBP_EXIF_FLAG
            chunks.append(b"EXIF" + struct.pack("<I", len(tiff)) + tiff + b"\x00" * (len(tiff) & 1))
        chunks[0] = chunks[0][:8] + bytes([flags]) + chunks[0][9:]
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body
