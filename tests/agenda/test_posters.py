"""Posters (SPEC §8, issue 14): upload by the API, checked by content, stripped of GPS,
stored in the `agenda_images` object store, named by id in submissions, served immutable."""

from __future__ import annotations

import asyncio
import io
import json
import secrets

import feedparser
import pytest
from nats.js import JetStreamContext
from PIL import Image

from tests.agenda.conftest import (
    Directory,
    Running,
    applied,
    get_calendar,
    submission,
    wait_for,
)
from tests.support import photos
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.agenda.domain.model import event_key
from vieasso.common import subjects
from vieasso.common.http.ratelimit import RateLimit
from vieasso.common.images.checks import MAX_BYTES
from vieasso.common.messages.agenda import EventRejected

pytestmark = pytest.mark.nats

IMMUTABLE = "public, max-age=31536000, immutable"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def association(agenda: Running, directory: Directory) -> tuple[str, dict[str, str]]:
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    return slug, bearer(token)


async def upload(
    agenda: Running, slug: str, headers: dict[str, str], data: bytes, name: str = "affiche.jpg"
) -> tuple[int, dict[str, object]]:
    """Sent as a tool would, with a misleading type: the content decides."""
    response = await agenda.client.post(
        f"/api/associations/{slug}/images",
        content=data,
        headers=headers | {"Content-Type": "image/jpeg", "Content-Disposition": f"filename={name}"},
    )
    return response.status_code, response.json()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def test_phone_photo_is_stored_without_gps_and_served_immutable(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug, headers = await association(agenda, directory)
    status, body = await upload(agenda, slug, headers, photos.phone_photo(orientation=6))
    assert status == 201, body
    image_id = body["image_id"]
    assert isinstance(image_id, str)
    assert (body["width"], body["height"]) == (3024, 4032)  # 12 MP, upright

    store = await js.object_store("agenda_images")
    stored = (await store.get(f"{image_id}/original")).data or b""
    assert not opened(stored).getexif().get_ifd(photos.GPS_IFD)
    assert b"PhoneMaker" not in stored
    for variant in ("original", "1440.webp", "1440.jpg", "480.jpg"):
        served = await agenda.client.get(f"/images/{image_id}/{variant}")
        assert served.status_code == 200, variant
        assert served.headers["cache-control"] == IMMUTABLE
        image = opened(served.content)
        assert not image.getexif().get_ifd(photos.GPS_IFD), variant
        again = await agenda.client.get(
            f"/images/{image_id}/{variant}", headers={"If-None-Match": served.headers["etag"]}
        )
        assert again.status_code == 304
    assert opened((await agenda.client.get(f"/images/{image_id}/1440.webp")).content).size == (
        1440,
        1920,
    )
    again_status, again_body = await upload(
        agenda, slug, headers, photos.phone_photo(orientation=6)
    )
    assert (again_status, again_body["image_id"]) == (201, image_id)  # same file, same id
    missing = await agenda.client.get(f"/images/{'0' * 32}/480.jpg")
    assert missing.status_code == 404
    assert (await agenda.client.get(f"/images/{image_id}/12.gif")).status_code == 404


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (photos.png_bomb(), "image_too_many_pixels"),
        (photos.truncated(photos.phone_photo(1200, 900)), "image_broken"),
        (photos.SVG, "not_an_image"),
        (photos.HTML, "not_an_image"),
        (photos.TEXT, "not_an_image"),
    ],
    ids=["png-bomb", "truncated-jpeg", "svg-renamed-jpg", "html-renamed-jpg", "text-renamed-jpg"],
)
async def test_hostile_uploads_get_a_french_422(
    agenda: Running, directory: Directory, data: bytes, code: str
) -> None:
    slug, headers = await association(agenda, directory)
    status, body = await upload(agenda, slug, headers, data)
    assert status == 422, body
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["code"] == code
    assert errors[0]["field"] == "image"
    assert "image" in errors[0]["message"].lower()


async def test_a_body_over_10_mb_is_refused_413_in_french(
    agenda: Running, directory: Directory
) -> None:
    slug, headers = await association(agenda, directory)
    huge = b"\xff\xd8\xff" + secrets.token_bytes(MAX_BYTES)
    response = await agenda.client.post(
        f"/api/associations/{slug}/images", content=huge, headers=headers
    )
    assert response.status_code == 413
    assert "10 Mo" in response.text or "volumineux" in response.text


async def test_uploads_need_the_association_token(agenda: Running, directory: Directory) -> None:
    slug, headers = await association(agenda, directory)
    other, _ = await association(agenda, directory)
    anonymous = await agenda.client.post(f"/api/associations/{slug}/images", content=photos.png())
    assert anonymous.status_code == 401
    foreign = await agenda.client.post(
        f"/api/associations/{other}/images", content=photos.png(), headers=headers
    )
    assert foreign.status_code == 403


async def test_submission_names_its_poster_and_another_associations_image_is_refused(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug, headers = await association(agenda, directory)
    other, other_headers = await association(agenda, directory)
    _, mine = await upload(agenda, slug, headers, photos.png(1200, 800))
    _, theirs = await upload(agenda, other, other_headers, photos.png(1200, 800))
    assert mine["image_id"] != theirs["image_id"]

    event = submission(
        slug, image_id=mine["image_id"], image_alt="Affiche bleue", image_credits="Léa"
    )
    await applied(agenda, js, event)
    poster = agenda.wiring.catalog.get(event_key(slug, event.event_id))
    assert poster is not None
    assert poster.record.event.poster is not None
    assert poster.record.event.poster.alt == "Affiche bleue"

    refusals = await js.subscribe(subjects.rejection(slug))
    for fields, code in (
        ({"image_id": theirs["image_id"], "image_alt": "Affiche"}, "foreign_image"),
        ({"image_id": "f" * 32, "image_alt": "Affiche"}, "unknown_image"),
        ({"image_id": mine["image_id"]}, "missing_image_alt"),
    ):
        api = await agenda.client.post(
            f"/api/associations/{slug}/events",
            json={"event_id": "avec-affiche", "title": "Fête", "start": "2026-04-05T08:00:00+02:00",
                  "end": "2026-04-05T17:00:00+02:00", "place": {"name": "Place Pasteur",
                  "address": "Place Pasteur", "postal_code": "25000"}} | fields,
            headers=headers,
        )  # fmt: skip
        assert api.status_code == 422, api.text
        assert api.json()["errors"][0]["code"] == code
        await js.publish(
            subjects.submission(slug),
            submission(slug, **fields).model_dump_json().encode(),
        )
        message = await refusals.next_msg(timeout=10)
        rejected = EventRejected.model_validate_json(message.data)
        assert rejected.reasons[0].code == code
    await refusals.unsubscribe()


async def test_poster_on_the_event_page_in_json_ld_feeds_and_calendars(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug, headers = await association(agenda, directory)
    _, uploaded = await upload(agenda, slug, headers, photos.phone_photo(2000, 1500))
    image_id = uploaded["image_id"]
    assert isinstance(image_id, str)
    alt = "Affiche : un vélo rouge devant la Citadelle"
    event = submission(slug, image_id=image_id, image_alt=alt, image_credits="Photo : Léa M.")
    await applied(agenda, js, event)
    base = f"{agenda.settings.public_url('agenda')}/images/{image_id}"
    large = f"{base}/1440.jpg"

    page = await agenda.client.get(f"/events/{slug}/{event.event_id}")
    assert page.status_code == 200
    assert f'alt="{alt}"' in page.text.replace("&#39;", "'")
    assert f'{base}/960.jpg"' in page.text
    assert "Crédits : Photo : Léa M." in page.text
    document = page.text.split('<script type="application/ld+json">')[1].split("</script>")[0]
    image = json.loads(document)["image"]
    assert image["url"] == large
    assert (image["caption"], image["creditText"]) == (alt, "Photo : Léa M.")

    served = await agenda.client.get(large)
    for kind in ("rss", "atom"):  # read as a feed reader does
        feed = await agenda.client.get(f"/feeds/agenda.{kind}?association={slug}")
        (entry,) = feedparser.parse(feed.content).entries
        (enclosure,) = entry.enclosures
        assert enclosure.href == large, kind
        assert enclosure.type == "image/jpeg", kind
        assert enclosure.length == str(len(served.content)), kind
        assert [link.rel for link in entry.links].count("alternate") == 1, kind

    calendar = await get_calendar(agenda, f"/events/{slug}/{event.event_id}.ics")
    vevent = next(iter(calendar.walk("VEVENT")))
    picture = vevent["IMAGE"]
    assert str(picture) == large
    assert picture.params["VALUE"] == "URI"
    assert picture.params["FMTTYPE"] == "image/jpeg"
    assert str(vevent["ATTACH"]) == large


async def test_image_url_stays_accepted_and_is_never_fetched(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug, _ = await association(agenda, directory)
    asked: list[str] = []

    async def fetched(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        asked.append("fetched")
        writer.close()

    server = await asyncio.start_server(fetched, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/affiche.jpg"
    try:
        event = submission(slug, image_url=url)
        await applied(agenda, js, event)
        calendar = await get_calendar(agenda, f"/events/{slug}/{event.event_id}.ics")
        assert str(next(iter(calendar.walk("VEVENT")))["IMAGE"]) == url
        page = await agenda.client.get(f"/events/{slug}/{event.event_id}")
        assert url in page.text  # in its JSON-LD
    finally:
        server.close()
        await server.wait_closed()
    assert asked == []


async def test_an_association_sending_too_many_images_waits_with_a_french_429(
    agenda: Running, directory: Directory
) -> None:
    slug, headers = await association(agenda, directory)
    other, other_headers = await association(agenda, directory)
    agenda.wiring.uploads = RateLimit(2, 3600)
    for _ in range(2):
        status, _ = await upload(agenda, slug, headers, photos.png())
        assert status == 201
    refused = await agenda.client.post(
        f"/api/associations/{slug}/images", content=photos.png(), headers=headers
    )
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3600"
    assert refused.json()["detail"].startswith("Trop d'images envoyées")
    status, _ = await upload(agenda, other, other_headers, photos.png())
    assert status == 201  # counted per association
