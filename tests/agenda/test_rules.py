"""Rules that need context, in French, without a broker (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vieasso.agenda.domain.rules import check_content
from vieasso.common.messages.agenda import EventContent
from vieasso.common.messages.annuaire import AssociationPublic, AssociationState, VenuePublic
from vieasso.common.reference.models import Theme

NOW = datetime(2026, 3, 10, tzinfo=UTC)


class Directory:
    def association(self, slug: str) -> AssociationPublic | None:
        return AssociationPublic(
            slug=slug, name="Club", purpose="Sport.", state=AssociationState.VALIDATED,
            created_at=NOW, updated_at=NOW,
        )  # fmt: skip

    def venue(self, venue_id: str) -> VenuePublic | None:
        if venue_id != "kursaal":
            return None
        return VenuePublic(
            id="kursaal", name="Kursaal", address="2 place du Théâtre", postal_code="25000",
            lat=47.24, lon=6.02, archived=False,
        )  # fmt: skip

    def theme(self, code: str) -> Theme | None:
        return Theme(code=code, label=code) if code == "culture" else None


def reasons(**fields: Any) -> dict[str, str]:
    values: dict[str, Any] = {
        "title": "Concert",
        "start": "2026-04-10T20:00:00+02:00",
        "end": "2026-04-10T22:00:00+02:00",
        "venue_id": "kursaal",
    }
    values.update(fields)
    content = EventContent.model_validate(values)
    return {e.field: e.message for e in check_content(content, Directory())}


def test_a_complete_event_has_no_reason() -> None:
    assert reasons(themes=["culture"]) == {}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"rrule": "FREQ=WEEKLY"}, "rrule", "doit se terminer"),
        ({"rrule": "FREQ=DAILY;COUNT=800"}, "rrule", "deux ans"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20300101T000000Z"}, "rrule", "deux ans"),
        ({"rrule": "FREQ=MINUTELY;COUNT=5"}, "rrule", "au plus quotidienne"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20261231"}, "rrule", "UTC"),
        ({"rrule": "n'importe quoi;COUNT=2"}, "rrule", "invalide"),
        ({"timezone": "Europe/Besancon"}, "timezone", "Fuseau horaire inconnu"),
        ({"venue_id": "salle-inconnue"}, "venue_id", "Lieu inconnu"),
        ({"venue_id": None}, "venue_id", "Indiquez le lieu"),
        (
            {"place": {"name": "Salle", "address": "1 rue", "postal_code": "25000"}},
            "place",
            "pas les deux",
        ),
        ({"attendance_mode": "online", "venue_id": None}, "online_url", "obligatoire"),
        ({"all_day": True}, "start", "indiquez une date"),
        ({"start": "2026-04-10", "end": "2026-04-11"}, "start", "date et une heure"),
        ({"all_day": True, "start": "2026-04-10", "end": "2026-04-09"}, "end", "dernier jour"),
        ({"exdates": ["2026-04-17T20:00:00+02:00"]}, "exdates", "récurrence"),
        ({"themes": ["culture", "astrologie"]}, "themes.1", "astrologie"),
        # from year 1 to 9999, an event sat in every feed's window and broke them all (500)
        ({"end": "9999-12-31T23:59:59+14:00"}, "end", "entre 2000 et 2099"),
        ({"start": "0001-01-01T00:00:00+00:00"}, "start", "entre 2000 et 2099"),
        ({"end": "2027-04-11T22:00:00+02:00"}, "end", "au plus un an"),
        (
            {"all_day": True, "start": "2026-04-10", "end": "9999-12-31"},
            "end",
            "entre 2000 et 2099",
        ),
        (
            {"rrule": "FREQ=WEEKLY;COUNT=3", "exdates": ["9999-12-31T23:59:59+00:00"]},
            "exdates.0",
            "entre 2000 et 2099",
        ),
    ],
)
def test_each_rule_gives_its_reason_in_french(
    fields: dict[str, Any], field: str, words: str
) -> None:
    found = reasons(**fields)
    assert field in found, found
    assert words in found[field]


def test_an_event_may_last_a_whole_year() -> None:
    assert reasons(all_day=True, start="2026-04-10", end="2027-04-10") == {}


def test_all_day_end_is_the_inclusive_last_day() -> None:
    assert reasons(all_day=True, start="2026-04-10", end="2026-04-10") == {}
