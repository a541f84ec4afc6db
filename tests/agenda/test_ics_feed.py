"""The iCalendar feed, parsed back with icalendar and recurring-ical-events (SPEC §4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from nats.js import JetStreamContext

from tests.agenda.conftest import (
    Directory,
    Running,
    applied,
    get_calendar,
    submission,
    vevents,
)
from vieasso.agenda.adapters import ics
from vieasso.agenda.adapters.feedcache import feed_range
from vieasso.agenda.domain.feeds import FeedQuery

pytestmark = pytest.mark.nats
PARIS = ZoneInfo("Europe/Paris")


def uid(running: Running, slug: str, event_id: str) -> str:
    return f"{slug}.{event_id}@{running.settings.domain}"


async def test_feed_has_stable_uid_paris_timezone_and_calendar_properties(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "repair"))
    cal = await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}")

    event = vevents(cal)[uid(agenda, slug, "repair")]
    assert event["SEQUENCE"] == 0
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART") == datetime(2026, 3, 14, 14, tzinfo=PARIS)
    assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED")
    assert str(event["URL"]).endswith(f"/events/{slug}/repair")
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert "Les Amis de" in str(cal["X-WR-CALNAME"])
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert cal["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert cal["X-PUBLISHED-TTL"].to_ical() == b"PT1H"


async def test_events_across_both_dst_switches_keep_their_exact_instants(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    march = submission(  # 02:30 does not exist in Paris that night: it is 03:30 CEST
        slug, "nuit-mars", start="2026-03-29T02:30:00+01:00", end="2026-03-29T05:00:00+02:00"
    )
    october = submission(  # crosses 03:00 CEST → 02:00 CET: three real hours
        slug, "nuit-octobre", start="2026-10-25T01:30:00+02:00", end="2026-10-25T03:30:00+01:00"
    )
    second_pass = submission(  # 02:30 for the second time (CET): not expressible with TZID
        slug, "deux-fois", start="2026-10-25T02:30:00+01:00", end="2026-10-25T04:00:00+01:00"
    )
    for message in (march, october, second_pass):
        await applied(agenda, js, message)
    cal = await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}")
    events = vevents(cal)

    def instants(event_id: str) -> tuple[datetime, datetime]:
        event = events[uid(agenda, slug, event_id)]
        return event.decoded("DTSTART").astimezone(UTC), event.decoded("DTEND").astimezone(UTC)

    assert instants("nuit-mars") == (
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 0, tzinfo=UTC),
    )
    assert events[uid(agenda, slug, "nuit-mars")].decoded("DTSTART").hour == 3
    start, end = instants("nuit-octobre")
    assert end - start == timedelta(hours=3)
    assert instants("deux-fois")[0] == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    transitions = {
        (sub.name, sub.decoded("DTSTART").date())
        for tz in cal.walk("VTIMEZONE")
        for sub in tz.subcomponents
    }
    assert ("DAYLIGHT", date(2026, 3, 29)) in transitions
    assert ("STANDARD", date(2026, 10, 25)) in transitions


async def test_weekly_recurrence_with_exception_stays_at_local_time_across_dst(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    message = submission(
        slug,
        "chorale",
        start="2026-03-19T18:00:00+01:00",
        end="2026-03-19T20:00:00+01:00",
        rrule="FREQ=WEEKLY;COUNT=6",
        exdates=["2026-04-02T18:00:00+02:00"],
    )
    await applied(agenda, js, message)
    cal = await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}")
    occurrences = recurring_ical_events.of(cal).between(date(2026, 3, 1), date(2026, 6, 1))
    starts = [o.decoded("DTSTART") for o in occurrences]
    assert [s.date() for s in starts] == [
        date(2026, 3, 19),
        date(2026, 3, 26),
        date(2026, 4, 9),
        date(2026, 4, 16),
        date(2026, 4, 23),
    ]
    assert {s.astimezone(PARIS).hour for s in starts} == {18}
    assert "RRULE" in vevents(cal)[uid(agenda, slug, "chorale")]


async def test_all_day_event_has_exclusive_date_end(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    message = submission(slug, "brocante", all_day=True, start="2026-04-11", end="2026-04-12")
    await applied(agenda, js, message)
    cal = await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}")
    event = vevents(cal)[uid(agenda, slug, "brocante")]
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.decoded("DTSTART") == date(2026, 4, 11)
    assert event.decoded("DTEND") == date(2026, 4, 13)
    days = recurring_ical_events.of(cal).between(date(2026, 4, 1), date(2026, 5, 1))
    assert len(days) == 1


async def test_update_raises_sequence_and_last_modified_and_keeps_uid(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "loto"))
    before = vevents(await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}"))
    agenda.clock.advance(timedelta(hours=2))
    await applied(agenda, js, submission(slug, "loto", title="Grand loto"), sequence=1)
    after = vevents(await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}"))
    key = uid(agenda, slug, "loto")
    assert list(after) == list(before) == [key]
    assert after[key]["SEQUENCE"] == 1
    assert after[key].decoded("LAST-MODIFIED") > before[key].decoded("LAST-MODIFIED")
    assert str(after[key]["SUMMARY"]) == "Grand loto"


async def test_cancelled_event_stays_in_feed_for_30_days(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    far = {"start": "2026-08-01T10:00:00+02:00", "end": "2026-08-01T12:00:00+02:00"}
    await applied(agenda, js, submission(slug, "kermesse", **far))
    await applied(agenda, js, submission(slug, "kermesse", status="cancelled", **far), sequence=1)
    url = f"/feeds/agenda.ics?association={slug}"
    event = vevents(await get_calendar(agenda, url))[uid(agenda, slug, "kermesse")]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    agenda.clock.advance(timedelta(days=29))
    assert uid(agenda, slug, "kermesse") in vevents(await get_calendar(agenda, url))
    agenda.clock.advance(timedelta(days=2))
    assert vevents(await get_calendar(agenda, url)) == {}


async def test_window_runs_from_yesterday_to_twelve_months_and_vtimezone_is_limited(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(
        agenda,
        js,
        submission(
            slug, "passe", start="2026-03-01T10:00:00+01:00", end="2026-03-01T11:00:00+01:00"
        ),
    )
    await applied(
        agenda,
        js,
        submission(
            slug, "lointain", start="2027-06-01T10:00:00+02:00", end="2027-06-01T11:00:00+02:00"
        ),
    )
    await applied(agenda, js, submission(slug, "bientot"))
    cal = await get_calendar(agenda, f"/feeds/agenda.ics?association={slug}")
    assert list(vevents(cal)) == [uid(agenda, slug, "bientot")]
    starts = [s.decoded("DTSTART") for tz in cal.walk("VTIMEZONE") for s in tz.subcomponents]
    assert min(starts).date() >= date(2026, 3, 9)
    assert max(starts).date() <= date(2027, 3, 12)
    wide = await get_calendar(
        agenda, f"/feeds/agenda.ics?association={slug}&from=2026-02-01&to=2027-12-31"
    )
    assert len(vevents(wide)) == 3


async def test_assembled_feed_is_byte_identical_to_a_full_icalendar_build(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "a"))
    await applied(
        agenda, js, submission(slug, "b", all_day=True, start="2026-04-11", end="2026-04-11")
    )
    response = await agenda.client.get(f"/feeds/agenda.ics?association={slug}")
    query = FeedQuery(associations=(slug,))
    entries = agenda.wiring.catalog.select(query, agenda.clock.now())
    first, last = feed_range(entries, *query.window(date(2026, 3, 10)))
    title = str(icalendar.Calendar.from_ical(response.content)["X-WR-CALNAME"])
    assert response.content == ics.full_calendar(title, [e.record for e in entries], first, last)
