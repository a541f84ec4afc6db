"""The city's screens (issue 14): defined from `/ecrans`, shown at `/ecran/{id}`, read by
signage players as `.json` (the way Xibo's Remote DataSet reads it), `.rss` and `.ics`."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import feedparser
import icalendar
import pytest
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError

from tests.agenda.conftest import Directory, Running, applied, submission, wait_for
from tests.conftest import random_slug
from tests.support.sessions import session_cookie
from vieasso.common.web import Kind

pytestmark = pytest.mark.nats

# NOW (conftest) is Tuesday 10 March 2026, 10:00 in Paris.
TODAY = "2026-03-10"


def xibo_value(chunks: list[str], entry: Any) -> Any:
    """Xibo's `getFieldValueFromEntry`: follow the dotted path, key by key."""
    key, rest = chunks[0], chunks[1:]
    value = entry.get(key) if isinstance(entry, dict) else None
    if value is not None and rest:
        return xibo_value(rest, value)
    return value


def xibo_rows(document: bytes, data_root: str, columns: dict[str, str]) -> list[dict[str, Any]]:
    """What a Xibo Remote DataSet stores: the rows under `data_root` (dotted path), each
    column read by its remote data path; a null value leaves the column empty."""
    data = xibo_value(data_root.split("."), json.loads(document))
    assert isinstance(data, list), "the data root must be an array of objects"
    rows = []
    for entry in data:
        assert isinstance(entry, dict)
        row = {}
        for heading, path in columns.items():
            value = xibo_value(path.split("."), entry)
            if value is not None:
                row[heading] = value
        rows.append(row)
    return rows


async def city(js: JetStreamContext, agenda: Running) -> dict[str, str]:
    token = agenda.settings.admin_token
    assert token is not None
    return await session_cookie(
        js, Kind.CITY, token.get_secret_value(), clock=agenda.clock, settings=agenda.settings
    )


async def new_screen(agenda: Running, me: dict[str, str], **fields: Any) -> str:
    body = {"nom": random_slug("Écran"), "orientation": "paysage", "disposition": "aujourdhui"}
    body.update(fields)
    response = await agenda.client.post("/ecrans/nouveau", data=body, headers=me)
    assert response.status_code == 303, response.text
    name = body["nom"]
    found = [s for s in agenda.wiring.screens().all_screens() if s.name == name]
    assert found, name
    return found[0].id


async def at_venue(agenda: Running, js: JetStreamContext, directory: Directory) -> tuple[str, str]:
    slug = await directory.association()
    venue = await directory.venue()
    theme = await directory.theme()
    await wait_for(
        lambda: agenda.wiring.directory.association(slug) and agenda.wiring.directory.venue(venue),
        what="directory",
    )
    events: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("en-cours", "Atelier vélo", "2026-03-10T09:30:00+01:00", "2026-03-10T11:00:00+01:00", {}),
        ("soir", "Concert de la chorale", "2026-03-10T18:30:00+01:00", "2026-03-10T20:00:00+01:00",
         {"themes": [theme]}),
        ("annule", "Loto", "2026-03-10T14:00:00+01:00", "2026-03-10T16:00:00+01:00",
         {"status": "cancelled"}),
        ("demain", "Repair café", "2026-03-11T14:00:00+01:00", "2026-03-11T18:00:00+01:00", {}),
    ]  # fmt: skip
    for event_id, title, start, end, extra in events:
        fields: dict[str, Any] = {"title": title, "start": start, "end": end, "venue_id": venue}
        await applied(agenda, js, submission(slug, event_id, place=None, **fields, **extra))
    return slug, venue


async def quartier_shown(js: JetStreamContext, code: str) -> str:
    """How a screen names a quartier: its label when the directory has one (tests sharing
    the nats-server may have put it there), else its code."""
    try:
        entry = await (await js.key_value("annuaire_reference")).get(f"quartier.{code}")
    except KeyNotFoundError:
        return code
    return str(json.loads(entry.value or b"{}").get("label", code))


async def test_a_now_next_screen_at_a_venue_reads_as_a_xibo_remote_dataset(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> None:
    slug, venue = await at_venue(agenda, js, directory)
    me = await city(js, agenda)
    screen_id = await new_screen(agenda, me, disposition="maintenant", lieux=venue)

    response = await agenda.client.get(f"/ecran/{screen_id}.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    columns = {
        "Id": "id", "Titre": "title", "Debut": "start", "Fin": "end", "Heure": "start_time",
        "Jour": "day_label", "Lieu": "venue", "Quartier": "quartier", "Etat": "status",
        "Affiche": "poster", "Theme": "theme",
    }  # fmt: skip
    rows = xibo_rows(response.content, "rows", columns)
    assert [r["Titre"] for r in rows] == ["Atelier vélo", "Loto", "Concert de la chorale"]
    running, cancelled, evening = rows
    assert running == {
        "Id": f"{slug}.en-cours", "Titre": "Atelier vélo", "Debut": "2026-03-10T09:30:00+01:00",
        "Fin": "2026-03-10T11:00:00+01:00", "Heure": "09:30", "Jour": "aujourd'hui",
        "Lieu": f"Salle {venue}", "Quartier": await quartier_shown(js, "battant"), "Etat": "prevu",
    }  # fmt: skip
    assert cancelled["Etat"] == "annule"
    assert evening["Theme"].startswith("Thème ")
    document = json.loads(response.content)
    assert document["state"] == "liste"
    assert document["rows"][0]["running"] is True

    # a player polling again gets a 304 while nothing changed
    again = await agenda.client.get(
        f"/ecran/{screen_id}.json", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304

    page = await agenda.client.get(f"/ecran/{screen_id}")
    assert page.status_code == 200
    assert "Maintenant" in page.text
    assert "Ensuite" in page.text
    assert "Annulé" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<meta http-equiv="refresh" content="300">' in page.text  # inside <noscript>
    content = await agenda.client.get(f"/ecran/{screen_id}/contenu")
    assert content.headers["x-ecran"] == screen_id
    assert "<html" not in content.text


async def test_screen_rss_and_ics_list_the_screens_events(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> None:
    _, venue = await at_venue(agenda, js, directory)
    me = await city(js, agenda)
    screen_id = await new_screen(agenda, me, disposition="semaine", lieux=venue)

    page = await agenda.client.get(f"/ecran/{screen_id}")
    assert page.status_code == 200
    days = re.findall(r"<h3>([^<]+)</h3>", html.unescape(page.text))
    assert days == ["Aujourd'hui", "Demain"]
    rss = await agenda.client.get(f"/ecran/{screen_id}.rss")
    assert rss.status_code == 200
    titles = [e.title for e in feedparser.parse(rss.content).entries]
    assert len(titles) == 4
    assert "Annulé : Loto" in titles
    ics = await agenda.client.get(f"/ecran/{screen_id}.ics")
    calendar = icalendar.Calendar.from_ical(ics.content)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert {"Atelier vélo", "Repair café"} <= {re.sub(r"^Annulé : ", "", s) for s in summaries}
    again = await agenda.client.get(
        f"/ecran/{screen_id}.ics", headers={"If-None-Match": ics.headers["etag"]}
    )
    assert again.status_code == 304
    # The minute turns, the rows stay: a player revalidating gets its 304 (the RSS's date
    # comes from the data shown, not from the minute of rendering).
    agenda.clock.advance(timedelta(minutes=2))
    try:
        for answer, path in ((rss, ".rss"), (ics, ".ics")):
            etag = {"If-None-Match": answer.headers["etag"]}
            still = await agenda.client.get(f"/ecran/{screen_id}{path}", headers=etag)
            assert still.status_code == 304, path
    finally:
        agenda.clock.advance(timedelta(minutes=-2))


async def test_a_screen_says_when_the_day_is_over_and_when_there_is_nothing(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> None:
    _, venue = await at_venue(agenda, js, directory)
    me = await city(js, agenda)
    screen_id = await new_screen(agenda, me, disposition="aujourdhui", lieux=venue)
    other = await directory.venue()
    await wait_for(lambda: agenda.wiring.directory.venue(other), what="venue")
    empty_id = await new_screen(agenda, me, disposition="aujourdhui", lieux=other)

    empty = await agenda.client.get(f"/ecran/{empty_id}")
    assert "Aucun événement prévu aujourd'hui." in html.unescape(empty.text)
    agenda.clock.advance(timedelta(hours=11))  # 21:00 in Paris: everything has ended
    try:
        done = await agenda.client.get(f"/ecran/{screen_id}")
        assert "Terminé pour aujourd'hui" in html.unescape(done.text)
        data = json.loads((await agenda.client.get(f"/ecran/{screen_id}.json")).content)
        assert data["state"] == "termine"
        assert data["rows"] == []
    finally:
        agenda.clock.advance(timedelta(hours=-11))


async def test_the_screen_form_refuses_bad_input_in_french_and_only_the_city_sees_it(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> None:
    me = await city(js, agenda)
    response = await agenda.client.post(
        "/ecrans/nouveau", data={"nom": "", "disposition": "maintenant"}, headers=me
    )
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "Choisissez au moins un lieu" in page
    assert 'aria-invalid="true"' in page
    assert (await agenda.client.get("/ecrans")).status_code == 303  # to the sign-in page
    assert (await agenda.client.post("/ecrans/nouveau", data={"nom": "x"})).status_code == 401
    assert (await agenda.client.get("/ecran/nexiste-pas")).status_code == 404
    assert (await agenda.client.get("/ecran/nexiste-pas.json")).status_code == 404


async def test_the_city_edits_and_deletes_a_screen(
    agenda: Running, js: JetStreamContext, directory: Directory
) -> None:
    me = await city(js, agenda)
    screen_id = await new_screen(agenda, me)
    edited = await agenda.client.post(
        f"/ecrans/{screen_id}",
        data={"nom": "Médiathèque", "orientation": "portrait", "disposition": "semaine"},
        headers=me,
    )
    assert edited.status_code == 303
    document = json.loads((await agenda.client.get(f"/ecran/{screen_id}.json")).content)
    assert document["screen"] == {
        "id": screen_id, "name": "Médiathèque", "layout": "semaine", "orientation": "portrait"
    }  # fmt: skip
    deleted = await agenda.client.post(f"/ecrans/{screen_id}/supprimer", headers=me)
    assert deleted.status_code == 303
    assert (await agenda.client.get(f"/ecran/{screen_id}")).status_code == 404
    listing = await agenda.client.get("/ecrans", headers=me)
    assert f"/ecran/{screen_id}" not in listing.text
