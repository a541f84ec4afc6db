"""Photos of the catalogue (issue 15, item 1): the city uploads an image by the API, checked
by content and stripped of its GPS, stored in the `ressources_images` object store, named by
`image_id` with a French `image_alt` in a model or a room, shown on the public pages and
served immutable at `/materiel/images/{id}/{variant}`."""

from __future__ import annotations

import asyncio
import io
import re
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from nats.js import JetStreamContext
from PIL import Image

from tests.ressources.catalogue_app import (
    Client,
    model_body,
    new_id,
    put_venue,
    room_body,
    running_ressources,
    until,
)
from tests.ressources.reservation_app import DAY, SPACE, association, stock
from tests.support import photos
from tests.support.pages import assert_french_page
from tests.support.sessions import session_cookie
from vieasso.common.images.checks import MAX_BYTES
from vieasso.common.messages.ressources import ResourceKind
from vieasso.common.web import Kind

pytestmark = pytest.mark.nats

IMMUTABLE = "public, max-age=31536000, immutable"
ALT = "Trois barnums blancs montés sur la place de la Révolution"


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def upload(client: Client, data: bytes, **headers: str) -> tuple[int, dict[str, Any]]:
    """Sent as a tool would, with a misleading type: the content decides."""
    response = await client.http.post(
        "/api/catalogue/images",
        content=data,
        headers=client.admin | {"Content-Type": "image/jpeg"} | headers,
    )
    return response.status_code, response.json()


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_a_phone_photo_is_stored_without_gps_and_shown_on_the_public_pages(
    nats_url: str, js: JetStreamContext
) -> None:
    model_id = new_id("barnum")
    async with running_ressources(nats_url) as client:
        status, body = await upload(client, photos.phone_photo(1600, 1200, orientation=6))
        assert status == 201, body
        image_id = body["image_id"]
        assert (body["width"], body["height"]) == (1200, 1600)  # upright
        assert path_of(body["variants"]["480.jpg"]["url"]) == (
            f"/materiel/images/{image_id}/480.jpg"
        )

        store = await js.object_store("ressources_images")
        stored = (await store.get(f"{image_id}/original")).data or b""
        assert not opened(stored).getexif().get_ifd(photos.GPS_IFD)
        assert b"PhoneMaker" not in stored
        for variant in ("original", "960.webp", "480.jpg"):
            served = await client.http.get(f"/materiel/images/{image_id}/{variant}")
            assert served.status_code == 200, variant
            assert served.headers["cache-control"] == IMMUTABLE
            assert not opened(served.content).getexif().get_ifd(photos.GPS_IFD), variant
            etag = {"If-None-Match": served.headers["etag"]}
            again = await client.http.get(f"/materiel/images/{image_id}/{variant}", headers=etag)
            assert again.status_code == 304
        assert (await client.http.get(f"/materiel/images/{'0' * 32}/480.jpg")).status_code == 404
        assert (await client.http.get(f"/images/{image_id}/480.jpg")).status_code == 404

        named = model_body(name=f"Barnum {model_id}", image_id=image_id, image_alt=ALT)
        put = await client.http.put(
            f"/api/catalogue/materiel/{model_id}", json=named, headers=client.admin
        )
        assert put.status_code == 200, put.text
        photo = put.json()["photo"]
        assert (photo["id"], photo["alt"], photo["width"]) == (image_id, ALT, 1200)
        again = put.json() | {"photo": None}  # the record as GET returns it: photo ignored
        for key in ("id", "kind", "updated_at"):
            again.pop(key)
        put_again = await client.http.put(
            f"/api/catalogue/materiel/{model_id}", json=again, headers=client.admin
        )
        assert put_again.json()["photo"] == photo

        page = assert_french_page(await client.http.get(f"/materiel/{model_id}"))
        img = re.search(r'<img src="([^"]+)"[^>]*alt="([^"]+)"', page)
        assert img is not None, page
        assert path_of(img.group(1)) == f"/materiel/images/{image_id}/960.jpg"
        assert img.group(2) == ALT
        assert f"/materiel/images/{image_id}/480.webp 480w" in page
        shown = await client.http.get(path_of(img.group(1)))
        assert shown.status_code == 200
        assert not opened(shown.content).getexif().get_ifd(photos.GPS_IFD)
        listing = assert_french_page(await client.http.get("/materiel"))
        assert f"/materiel/images/{image_id}/480.jpg" in listing


async def test_a_room_gets_a_photo_and_a_removed_photo_leaves_the_pages(
    nats_url: str, js: JetStreamContext
) -> None:
    room_id = new_id("salle")
    async with running_ressources(nats_url) as client:
        venue = await put_venue(js, client)
        status, body = await upload(client, photos.png(900, 600))
        assert status == 201, body
        image_id = body["image_id"]
        alt = "La salle polyvalente, tables en U"
        named = room_body(venue.id, image_id=image_id, image_alt=alt)
        put = await client.http.put(
            f"/api/catalogue/salles/{room_id}", json=named, headers=client.admin
        )
        assert put.status_code == 200, put.text
        page = assert_french_page(await client.http.get(f"/salles/{room_id}"))
        assert f'alt="{alt}"' in page
        assert f"/materiel/images/{image_id}/" in assert_french_page(
            await client.http.get("/salles")
        )

        removed = await client.http.put(
            f"/api/catalogue/salles/{room_id}", json=room_body(venue.id), headers=client.admin
        )
        assert removed.json()["photo"] is None
        page = assert_french_page(await client.http.get(f"/salles/{room_id}"))
        assert image_id not in page


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (photos.png_bomb(), "image_too_many_pixels"),
        (photos.SVG, "not_an_image"),
        (photos.TEXT, "not_an_image"),
    ],
    ids=["png-bomb", "svg", "text"],
)
async def test_hostile_uploads_get_a_french_422_and_nothing_is_stored(
    nats_url: str, js: JetStreamContext, data: bytes, code: str
) -> None:
    async with running_ressources(nats_url) as client:
        before = (await js.stream_info("OBJ_ressources_images")).state.messages
        status, body = await upload(client, data)
        assert status == 422, body
        assert (body["errors"][0]["field"], body["errors"][0]["code"]) == ("image", code)
        assert "image" in body["errors"][0]["message"].lower()
        assert (await js.stream_info("OBJ_ressources_images")).state.messages == before


async def test_a_body_over_10_mb_is_refused_in_french(nats_url: str) -> None:
    async with running_ressources(nats_url) as client:
        huge = b"\xff\xd8\xff" + secrets.token_bytes(MAX_BYTES)
        response = await client.http.post(
            "/api/catalogue/images", content=huge, headers=client.admin
        )
        assert response.status_code == 413
        assert "10 Mo" in response.json()["detail"]


async def test_uploads_are_the_citys_and_a_named_photo_must_exist_and_be_described(
    nats_url: str,
) -> None:
    model_id = new_id("sono")
    async with running_ressources(nats_url) as client:
        anonymous = await client.http.post("/api/catalogue/images", content=photos.png())
        assert anonymous.status_code == 401
        wrong = await client.http.post(
            "/api/catalogue/images", content=photos.png(), headers={"Authorization": "Bearer x"}
        )
        assert wrong.status_code == 403
        status, body = await upload(client, photos.webp())
        assert status == 201, body

        url = f"/api/catalogue/materiel/{model_id}"
        no_alt = await client.http.put(
            url, json=model_body(image_id=body["image_id"]), headers=client.admin
        )
        assert no_alt.status_code == 422
        assert [(e["field"], e["code"]) for e in no_alt.json()["errors"]] == [
            ("image_alt", "missing_image_alt")
        ]
        unknown = await client.http.put(
            url, json=model_body(image_id="0" * 32, image_alt="Une sono"), headers=client.admin
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "image_id"
        assert "Photo inconnue" in unknown.json()["errors"][0]["message"]
        assert (await client.http.get(url)).status_code == 404  # nothing stored


async def _city(js: JetStreamContext, client: Client) -> dict[str, str]:
    token = client.settings.admin_token.get_secret_value()
    return await session_cookie(js, Kind.CITY, token, clock=client.clock, settings=client.settings)


def city_form(**fields: str) -> dict[str, str]:
    form = {
        "name": "Sono portable",
        "category": "sonorisation",
        "stock": "4",
        "storage_place": "Centre technique municipal",
        "handover": "retrait",
        "notice.min_days": "7",
        "notice.max_days": "60",
    }
    return form | fields


async def test_the_city_form_takes_a_photo_keeps_it_on_errors_and_refuses_a_non_image(
    nats_url: str, js: JetStreamContext
) -> None:
    model_id = new_id("sono")
    async with running_ressources(nats_url) as client:
        cookie = await _city(js, client)
        new = "/espace-ville/materiel/nouveau"
        blank = assert_french_page(await client.http.get(new, headers=cookie))
        assert 'enctype="multipart/form-data"' in blank
        assert 'name="photo" type="file"' in blank

        hostile = await client.http.post(
            new,
            data=city_form(id=model_id, image_alt="Une sono"),
            files={"photo": ("sono.jpg", photos.SVG, "image/jpeg")},
            headers=cookie,
        )
        html = assert_french_page(hostile, 422)
        assert re.search(r'id="f-photo-erreur">[^<]*image', html)
        assert 'value="Sono portable"' in html  # the rest kept as typed
        assert client.catalogue.store.get(ResourceKind.EQUIPMENT, model_id) is None

        # a good photo but no description, and the stock wrong: the photo is kept by its id
        kept = await client.http.post(
            new,
            data=city_form(id=model_id, stock="beaucoup"),
            files={"photo": ("sono.jpg", photos.phone_photo(1200, 900), "image/jpeg")},
            headers=cookie,
        )
        html = assert_french_page(kept, 422)
        assert re.search(r'id="f-image-alt-erreur">Décrivez la photo', html)
        assert re.search(r'id="f-stock-erreur">', html)
        image_id = re.search(r'name="image_id" value="([0-9a-f]{32})"', html)
        assert image_id is not None, html
        assert f"/materiel/images/{image_id.group(1)}/480.jpg" in html  # its preview
        assert client.catalogue.store.get(ResourceKind.EQUIPMENT, model_id) is None

        alt = "Une enceinte sur pied et sa table de mixage"
        fixed = city_form(id=model_id, image_id=image_id.group(1), image_alt=alt)
        created = await client.http.post(new, data=fixed, headers=cookie)
        assert created.status_code == 303, created.text
        stored = client.catalogue.store.get(ResourceKind.EQUIPMENT, model_id)
        assert stored is not None
        assert stored.value.photo is not None
        assert (stored.value.photo.id, stored.value.photo.alt) == (image_id.group(1), alt)
        page = assert_french_page(await client.http.get(f"/materiel/{model_id}"))
        assert f'alt="{alt}"' in page

        edit_path = f"/espace-ville/materiel/{model_id}"
        edit = assert_french_page(await client.http.get(edit_path, headers=cookie))
        assert "La photo actuelle." in edit
        assert 'name="retirer_photo"' in edit
        removed = await client.http.post(
            edit_path,
            data=fixed | {"revision": str(stored.revision), "retirer_photo": "on"},
            headers=cookie,
        )
        assert removed.status_code == 303, removed.text
        after = client.catalogue.store.get(ResourceKind.EQUIPMENT, model_id)
        assert after is not None
        assert after.value.photo is None
        assert after.value.image_id is None


async def test_photo_url_stays_accepted_and_is_never_fetched(nats_url: str) -> None:
    model_id = new_id("podium")
    asked: list[str] = []

    async def fetched(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        asked.append("fetched")
        writer.close()

    server = await asyncio.start_server(fetched, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"https://127.0.0.1:{port}/podium.jpg"
    try:
        async with running_ressources(nats_url) as client:
            put = await client.http.put(
                f"/api/catalogue/materiel/{model_id}",
                json=model_body(photo_url=url),
                headers=client.admin,
            )
            assert put.status_code == 200, put.text
            assert put.json()["photo"] is None
            page = assert_french_page(await client.http.get(f"/materiel/{model_id}"))
            assert f'src="{url}"' in page
    finally:
        server.close()
        await server.wait_closed()
    assert asked == []


async def test_the_reservation_list_shows_a_thumbnail_of_the_models_photo(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        asso = await association(js, client)
        status, body = await upload(client, photos.png(800, 600))
        assert status == 201, body
        image_id = body["image_id"]
        named = model_body(name=f"Barnum {s.barnum}", stock=3, image_id=image_id, image_alt=ALT)
        put = await client.http.put(
            f"/api/catalogue/materiel/{s.barnum}", json=named, headers=client.admin
        )
        assert put.status_code == 200, put.text
        entries = client.app.state.loans.entries
        await until(
            lambda: any(e.photo for k, e in entries.items.items() if k.endswith(s.barnum)),
            what="the photo seen by the loans",
        )
        query = urlencode({"du": DAY, "au": DAY, "debut": "matin", "fin": "matin"})
        page = assert_french_page(await client.http.get(f"{SPACE}?{query}", headers=asso.headers))
        thumbnail = f'<img class="vignette" src="{client.settings.public_url("ressources")}'
        assert f'{thumbnail}/materiel/images/{image_id}/480.jpg" alt="" width="96">' in page
