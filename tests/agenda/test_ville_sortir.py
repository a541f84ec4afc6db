"""What sites importing the agenda take in (issue 14, item 5; docs/ville-sortir.md).

The CSV is read as The Events Calendar's CSV importer reads it: its column mapping keys
(`Tribe__Events__Importer__Column_Mapper::get_event_column_names`), the rule of its mapping
screen that pre-selects a field from a header (`aggregator-fields.js`: lower-case, spaces to
`_`, other characters dropped), its booleans (`yes`, `true`, `1`, any case) and the date and
time formats written for PHP's `strtotime`. The iCalendar feed is read by three parsers that
share no code: icalendar, recurring-ical-events (occurrences) and vobject.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, applied, submission
from tests.conftest import random_slug
from vieasso.agenda.adapters import tec_csv
from vieasso.agenda.domain.recurrence import Moment, occurrences_between
from vieasso.common.reference.models import Theme

pytestmark = pytest.mark.nats
PARIS = ZoneInfo("Europe/Paris")

# The Events Calendar, src/Tribe/Importer/Column_Mapper.php: field key → label.
TEC_EVENT_FIELDS = {
    "event_name": "Event Name",
    "event_description": "Event Description",
    "event_excerpt": "Event Excerpt",
    "event_start_date": "Event Start Date",
    "event_start_time": "Event Start Time",
    "event_end_date": "Event End Date",
    "event_end_time": "Event End Time",
    "event_timezone": "Event Time Zone",
    "event_all_day": "All Day Event",
    "event_hide": "Hide Event From Event Listings",
    "event_sticky": "Event Sticky in Month View",
    "feature_event": "Feature Event",
    "event_venue_name": "Event Venue Name",
    "event_organizer_name": "Event Organizer Name(s) or ID(s)",
    "event_show_map_link": "Event Show Map Link",
    "event_show_map": "Event Show Map",
    "event_cost": "Event Cost",
    "event_currency_code": "Event ISO Currency Code",
    "event_currency_symbol": "Event Currency Symbol",
    "event_currency_position": "Event Currency Position",
    "event_category": "Event Category",
    "event_tags": "Event Tags",
    "event_website": "Event Website",
    "featured_image": "Event Featured Image",
    "event_comment_status": "Event Allow Comments",
    "event_ping_status": "Event Allow Trackbacks and Pingbacks",
}
# get_venue_column_names, same file: the venues' import.
TEC_VENUE_FIELDS = {
    "venue_name": "Venue Name",
    "venue_description": "Venue Description",
    "venue_country": "Venue Country",
    "venue_address": "Venue Address",
    "venue_address2": "Venue Address 2",
    "venue_city": "Venue City",
    "venue_state": "Venue State/Province",
    "venue_zip": "Venue Zip",
    "venue_phone": "Venue Phone",
    "venue_url": "Venue Website",
    "featured_image": "Venue Featured Image",
}
TEC_TRUE = {"yes", "true", "1"}  # File_Importer::get_boolean_value_by_key, lower-cased


def preselected(header: str) -> str:
    """The field TEC's mapping screen selects for a column (aggregator-fields.js)."""
    slug = re.sub(r"\s", "_", header.lower().strip())
    return re.sub(r"[^a-z0-9_]", "", slug)


def read_csv(body: bytes, fields: dict[str, str] = TEC_EVENT_FIELDS) -> list[dict[str, str]]:
    """Rows keyed by the importer's field keys, the way the import maps them."""
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    header = next(reader)
    keys = [preselected(h) for h in header]
    assert set(keys) <= set(fields), set(keys) - set(fields)
    return [dict(zip(keys, row, strict=True)) for row in reader]


def moment(row: dict[str, str], which: str) -> datetime | date:
    """Date + time as the importer joins them (formats written for `strtotime`), wall-clock
    time in the row's "Event Timezone"."""
    zone = ZoneInfo(row["event_timezone"])
    day = datetime.strptime(row[f"event_{which}_date"], "%Y-%m-%d").replace(tzinfo=zone).date()
    if row["event_all_day"].lower() in TEC_TRUE:
        return day
    clock = datetime.strptime(row[f"event_{which}_time"], "%H:%M").replace(tzinfo=zone)
    return datetime.combine(day, clock.time(), tzinfo=zone)


async def french_theme(directory: Directory, label: str) -> str:
    code = random_slug("theme")
    kv = await directory.js.key_value("annuaire_reference")
    await kv.put(f"theme.{code}", Theme(code=code, label=label).model_dump_json().encode())
    return code


def test_every_header_is_preselected_as_a_field_of_the_importer() -> None:
    keys = [preselected(h) for h in tec_csv.COLUMNS]
    assert len(set(keys)) == len(keys)
    assert set(keys) <= set(TEC_EVENT_FIELDS)
    assert {"event_name", "event_start_date"} <= set(keys)  # the importer's required fields
    labels = [TEC_EVENT_FIELDS[k] for k in keys]  # most headers are the labels themselves
    assert sum(h == label for h, label in zip(tec_csv.COLUMNS, labels, strict=True)) >= 15


async def test_csv_rows_read_back_with_the_importers_columns_and_date_formats(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    venue = await directory.venue()
    sport = await french_theme(directory, "Sport, loisirs")
    await applied(
        agenda,
        js,
        submission(
            slug,
            "tournoi",
            title='Tournoi "open" C:\\"dossier',
            venue_id=venue,
            place=None,
            themes=[sport],
            free=True,
            start="2026-03-14T14:00:00+01:00",
            end="2026-03-14T18:30:00+01:00",
        ),
    )
    await applied(
        agenda,
        js,
        submission(  # every Tuesday, four times: one row each
            slug,
            "atelier",
            title="Atelier vélo",
            start="2026-03-17T18:00:00+01:00",
            end="2026-03-17T20:00:00+01:00",
            rrule="FREQ=WEEKLY;COUNT=4",
            price="5 €",
        ),
    )
    await applied(
        agenda,
        js,
        submission(
            slug,
            "fete",
            title="Fête du quartier",
            all_day=True,
            start="2026-03-21",
            end="2026-03-22",
        ),
    )
    response = await agenda.client.get(f"/feeds/agenda.csv?association={slug}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = read_csv(response.content)

    assert [(r["event_name"], moment(r, "start")) for r in rows] == [
        ('Tournoi "open" C:\\ "dossier', datetime(2026, 3, 14, 14, 0, tzinfo=PARIS)),
        ("Atelier vélo", datetime(2026, 3, 17, 18, 0, tzinfo=PARIS)),
        ("Fête du quartier", date(2026, 3, 21)),
        ("Atelier vélo", datetime(2026, 3, 24, 18, 0, tzinfo=PARIS)),
        ("Atelier vélo", datetime(2026, 3, 31, 18, 0, tzinfo=PARIS)),
        ("Atelier vélo", datetime(2026, 4, 7, 18, 0, tzinfo=PARIS)),
    ]
    tournoi, atelier, fete = rows[0], rows[1], rows[2]
    assert moment(tournoi, "end") == datetime(2026, 3, 14, 18, 30, tzinfo=PARIS)
    assert tournoi["event_timezone"] == "Europe/Paris"
    assert tournoi["event_all_day"].lower() not in TEC_TRUE
    assert tournoi["event_category"].split(",") == ["Sport loisirs"]  # one category, not two
    assert tournoi["event_venue_name"] == f"Salle {venue}"
    assert tournoi["event_organizer_name"] == f"Les Amis de {slug}"
    assert tournoi["event_cost"] == "0"
    assert tournoi["event_website"].endswith(f"/events/{slug}/tournoi")
    assert "Où : Salle" in tournoi["event_description"]
    assert atelier["event_cost"] == "5 €"
    assert moment(fete, "end") == date(2026, 3, 22)  # the last day, inclusive
    assert fete["event_all_day"].lower() in TEC_TRUE


async def test_a_cancelled_event_keeps_its_title_and_is_hidden_from_the_listings(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    """The importer finds an existing post by title and start: a title changed to
    "Annulé : …" would make a second post and leave the first one announced."""
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "loto", title="Loto"))
    cancelled = submission(slug, "loto", title="Loto", status="cancelled")
    await applied(agenda, js, cancelled, sequence=1)
    rows = read_csv((await agenda.client.get(f"/feeds/associations/{slug}.csv")).content)
    assert [r["event_name"] for r in rows] == ["Loto"]
    assert rows[0]["event_hide"].lower() in TEC_TRUE
    assert rows[0]["event_excerpt"].startswith("Annulé")


async def test_csv_filters_and_validators_like_the_other_feeds(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    theme = await directory.theme()
    await applied(agenda, js, submission(slug, "avec", title="Avec le thème", themes=[theme]))
    await applied(agenda, js, submission(slug, "sans", title="Sans thème"))
    url = f"/feeds/agenda.csv?association={slug}&theme={theme}"
    first = await agenda.client.get(url)
    assert [r["event_name"] for r in read_csv(first.content)] == ["Avec le thème"]
    again = await agenda.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_ics_for_importers_read_by_three_independent_parsers(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    venue = await directory.venue()
    culture = await french_theme(directory, "Culture et patrimoine")
    await applied(
        agenda,
        js,
        submission(
            slug,
            "visite",
            title="Visite <b>guidée</b>",
            description="Rendez-vous devant l'entrée.\nDurée : 2 h.",
            venue_id=venue,
            place=None,
            themes=[culture],
            start="2026-03-15T10:00:00+01:00",
            end="2026-03-15T12:00:00+01:00",
            rrule="FREQ=WEEKLY;COUNT=3",
        ),
    )
    response = await agenda.client.get(f"/feeds/agenda.ics?association={slug}")
    body = response.content
    where = f"Salle {venue}, 1 rue de la République, 25000 Besançon"

    cal = icalendar.Calendar.from_ical(body)
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert cal["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert cal["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    event = next(iter(cal.walk("VEVENT")))
    assert event["LOCATION"] == where
    geo, categories = event["GEO"], event["CATEGORIES"]
    assert isinstance(geo, icalendar.vGeo)
    assert (geo.latitude, geo.longitude) == (47.2378, 6.0241)
    assert isinstance(categories, icalendar.vCategory)
    assert [str(c) for c in categories.cats] == ["Culture et patrimoine"]
    description = str(event["DESCRIPTION"])
    assert description.startswith("Rendez-vous devant l'entrée.\nDurée : 2 h.")
    assert "<p>" not in description  # plain text, no HTML
    assert "<br" not in description

    occurrences = recurring_ical_events.of(cal).between(date(2026, 3, 1), date(2026, 4, 30))
    assert [o.decoded("DTSTART").date() for o in occurrences] == [
        date(2026, 3, 15),
        date(2026, 3, 22),
        date(2026, 3, 29),  # after the switch to summer time: still 10:00 in Besançon
    ]
    assert {o.decoded("DTSTART").time() for o in occurrences} == {time(10, 0)}

    parsed = vobject.readOne(body.decode("utf-8"))
    vevent = parsed.vevent
    assert vevent.location.value == where
    assert vevent.categories.value == ["Culture et patrimoine"]
    assert vevent.geo.value == "47.2378;6.0241"
    assert vevent.summary.value == "Visite <b>guidée</b>"
    start = vevent.dtstart.value  # in the feed's own VTIMEZONE, as vobject reads it
    assert (start.hour, start.utcoffset()) == (10, timedelta(hours=1))
    assert parsed.contents["refresh-interval"][0].value == "PT1H"


async def test_venues_csv_for_the_venues_import_names_the_events_venues(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    """The events' import finds a venue by name and creates none: the venues go first."""
    slug = await directory.association()
    venue = await directory.venue(quartier=await directory.quartier("battant"))
    await applied(agenda, js, submission(slug, "bal", venue_id=venue, place=None))
    response = await agenda.client.get("/feeds/lieux.csv")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    venues = {row["venue_name"]: row for row in read_csv(response.content, TEC_VENUE_FIELDS)}
    event = read_csv((await agenda.client.get(f"/feeds/associations/{slug}.csv")).content)[0]
    found = venues[event["event_venue_name"]]
    assert found == {
        "venue_name": f"Salle {venue}",
        "venue_description": "Quartier : Battant",
        "venue_country": "France",
        "venue_address": "1 rue de la République",
        "venue_city": "Besançon",
        "venue_zip": "25000",
    }
    again = await agenda.client.get(
        "/feeds/lieux.csv", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_occurrences_of_a_repeated_all_day_event_in_the_window_without_excluded_days() -> None:
    def weekend(first_day: date, limit: int = 10) -> list[tuple[Moment, Moment]]:
        return occurrences_between(
            date(2026, 3, 7),
            date(2026, 3, 8),
            "FREQ=WEEKLY;COUNT=5",
            (date(2026, 3, 14),),
            tz=PARIS,
            first_day=first_day,
            last_day=date(2026, 3, 29),
            limit=limit,
        )

    assert weekend(date(2026, 3, 8)) == [
        (date(2026, 3, 7), date(2026, 3, 8)),  # still running on the window's first day
        (date(2026, 3, 21), date(2026, 3, 22)),
        (date(2026, 3, 28), date(2026, 3, 29)),
    ]
    assert weekend(date(2026, 3, 9), limit=1) == [(date(2026, 3, 21), date(2026, 3, 22))]
