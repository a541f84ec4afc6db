"""The deadline calendar /feeds/aides.ics over real HTTP on a real nats-server, read back
with icalendar and expanded with recurring-ical-events: one-date calls and yearly windows
(RRULE), alarms 30 and 7 days before, withdrawn aids cancelled, a theme's calendar, an
association's calendar behind its secret key, ETag and 304."""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import recurring_ical_events
from nats.js import JetStreamContext

from tests.aides.aides_app import Client, new_id, put_association, put_scheme, running_aides
from tests.support.pages import assert_french_page
from vieasso.aides.domain.schemes import SchemeState
from vieasso.aides.handlers.schemes import set_state
from vieasso.common.directory import ASSOCIATIONS
from vieasso.common.web.session_store import token_hash

pytestmark = pytest.mark.nats

AUTUMN = {"kind": "annuel", "opens_month": 9, "opens_day": 1, "closes_month": 10, "closes_day": 15}
WINTER = {"kind": "annuel", "opens_month": 11, "opens_day": 1, "closes_month": 1, "closes_day": 31}


def events(body: bytes) -> dict[str, icalendar.cal.Component]:
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["uid"]).split("@")[0].removeprefix("aide."): e for e in cal.walk("VEVENT")}


async def _feed(client: Client, **params: str) -> bytes:
    answer = await client.http.get("/feeds/aides.ics", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    return answer.content


async def test_deadlines_one_date_and_yearly_windows_with_alarms(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        call = await put_scheme(
            client, name="Appel à projets Jeunesse", kinds=("appel-a-projets",),
            deadlines={"kind": "date", "deadline": "2027-06-01", "opens_on": "2027-03-01"},
        )  # fmt: skip
        autumn = await put_scheme(client, name="Subvention annuelle", deadlines=AUTUMN)
        winter = await put_scheme(client, name="Fonds d'hiver", deadlines=WINTER)
        ongoing = await put_scheme(client, name="Prêt de salles")
        draft = await put_scheme(client, deadlines=AUTUMN, state="brouillon")
        found = events(await _feed(client))

        assert {call.id, autumn.id, winter.id} <= found.keys()
        assert not {ongoing.id, draft.id} & found.keys()
        one = found[call.id]
        assert one.decoded("dtstart") == date(2027, 6, 1)
        assert one.decoded("dtend") == date(2027, 6, 2)  # exclusive end of an all-day event
        assert "rrule" not in one
        assert str(one["summary"]) == "Date limite : Appel à projets Jeunesse"
        assert str(one["url"]).endswith(f"/aides/{call.id}")
        assert one["sequence"] == call.version
        triggers = sorted(a.decoded("trigger") for a in one.walk("VALARM"))
        assert triggers == [-timedelta(days=30), -timedelta(days=7)]
        assert found[autumn.id]["rrule"].to_ical() == b"FREQ=YEARLY"
        # created 15 March 2027: the winter window's first closing is 31 January 2028
        assert found[winter.id].decoded("dtstart") == date(2028, 1, 31)

        cal = icalendar.Calendar.from_ical(await _feed(client))
        occurrences = recurring_ical_events.of(cal).between(date(2027, 1, 1), date(2030, 1, 1))
        days: dict[str, list[date]] = {}
        for occurrence in occurrences:
            scheme_id = str(occurrence["uid"]).split("@")[0].removeprefix("aide.")
            days.setdefault(scheme_id, []).append(occurrence.decoded("dtstart"))
        assert sorted(days[autumn.id]) == [
            date(2027, 10, 15),
            date(2028, 10, 15),
            date(2029, 10, 15),
        ]
        assert sorted(days[winter.id]) == [date(2028, 1, 31), date(2029, 1, 31)]
        assert days[call.id] == [date(2027, 6, 1)]


async def test_withdrawn_aids_are_cancelled_and_the_bytes_stable_with_etag(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        scheme = await put_scheme(client, themes=("sport",), deadlines=AUTUMN)
        first = await client.http.get("/feeds/aides.ics")
        again = await client.http.get("/feeds/aides.ics")
        assert first.content == again.content
        etag = first.headers["etag"]
        cached = await client.http.get("/feeds/aides.ics", headers={"If-None-Match": etag})
        assert cached.status_code == 304

        withdrawn = await set_state(client.service.schemes(), scheme.id, SchemeState.WITHDRAWN)
        after = await client.http.get("/feeds/aides.ics", headers={"If-None-Match": etag})
        assert after.status_code == 200
        event = events(after.content)[scheme.id]
        assert str(event["status"]) == "CANCELLED"
        assert event["sequence"] == withdrawn.version
        assert not list(event.walk("VALARM"))
        client.clock.advance(timedelta(days=31))
        assert scheme.id not in events(await _feed(client))

        culture_only = await put_scheme(client, themes=("culture",), deadlines=AUTUMN)
        all_themes = await put_scheme(client, deadlines=AUTUMN)
        sport = events(await _feed(client, theme="sport"))
        assert all_themes.id in sport
        assert culture_only.id not in sport
        name = icalendar.Calendar.from_ical(await _feed(client, theme="sport"))["x-wr-calname"]
        assert str(name) == "Aides aux associations — dates limites — Sport"


async def test_an_association_calendar_behind_its_secret_key(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_aides(nats_url, js) as client:
        signed = await put_association(client, themes=("solidarite",), employs_staff=True)
        matched = await put_scheme(client, themes=("solidarite",), deadlines=AUTUMN)
        other = await put_scheme(client, themes=("sport",), deadlines=WINTER)
        followed = await put_scheme(
            client, themes=("sport",), deadlines={"kind": "date", "deadline": "2027-05-01"}
        )
        follow = await client.http.post(
            f"/espace-association/aides/{followed.id}/suivre", headers=signed.headers
        )
        assert follow.status_code == 303
        space = await client.http.get("/espace-association/aides", headers=signed.headers)
        address = assert_french_page(space).split("/feeds/aides.ics?")[1].split('"')[0]
        query = {k: v[0] for k, v in parse_qs(address.replace("&amp;", "&")).items()}
        assert query["association"] == signed.slug

        mine = events(await _feed(client, **query))
        assert {matched.id, followed.id} <= mine.keys()
        assert other.id not in mine
        answer = await client.http.get("/feeds/aides.ics", params=query)
        assert answer.headers["cache-control"].startswith("private")

        for params in (
            {"association": signed.slug, "jeton": "x" * 32},
            {"association": new_id("inconnue"), "jeton": query["jeton"]},
            {"association": signed.slug},
        ):
            refused = await client.http.get("/feeds/aides.ics", params=params)
            assert "révoquée" in assert_french_page(refused, status=404)

        # a new token for the association (issued in the annuaire) revokes the address
        kv = await js.key_value(ASSOCIATIONS)
        record = json.loads((await kv.get(signed.slug)).value or b"{}")
        await kv.put(signed.slug, json.dumps(record | {"token_hash": token_hash("neuf")}).encode())
        revoked = await client.http.get("/feeds/aides.ics", params=query)
        assert revoked.status_code == 404
        assert urlsplit(str(revoked.url)).path == "/feeds/aides.ics"


async def test_an_association_that_cannot_be_a_key_is_refused_in_french(
    nats_url: str, js: JetStreamContext
) -> None:
    """Regression: a name with spaces or wildcards reached the KV read (500)."""
    async with running_aides(nats_url, js) as client:
        for name in ("a b", "asso.*", "x>"):
            answer = await client.http.get(
                "/feeds/aides.ics", params={"association": name, "jeton": "x" * 32}
            )
            assert answer.status_code == 422, (name, answer.text)
            assert "Le format n'est pas valide." in answer.text


async def test_a_theme_that_cannot_be_a_code_is_refused_in_french(
    nats_url: str, js: JetStreamContext
) -> None:
    """Regression (found by schemathesis in a fresh-clone run): control characters and a
    line break in `theme` went into the calendar's name: 500."""
    async with running_aides(nats_url, js) as client:
        await put_scheme(client, name="Subvention annuelle", deadlines=AUTUMN)
        for theme in ("9\U000e3948Ä'£\x08\x04«\nß>", "culture\r\nX-INJECT:1", "a b"):
            answer = await client.http.get("/feeds/aides.ics", params={"theme": theme})
            assert answer.status_code == 422, (theme, answer.text)
            assert "Le format n'est pas valide." in answer.text
        unknown = await _feed(client, theme="theme-inconnu")
        assert b"X-INJECT" not in unknown
