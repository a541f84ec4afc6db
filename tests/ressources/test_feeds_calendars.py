"""The calendars over real HTTP on the in-process service and a real nats-server: a model's
busy days (units, never an association), a room's half-days, an association's pickups and
returns with alarms behind its secret address, the same bytes from every replica."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import (
    Client,
    new_id,
    put_venue,
    room_body,
    running_ressources,
    until,
)
from tests.ressources.feeds_support import OPEN, events, lend, lending, put_association, put_model
from tests.support.pages import assert_french_page
from tests.support.sessions import session_cookie
from vieasso.common.directory import ASSOCIATIONS
from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.common.web import Kind
from vieasso.common.web.session_store import token_hash
from vieasso.ressources.domain.requests import LoanRequest, RequestLine
from vieasso.ressources.handlers.decisions import refuse
from vieasso.ressources.handlers.requests import request_loan

pytestmark = pytest.mark.nats

EQUIPMENT, ROOM = ResourceKind.EQUIPMENT, ResourceKind.ROOM
TUESDAY = date(2027, 4, 6)  # the service's clock is 15 March 2027; no holiday that week
CALENDAR_PAGE = "/espace-association/reservations/calendrier"


def on(offset: int) -> date:
    return TUESDAY + timedelta(days=offset)


async def test_model_feed_shows_units_taken_and_free_per_day_and_no_association(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        model_id = await put_model(client, name="Barnum 3×3 m", stock=3, buffer_days=1)
        first, _ = await put_association(js, client)
        second, _ = await put_association(js, client)
        # 2 units Tuesday → Thursday and 1 unit Wednesday → Friday, each + 1 buffer day
        await lend(client, first, [(EQUIPMENT, model_id, 2)], TUESDAY, on(2))
        await lend(
            client,
            second,
            [(EQUIPMENT, model_id, 1)],
            on(1),
            on(3),
        )
        await lend(
            client,
            second,
            [(EQUIPMENT, model_id, 1)],
            on(20),
            on(20),
        )
        # a refused request and a request not yet decided hold nothing: not shown
        later = on(29)
        asked = LoanRequest(
            starts_on=later, ends_on=later, lines=(RequestLine(resource_id=model_id, quantity=1),)
        )
        refused = await request_loan(lending(client), first, asked)
        await refuse(lending(client), refused.id, "Stock réservé à une manifestation.")
        await request_loan(lending(client), second, asked)

        answer = await client.http.get(f"/feeds/materiel/{model_id}.ics")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        busy = [
            (e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"]))
            for e in events(answer.content)
        ]
        day = TUESDAY
        assert busy == [
            (day, day + timedelta(1), "Barnum 3×3 m : 2 pris, 1 libre(s) sur 3"),
            (day + timedelta(1), day + timedelta(4), "Barnum 3×3 m : 3 pris, 0 libre(s) sur 3"),
            (day + timedelta(4), day + timedelta(5), "Barnum 3×3 m : 1 pris, 2 libre(s) sur 3"),
            (day + timedelta(20), day + timedelta(22), "Barnum 3×3 m : 1 pris, 2 libre(s) sur 3"),
        ]
        body = answer.content.decode()
        for slug in (first, second):
            assert slug not in body
        assert "Les Amis" not in body
        assert refused.id not in body

        # conditional GET: the same bytes are not sent again
        again = await client.http.get(
            f"/feeds/materiel/{model_id}.ics", headers={"If-None-Match": answer.headers["etag"]}
        )
        assert again.status_code == 304

        # another replica, with its own copies of the buckets, renders the very same bytes
        async with running_ressources(nats_url) as replica:
            mine = lending(client).loans.mirror.items
            theirs = lending(replica).loans.mirror.items
            await until(lambda: all(k in theirs for k in mine), what="replica has the loans")
            other = await replica.http.get(f"/feeds/materiel/{model_id}.ics")
        assert other.content == answer.content
        assert other.headers["etag"] == answer.headers["etag"]


async def test_room_feed_shows_booked_half_days(nats_url: str, js: JetStreamContext) -> None:
    async with running_ressources(nats_url) as client:
        venue = await put_venue(js, client)
        room_id = new_id("salle")
        body = room_body(venue.id, name="Salle Battant") | OPEN
        body["opening"] = {str(d): ["matin", "apres-midi"] for d in range(1, 7)}
        put = await client.http.put(
            f"/api/catalogue/salles/{room_id}", json=body, headers=client.admin
        )
        assert put.status_code == 200, put.text
        slug, _ = await put_association(js, client)
        monday = on(6)
        await lend(
            client,
            slug,
            [(ROOM, room_id, 1)],
            monday,
            monday,
            halves=(Half.AFTERNOON, Half.AFTERNOON),
        )
        await lend(
            client,
            slug,
            [(ROOM, room_id, 1)],
            monday + timedelta(1),
            monday + timedelta(2),
            halves=(Half.MORNING, Half.MORNING),
        )

        answer = await client.http.get(f"/feeds/salles/{room_id}.ics")
        assert answer.status_code == 200, answer.text
        booked = [(e.decoded("dtstart"), str(e["summary"])) for e in events(answer.content)]
        assert booked == [
            (monday, "Salle Battant : réservée (après-midi)"),
            (monday + timedelta(1), "Salle Battant : réservée (matin et après-midi)"),
            (monday + timedelta(2), "Salle Battant : réservée (matin)"),
        ]
        assert slug not in answer.text
        first = answer.content
        assert (await client.http.get(f"/feeds/salles/{room_id}.ics")).content == first


async def test_unknown_model_or_room_is_a_french_404(nats_url: str) -> None:
    async with running_ressources(nats_url) as client:
        for path in ("/feeds/materiel/inconnu.ics", "/feeds/salles/inconnue.ics"):
            answer = await client.http.get(path)
            assert answer.status_code == 404
            assert "pas au catalogue" in assert_french_page(answer, status=404)


async def test_association_feed_behind_its_secret_address_with_alarms(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        model_id = await put_model(
            client, name="Sono portable", stock=2, storage_place="Centre technique"
        )
        slug, token = await put_association(js, client)
        other, other_token = await put_association(js, client)
        loan = await lend(client, slug, [(EQUIPMENT, model_id, 2)], TUESDAY, on(2), granted=[1])
        await lend(
            client,
            other,
            [(EQUIPMENT, model_id, 1)],
            on(10),
            on(10),
        )

        signed_out = await client.http.get(CALENDAR_PAGE)
        assert signed_out.status_code == 303  # to the association's sign-in
        assert signed_out.headers["location"].endswith("/espace-association/connexion")
        # the association's space shows its address
        cookie = await session_cookie(
            js, Kind.ASSOCIATION, token, slug, clock=client.clock, settings=client.settings
        )
        page = assert_french_page(
            await client.http.get("/espace-association/reservations/calendrier", headers=cookie)
        )
        address = page.split('value="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert f"/feeds/associations/{slug}/prets.ics?jeton=" in address
        path = urlsplit(address)
        feed = await client.http.get(f"{path.path}?{path.query}")
        assert feed.status_code == 200, feed.text
        assert feed.headers["cache-control"].startswith("private")
        found = events(feed.content)
        assert [(e.decoded("dtstart"), str(e["summary"])) for e in found] == [
            (TUESDAY, "Retrait : 1 × Sono portable"),
            (on(2), "Retour : 1 × Sono portable"),
        ]
        assert [str(e["uid"]) for e in found] == [
            f"pret.{loan.id}.retrait@{client.settings.domain}",
            f"pret.{loan.id}.retour@{client.settings.domain}",
        ]
        for event in found:
            assert str(event["location"]) == "Centre technique"
            (alarm,) = event.walk("VALARM")
            assert str(alarm["action"]) == "DISPLAY"
            assert alarm.decoded("trigger") == -timedelta(hours=6)  # 18 h the day before
        assert other not in feed.text
        assert (await client.http.get(address)).content == feed.content

        # a tool may use the association's token instead
        bearer = {"Authorization": f"Bearer {token}"}
        assert (
            await client.http.get(f"/feeds/associations/{slug}/prets.ics", headers=bearer)
        ).content == feed.content

        key = address.split("jeton=", 1)[1]
        refused = [
            (f"/feeds/associations/{slug}/prets.ics?jeton={key[:-1]}x", {}),  # wrong key
            (f"/feeds/associations/{other}/prets.ics?jeton={key}", {}),  # another's key
            (f"/feeds/associations/{slug}/prets.ics", {}),  # no key
            (f"/feeds/associations/{slug}/prets.ics", {"Authorization": f"Bearer {other_token}"}),
            (f"/feeds/associations/inconnue/prets.ics?jeton={key}", {}),
        ]
        for url, headers in refused:
            answer = await client.http.get(url, headers=headers)
            assert answer.status_code == 404, url
            assert "révoquée" in assert_french_page(answer, status=404)


async def test_a_new_token_revokes_the_old_address(nats_url: str, js: JetStreamContext) -> None:
    async with running_ressources(nats_url) as client:
        slug, token = await put_association(js, client)
        address = await _address(client, js, slug, token)
        assert (await client.http.get(address)).status_code == 200
        new_token = await _issue_new_token(js, client, slug)
        assert (await client.http.get(address)).status_code == 404
        assert await _address(client, js, slug, new_token) != address


async def _address(client: Client, js: JetStreamContext, slug: str, token: str) -> str:
    cookie = await session_cookie(
        js, Kind.ASSOCIATION, token, slug, clock=client.clock, settings=client.settings
    )
    page = assert_french_page(
        await client.http.get("/espace-association/reservations/calendrier", headers=cookie)
    )
    parts = urlsplit(page.split('value="', 1)[1].split('"', 1)[0].replace("&amp;", "&"))
    return f"{parts.path}?{parts.query}"


async def _issue_new_token(js: JetStreamContext, client: Client, slug: str) -> str:
    """What the annuaire does when an association asks for a new token: a new hash stored."""
    kv = await js.key_value(ASSOCIATIONS)
    value = json.loads((await kv.get(slug)).value or b"{}")
    token = secrets.token_urlsafe(24)
    value["token_hash"] = token_hash(token)
    await kv.put(slug, json.dumps(value).encode())
    return token
