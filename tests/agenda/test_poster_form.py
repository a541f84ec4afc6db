"""The event form of the association space takes a poster file (issue 14): stored once,
checked like the API's uploads, its reasons in French next to the field."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import NOW, Directory, Running, wait_for
from tests.support import photos
from tests.support.sessions import session_cookie
from vieasso.agenda.adapters.tokens import token_digest
from vieasso.common.web import Kind

pytestmark = pytest.mark.nats

SPACE = "/espace-association/evenements"


async def signed_in(agenda: Running, directory: Directory) -> tuple[str, dict[str, str]]:
    token = secrets.token_urlsafe(16)
    slug = await directory.association(token_hash=token_digest(token))
    await wait_for(lambda: agenda.wiring.directory.association(slug), what="directory")
    me = await session_cookie(
        directory.js, Kind.ASSOCIATION, token, slug, clock=agenda.clock, settings=agenda.settings
    )
    return slug, me


def typed(**fields: str) -> dict[str, Any]:
    start = NOW + timedelta(days=8)
    values: dict[str, Any] = {
        "title": "Fête de la soupe",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "place_name": "Maison de quartier",
        "place_address": "3 rue Battant",
        "place_postal_code": "25000",
        "attendance_mode": "offline",
        "audience": ["tout_public"],
        "ref": "ab12cd",
    }
    return values | fields


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="erreur" id="f-{field}-erreur">(.*?)</p>', html)
    assert found is not None, f"no error next to {field}"
    return found.group(1)


async def test_a_poster_chosen_in_the_form_is_published_without_its_gps(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug, me = await signed_in(agenda, directory)
    photo = ("photo.jpg", photos.phone_photo(1600, 1200), "image/jpeg")
    alt = "Affiche : une marmite fumante"
    sent = await agenda.client.post(
        f"{SPACE}/nouveau",
        data=typed(image_alt=alt, image_credits="Léa"),
        files={"affiche": photo},
        headers=me,
    )
    assert sent.status_code == 303, sent.text[-1500:]
    event_id = sent.headers["location"].split("=", 1)[1]
    entry = agenda.wiring.catalog.get(f"{slug}.{event_id}")
    assert entry is not None
    poster = entry.record.event.poster
    assert poster is not None
    assert (poster.alt, poster.credits) == (alt, "Léa")
    store = await js.object_store("agenda_images")
    original = (await store.get(f"{poster.id}/original")).data or b""
    assert b"PhoneMaker" not in original
    assert b"GPS" not in original

    edit = await agenda.client.get(f"{SPACE}/{event_id}", headers=me)
    assert f'name="image_id" value="{poster.id}"' in edit.text
    kept = await agenda.client.post(
        f"{SPACE}/{event_id}", data=typed(image_id=poster.id, image_alt=alt), headers=me
    )
    assert kept.status_code == 303
    removed = await agenda.client.post(
        f"{SPACE}/{event_id}",
        data=typed(image_id=poster.id, image_alt=alt, retirer_affiche="on"),
        headers=me,
    )
    assert removed.status_code == 303

    def no_poster() -> bool:
        found = agenda.wiring.catalog.get(f"{slug}.{event_id}")
        return found is not None and found.record.event.poster is None

    await wait_for(no_poster, what="poster removed")


async def test_a_file_that_is_no_image_gets_its_french_reason_next_to_the_field(
    agenda: Running, directory: Directory
) -> None:
    _, me = await signed_in(agenda, directory)
    for name, data in (("affiche.jpg", photos.SVG), ("affiche.jpg", photos.TEXT)):
        sent = await agenda.client.post(
            f"{SPACE}/nouveau",
            data=typed(image_alt="Affiche"),
            files={"affiche": (name, data, "image/jpeg")},
            headers=me,
        )
        assert sent.status_code == 422
        assert "JPEG, PNG ou WebP" in error_of(sent.text, "affiche")
        assert 'value="Fête de la soupe"' in sent.text  # what was typed stays


async def test_a_poster_without_its_description_is_kept_while_the_form_asks_for_it(
    agenda: Running, directory: Directory
) -> None:
    _, me = await signed_in(agenda, directory)
    sent = await agenda.client.post(
        f"{SPACE}/nouveau",
        data=typed(),
        files={"affiche": ("a.png", photos.png(), "image/png")},
        headers=me,
    )
    assert sent.status_code == 422
    assert "texte alternatif" in error_of(sent.text, "image-alt")
    kept = re.search(r'name="image_id" value="([0-9a-f]{32})"', sent.text)
    assert kept is not None  # not sent again with the corrected form
