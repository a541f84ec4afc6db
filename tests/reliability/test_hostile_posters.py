"""Hostile image uploads to the real processes: the agenda's posters (issue 14) and the
ressources' catalogue photos (issue 15): a decompression bomb, a truncated photo, an SVG,
an HTML page and a text renamed `.jpg`, a body over 10 MB. Each gets its French refusal,
never a 5xx; the bomb is never decoded (the process does not grow by its 900 megapixels); a
real phone photo sent afterwards is stored without its GPS."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.reliability.conftest import Scenario
from tests.reliability.test_oversize_bodies import group_rss, pgid
from tests.support import photos
from tests.support.services import Services

pytestmark = [pytest.mark.nats, pytest.mark.e2e, pytest.mark.timeout(300)]

MIB = 1024 * 1024
GROWTH_BOUND = 100 * MIB  # a 30,000 × 30,000 bomb decoded would take 900 MB (1 bit: 112 MB)
HOSTILE = {
    "PNG bomb 30,000 × 30,000": (photos.png_bomb(), "image_too_many_pixels"),
    "truncated phone JPEG": (photos.truncated(photos.phone_photo(1600, 1200)), "image_broken"),
    "SVG renamed .jpg": (photos.SVG, "not_an_image"),
    "HTML renamed .jpg": (photos.HTML, "not_an_image"),
    "text renamed .jpg": (photos.TEXT, "not_an_image"),
}
UPLOADS = {  # the service, what its uploads are, and where they go
    "agenda": ("poster", "/api/associations/les-amis-de-battant/images"),
    "ressources": ("catalogue photo", "/api/catalogue/images"),
}


@pytest.mark.parametrize("service", list(UPLOADS))
def test_hostile_image_uploads_are_refused_in_french_and_a_real_photo_loses_its_gps(
    services: Services, scenario: Scenario, service: str
) -> None:
    what, path = UPLOADS[service]
    scenario.describe(
        name=f"hostile {what} uploads",
        load=f"one upload after the other to the {service} process, with the admin token",
        faults="—",
        inputs=", ".join(HOSTILE) + ", an 11 MiB body, then a 12 MP phone photo with GPS",
        checked="422 with the French reason and its code for each file, 413 for the body, "
        "never a 5xx; resident memory grown by less than "
        f"{GROWTH_BOUND // MIB} MiB; the photo accepted, no GPS in its original and variants",
    )
    url = f"{services.url(service)}{path}"
    group = pgid(services, service)
    before = group_rss(group)
    with httpx.Client(timeout=60, headers=services.admin_headers) as client:
        for label, (data, code) in HOSTILE.items():
            sent = client.post(url, content=data, headers={"Content-Type": "image/jpeg"})
            assert sent.status_code == 422, (label, sent.status_code, sent.text)
            (error,) = sent.json()["errors"]
            assert error["code"] == code, label
            assert error["message"][0].isupper(), label
        huge = client.post(url, content=b"\xff\xd8\xff" + b"\x00" * (11 * MIB))
        assert huge.status_code == 413
        grown = group_rss(group) - before
        photo = client.post(url, content=photos.phone_photo())
        assert photo.status_code == 201, photo.text
        variants = photo.json()["variants"]
        for name in ("original", "1440.jpg", "1440.webp", "480.jpg"):
            served = client.get(variants[name]["url"])
            assert served.status_code == 200, name
            assert not Image.open(io.BytesIO(served.content)).getexif().get_ifd(photos.GPS_IFD)
    assert services.running[service].health() == 200
    assert grown < GROWTH_BOUND, grown
    scenario.figure("hostile files refused (422)", len(HOSTILE))
    scenario.figure(f"{service} RSS growth over the hostile files (MiB)", grown / MIB)
    scenario.figure("photo variants checked without GPS", 4)
