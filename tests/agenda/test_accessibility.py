"""Accessibility of events and venues: shown on the event page, in the ICS and RSS text, in
the JSON-LD, and a filter of the feeds and the `/agenda` page (`accessibilite=moteur`, …).

An event is accessible for a disability when the association says so or when its venue, in
the directory, is (the app in-process, clock frozen, real nats-server, HTTP over ASGI).
"""

from __future__ import annotations

import json
import re
from typing import Any

import feedparser
import icalendar
import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, applied, get_calendar, submission
from vieasso.common.messages.annuaire import Accessibility

pytestmark = pytest.mark.nats

LINE = "Accessibilité : handicap moteur, auditif"


async def _events(agenda: Running, directory: Directory, js: JetStreamContext) -> str:
    """`rampe`: motor from its venue, hearing from the association; `signe`: hearing only;
    `rien`: nothing said."""
    slug = await directory.association()
    venue = await directory.venue(accessibility=Accessibility(motor=True))
    rampe = submission(slug, "rampe", venue_id=venue, place=None,
                       accessibility={"hearing": True})  # fmt: skip
    await applied(agenda, js, rampe)
    await applied(agenda, js, submission(slug, "signe", accessibility={"hearing": True}))
    await applied(agenda, js, submission(slug, "rien"))
    return slug


def _descriptions(calendar: icalendar.Calendar) -> dict[str, str]:
    return {
        str(e["UID"]).split(".")[1].split("@")[0]: str(e["DESCRIPTION"])
        for e in calendar.walk("VEVENT")
    }


async def test_event_page_shows_the_event_and_venue_accessibility(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _events(agenda, directory, js)
    html = (await agenda.client.get(f"/events/{slug}/rampe")).text
    assert "<dt>Accessibilité</dt><dd>Handicap moteur, auditif</dd>" in html
    assert "Lieu accessible : handicap moteur" in html
    unknown = (await agenda.client.get(f"/events/{slug}/rien")).text
    assert "<dt>Accessibilité</dt><dd>Non précisée par l'organisateur</dd>" in unknown


async def test_ics_and_rss_carry_accessibility_as_a_line_of_the_description(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _events(agenda, directory, js)
    feed = _descriptions(await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}"))
    assert LINE in feed["rampe"]
    assert "Accessibilité : handicap auditif" in feed["signe"]
    assert "Accessibilité" not in feed["rien"]
    single = _descriptions(await get_calendar(agenda, f"/events/{slug}/rampe.ics"))
    assert LINE in single["rampe"]
    rss = await agenda.client.get(f"/feeds/agenda.rss?association={slug}")
    entries = {e.id.rsplit("/", 1)[1]: e for e in feedparser.parse(rss.content).entries}
    assert LINE in entries["rampe"].description


def _amenities(item: dict[str, Any]) -> list[str]:
    place = item["location"][0]
    assert place["@type"] == "Place"
    features = place.get("amenityFeature", [])
    assert all(f["@type"] == "LocationFeatureSpecification" for f in features)
    assert all(f["value"] is True for f in features)
    return [f["name"] for f in features]


async def test_json_ld_places_carry_accessibility_as_amenity_features(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _events(agenda, directory, js)
    document = (await agenda.client.get(f"/feeds/agenda.jsonld?association={slug}")).json()
    items = {e["item"]["@id"].rsplit("/", 1)[1]: e["item"] for e in document["itemListElement"]}
    both = ["Accessible aux personnes en situation de handicap moteur",
            "Accessible aux personnes en situation de handicap auditif"]  # fmt: skip
    assert _amenities(items["rampe"]) == both
    assert _amenities(items["signe"]) == both[1:]
    assert _amenities(items["rien"]) == []
    html = (await agenda.client.get(f"/events/{slug}/rampe")).text
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None
    assert _amenities(json.loads(script.group(1))) == both


async def _ids(agenda: Running, url: str) -> list[str]:
    response = await agenda.client.get(url)
    assert response.status_code == 200, response.text
    return [e["item"]["@id"].rsplit("/", 1)[1] for e in response.json()["itemListElement"]]


async def test_feeds_filter_on_every_accessibility_asked(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _events(agenda, directory, js)
    base = f"/feeds/agenda.jsonld?association={slug}"
    assert await _ids(agenda, f"{base}&accessibilite=moteur") == ["rampe"]
    assert sorted(await _ids(agenda, f"{base}&accessibilite=auditif")) == ["rampe", "signe"]
    both = f"{base}&accessibilite=auditif&accessibilite=moteur"
    assert await _ids(agenda, both) == ["rampe"]
    assert await _ids(agenda, f"{base}&accessibilite=visuel") == []
    calendar = await get_calendar(
        agenda, f"/feeds/agenda.ics?association={slug}&accessibilite=auditif"
    )
    assert sorted(_descriptions(calendar)) == ["rampe", "signe"]
    refused = await agenda.client.get(f"{base}&accessibilite=roulant")
    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert error["field"].startswith("accessibilite")
    assert "Valeur inconnue" in error["message"]
    assert "moteur" in error["message"]


async def test_agenda_page_filters_on_accessibility_with_checkboxes(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _events(agenda, directory, js)
    page = await agenda.client.get(f"/agenda?association={slug}&accessibilite=moteur")
    assert page.status_code == 200
    html = page.text
    assert f"/events/{slug}/rampe" in html
    assert f"/events/{slug}/signe" not in html
    assert '<input type="checkbox" name="accessibilite" value="moteur" checked>' in html
    assert '<input type="checkbox" name="accessibilite" value="visuel">' in html
    assert "accessibilite=moteur" in re.findall(r'href="([^"]*agenda\.ics[^"]*)"', html)[0]
    refused = await agenda.client.get(f"/agenda?association={slug}&accessibilite=roulant")
    assert refused.status_code == 422
    assert "Valeur inconnue" in refused.text


async def test_openapi_documents_the_accessibility_filter(agenda: Running) -> None:
    schema = (await agenda.client.get("/openapi.json")).json()
    parameters = schema["paths"]["/feeds/agenda.{ext}"]["get"]["parameters"]
    (found,) = [p for p in parameters if p["name"] == "accessibilite"]
    assert "moteur" in json.dumps(found)
    assert "handicap" in found["description"]
