"""The annuaire's public pages over HTTP on the running service (real NATS): French, small,
labelled, and showing what the directory and the agenda's bucket hold."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from datetime import timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext

from tests.annuaire.conftest import NOW, Client, mission_body, running_annuaire, unique_name
from tests.support.nats_server import NatsServer
from tests.support.pages import assert_french_page
from vieasso.common.messages.agenda import CanonicalEvent

pytestmark = pytest.mark.nats


async def _mission(annuaire: Client, slug: str, auth: dict[str, str], **fields: Any) -> str:
    response = await annuaire.http.post(
        f"/api/associations/{slug}/missions", json=mission_body(**fields), headers=auth
    )
    assert response.status_code == 201, response.text
    mission_id: str = response.json()["id"]
    return mission_id


async def test_every_public_page_answers_in_french_within_budget(annuaire: Client) -> None:
    name = unique_name("Théâtre du Marais")
    slug, auth = await annuaire.validated(name=name)
    mission_id = await _mission(annuaire, slug, auth, title="Tenir la buvette du spectacle")
    pages = {
        "/": "La vie associative à Besançon",
        "/associations": "Annuaire des associations",
        f"/associations?q={name.split()[-1]}": name,
        f"/associations/{slug}": name,
        "/missions": "Missions bénévoles",
        f"/missions/{mission_id}": "Tenir la buvette du spectacle",
        "/associations/inscription": "Inscrire une association",
        "/espace-association/connexion": "Espace association",
        "/espace-ville/connexion": "Espace ville",
    }
    for path, text in pages.items():
        html = assert_french_page(await annuaire.http.get(path))
        assert text in html, path
    home = (await annuaire.http.get("/")).text
    for link in (
        "/associations",
        "/missions",
        "/agenda",
        "/abonnement",
        "/espace-association",
        "/espace-ville",
        "/associations/inscription",
    ):
        assert f'{link}"' in home, link
    css = await annuaire.http.get("/static/site.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_the_association_page_links_its_calendar_and_lists_open_missions(
    annuaire: Client,
) -> None:
    slug, auth = await annuaire.validated()
    await _mission(annuaire, slug, auth, title="Monter les stands")
    closed = await _mission(annuaire, slug, auth, title="Ranger la salle")
    await annuaire.http.delete(f"/api/associations/{slug}/missions/{closed}", headers=auth)
    html = assert_french_page(await annuaire.http.get(f"/associations/{slug}"))
    assert f'href="webcal://127.0.0.1:8002/feeds/associations/{slug}.ics"' in html
    assert f'href="http://127.0.0.1:8002/feeds/associations/{slug}.ics"' in html
    assert "Monter les stands" in html
    assert "Ranger la salle" not in html
    assert "Aucun événement annoncé pour le moment." in html
    assert "camille.secret@exemple.fr" not in html  # the private contact is never shown


async def test_the_association_page_carries_its_schema_org_record(annuaire: Client) -> None:
    name = unique_name("Les <Amis> & co")
    slug, _ = await annuaire.validated(name=name, website="https://amis.exemple.fr/")
    html = assert_french_page(await annuaire.http.get(f"/associations/{slug}"))
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    assert "<" not in found.group(1)  # nothing can close the script early
    data = json.loads(found.group(1))
    assert data["@type"] == "NGO"
    assert data["name"] == name
    assert data["url"] == f"http://127.0.0.1:8001/associations/{slug}"
    assert data["sameAs"] == ["https://amis.exemple.fr/"]
    assert "camille.secret@exemple.fr" not in found.group(1)


async def test_search_filters_by_words_theme_and_quartier(annuaire: Client) -> None:
    word = f"mot{secrets.token_hex(3)}"
    sport, _ = await annuaire.validated(
        name=unique_name(f"Club {word}"), themes=["sport"], quartier="planoise-chateaufarine"
    )
    culture, _ = await annuaire.validated(
        name=unique_name(f"Chorale {word}"), themes=["culture"], quartier="battant"
    )
    both = (await annuaire.http.get("/associations", params={"q": word})).text
    assert f"/associations/{sport}" in both
    assert f"/associations/{culture}" in both
    by_theme = (await annuaire.http.get("/associations", params={"q": word, "theme": "sport"})).text
    assert f"/associations/{sport}" in by_theme
    assert f"/associations/{culture}" not in by_theme
    by_quartier = await annuaire.http.get(
        "/associations", params={"q": word, "quartier": "battant"}
    )
    assert f"/associations/{culture}" in by_quartier.text
    assert f"/associations/{sport}" not in by_quartier.text
    assert '<option value="battant" selected>' in by_quartier.text  # the filter is kept
    odd = await annuaire.http.get("/associations", params={"theme": "<script>", "page": "-3"})
    assert_french_page(odd)


async def test_missions_filter_by_kind_and_minors(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    word = f"tache{secrets.token_hex(3)}"
    regular = await _mission(
        annuaire,
        slug,
        auth,
        title=f"Soutien scolaire {word}",
        kind="reguliere",
        open_to_minors=True,
    )
    once = await _mission(annuaire, slug, auth, title=f"Vide-grenier {word}")
    html = (await annuaire.http.get("/missions", params={"q": word, "kind": "reguliere"})).text
    assert f"/missions/{regular}" in html
    assert f"/missions/{once}" not in html
    minors = (await annuaire.http.get("/missions", params={"q": word, "mineurs": "1"})).text
    assert f"/missions/{regular}" in minors
    assert f"/missions/{once}" not in minors


async def test_unknown_or_pending_associations_are_a_french_404(annuaire: Client) -> None:
    pending = (await annuaire.register())["slug"]
    for path in (f"/associations/{pending}", "/associations/personne-de-ce-nom", "/missions/rien"):
        html = assert_french_page(await annuaire.http.get(path), status=404)
        assert "existe pas" in html


async def test_a_browser_gets_a_french_404_page_and_an_api_client_json(
    annuaire: Client,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml"}
    page = await annuaire.http.get("/associations/a/b/c", headers=browser)
    assert "Cette page n" in assert_french_page(page, status=404)
    api = await annuaire.http.get("/api/nulle-part", headers=browser)
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}


async def test_the_missions_page_lists_one_associations_missions(annuaire: Client) -> None:
    slug, auth = await annuaire.validated()
    other, other_auth = await annuaire.validated()
    mine = await _mission(annuaire, slug, auth, title="Peindre les décors")
    theirs = await _mission(annuaire, other, other_auth, title="Peindre les décors")
    html = assert_french_page(await annuaire.http.get("/missions", params={"association": slug}))
    assert f"/missions/{mine}" in html
    assert f"/missions/{theirs}" not in html
    assert 'name="association"' in html  # the other filters keep it


def _stored_event(slug: str, event_id: str, title: str, start_in: timedelta, **extra: Any) -> bytes:
    start = NOW + start_in
    event = CanonicalEvent.model_validate(
        {
            "uid": f"{slug}.{event_id}@exemple.fr",
            "sequence": 0,
            "association": slug,
            "association_name": "Asso",
            "event_id": event_id,
            "content": {
                "title": title,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            },
            "location": {},
            "url": f"http://127.0.0.1:8002/events/{slug}/{event_id}",
            "created_at": NOW.isoformat(),
            "last_modified": NOW.isoformat(),
            **extra,
        }
    )
    value = {
        "event": event.model_dump(mode="json", exclude_defaults=True),
        "span_start": start.isoformat(),
        "span_end": (start + timedelta(hours=2)).isoformat(),
        "last_change": "published",
    }
    return json.dumps(value).encode()


async def test_the_association_page_shows_its_upcoming_events_from_the_agenda_bucket(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    kv = await js.key_value("agenda_events")
    await kv.put(
        f"{slug}.concert", _stored_event(slug, "concert", "Concert de printemps", timedelta(days=3))
    )
    await kv.put(f"{slug}.bal", _stored_event(slug, "bal", "Bal d'hier", timedelta(days=-2)))
    await kv.put(
        f"{slug}.cache",
        _stored_event(slug, "cache", "Dépublié", timedelta(days=1), unpublished=True),
    )
    await kv.put(f"{slug}.abime", b"{pas du json")
    html = assert_french_page(await annuaire.http.get(f"/associations/{slug}"))
    assert "Concert de printemps" in html
    assert f'href="http://127.0.0.1:8002/events/{slug}/concert"' in html
    assert re.search(r"jeudi 19 mars 2026 à \d+ h", html)  # French date, Paris time
    assert "Bal d&#39;hier" not in html
    assert "Dépublié" not in html


async def test_reading_an_associations_events_leaves_no_consumer_behind(
    annuaire: Client, js: JetStreamContext
) -> None:
    slug, _ = await annuaire.validated()
    before = (await js.stream_info("KV_agenda_events")).state.consumer_count
    for _ in range(3):
        assert_french_page(await annuaire.http.get(f"/associations/{slug}"))
    deadline = asyncio.get_running_loop().time() + 20
    while (await js.stream_info("KV_agenda_events")).state.consumer_count > before:
        assert asyncio.get_running_loop().time() < deadline, "page views left consumers behind"
        await asyncio.sleep(0.5)


async def test_without_nats_the_association_page_still_shows_with_a_french_notice(
    own_nats: NatsServer,
) -> None:
    async with running_annuaire(own_nats.url) as annuaire:
        slug, _ = await annuaire.validated()
        own_nats.stop()
        try:
            html = assert_french_page(await annuaire.http.get(f"/associations/{slug}"))
        finally:
            own_nats.start()
        assert "ne peuvent pas être affichés pour le moment" in html
