"""RSS, Atom, JSON-LD and the public event page (SPEC §4)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import icalendar
import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, applied, submission
from tests.support.pages import tags_and_text

pytestmark = pytest.mark.nats


async def _three_events(agenda: Running, directory: Directory, js: JetStreamContext) -> str:
    slug = await directory.association()
    venue = await directory.venue()
    await applied(
        agenda,
        js,
        submission(
            slug, "c-tard", start="2026-04-20T18:00:00+02:00", end="2026-04-20T20:00:00+02:00"
        ),
    )
    await applied(
        agenda,
        js,
        submission(
            slug,
            "a-tot",
            venue_id=venue,
            place=None,
            free=True,
            registration_url="https://example.org/inscription",
        ),
    )
    await applied(
        agenda,
        js,
        submission(
            slug,
            "b-milieu",
            start="2026-04-01T18:00:00+02:00",
            end="2026-04-01T20:00:00+02:00",
            place=None,
            attendance_mode="online",
            online_url="https://visio.example.org/salle",
            status="full",
        ),
    )
    return slug


async def test_rss_and_atom_list_upcoming_events_by_start_with_page_url_as_guid(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _three_events(agenda, directory, js)
    base = agenda.settings.public_url("agenda")
    expected = [f"{base}/events/{slug}/{e}" for e in ("a-tot", "b-milieu", "c-tard")]
    for ext in ("rss", "atom"):
        response = await agenda.client.get(f"/feeds/agenda.{ext}?association={slug}")
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert [e.id for e in parsed.entries] == expected
        assert [e.link for e in parsed.entries] == expected
        assert parsed.entries[1].title.startswith("Complet")
    rss = await agenda.client.get(f"/feeds/associations/{slug}.rss")
    assert len(feedparser.parse(rss.content).entries) == 3


ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_SUMMARY = "<img src=x onerror=alert(1)> & <b>gras</b>"
HOSTILE_DESCRIPTION = "Venez !\n<script>alert(2)</script>"


async def test_rss_and_atom_descriptions_reach_feed_readers_as_text_not_markup(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    event = submission(slug, "piege", summary=HOSTILE_SUMMARY, description=HOSTILE_DESCRIPTION)
    await applied(agenda, js, event)
    rss = await agenda.client.get(f"/feeds/agenda.rss?association={slug}")
    (item,) = ET.fromstring(rss.content).iter("item")  # noqa: S314 - the agenda's own XML
    atom = await agenda.client.get(f"/feeds/agenda.atom?association={slug}")
    (entry,) = ET.fromstring(atom.content).iter(f"{ATOM}entry")  # noqa: S314
    content = entry.find(f"{ATOM}content")
    assert content is not None
    assert content.get("type") == "html"
    for html in (item.findtext("description") or "", content.text or ""):
        tags, text = tags_and_text(html)
        assert tags <= {"p", "br"}, html
        assert HOSTILE_SUMMARY in text
        assert "<script>alert(2)</script>" in text
        assert "Venez !" in text
    for parsed in (feedparser.parse(rss.content), feedparser.parse(atom.content)):
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert "&lt;img src=x onerror=alert(1)&gt;" in parsed.entries[0].description


async def test_rss_leaves_out_finished_events(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _three_events(agenda, directory, js)
    agenda.clock.advance(timedelta(days=30))  # 9 April: only the event of 20 April is ahead
    response = await agenda.client.get(f"/feeds/agenda.rss?association={slug}")
    titles = [e.id.rsplit("/", 1)[1] for e in feedparser.parse(response.content).entries]
    assert titles == ["c-tard"]


async def test_jsonld_is_an_item_list_of_schema_org_events(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await _three_events(agenda, directory, js)
    response = await agenda.client.get(f"/feeds/agenda.jsonld?association={slug}")
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    assert document["@context"] == "https://schema.org"
    assert document["@type"] == "ItemList"
    items = [element["item"] for element in document["itemListElement"]]
    assert [e["@type"] for e in items] == ["Event"] * 3
    at_venue, online, _ = items
    for item in items:
        assert {"name", "startDate", "endDate", "eventStatus", "eventAttendanceMode"} <= set(item)
        assert {"location", "organizer", "offers"} <= set(item)
        assert item["organizer"]["@type"] == "Organization"
    assert at_venue["location"][0]["@type"] == "Place"
    assert at_venue["location"][0]["geo"]["@type"] == "GeoCoordinates"
    assert at_venue["offers"]["price"] == "0"
    assert at_venue["startDate"] == "2026-03-14T14:00:00+01:00"
    assert online["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert online["location"][0]["@type"] == "VirtualLocation"
    assert online["offers"]["availability"] == "https://schema.org/SoldOut"


async def test_event_page_escapes_text_and_carries_json_ld_and_ics(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    title = "Soirée <script>alert(1)</script> & jeux"
    await applied(
        agenda, js, submission(slug, "soiree", title=title, description="A\n\nB</script>")
    )
    page = await agenda.client.get(f"/events/{slug}/soiree")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; jeux" in html
    assert "samedi 14 mars 2026, de 14 h à 18 h" in html
    assert f"webcal://{agenda.settings.http_host}" in html
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@type"] == "Event"
    assert data["name"] == title

    single = await agenda.client.get(f"/events/{slug}/soiree.ics")
    cal = icalendar.Calendar.from_ical(single.content)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [
        f"{slug}.soiree@{agenda.settings.domain}"
    ]
    missing = await agenda.client.get(f"/events/{slug}/inconnu")
    assert missing.status_code == 404
    assert "introuvable" in missing.text
