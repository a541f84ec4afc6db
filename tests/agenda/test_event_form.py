"""The association form ↔ the API's body: what people type in Paris time becomes the same
submission an API client would send, and an event read back fills the form it came from."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from vieasso.agenda.adapters.event_form import (
    errors_by_field,
    from_content,
    new_event_id,
    read_form,
    to_body,
)
from vieasso.agenda.domain.model import EventDraft
from vieasso.agenda.domain.recurrence import next_occurrence
from vieasso.common.messages.base import FieldError

PARIS = ZoneInfo("Europe/Paris")


def typed(**fields: str | list[str]) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {
        "title": "Repair café",
        "start": "2026-03-14T14:00",
        "end": "2026-03-14T18:00",
        "place_name": "Maison de quartier",
        "place_address": "3 rue Battant",
        "place_postal_code": "25000",
        "themes": [],
        "audience": ["tout_public"],
        "accessibility": [],
    }
    values.update(fields)
    return values


def test_local_times_are_read_in_paris_and_a_weekly_repetition_ends_on_its_last_day() -> None:
    body = to_body(typed(repeat="WEEKLY", repeat_until="2026-06-30"), "repair-ab12", PARIS)
    draft = EventDraft.model_validate(body)
    assert draft.start == datetime(2026, 3, 14, 13, 0, tzinfo=UTC)  # UTC+1 in March
    assert draft.rrule == "FREQ=WEEKLY;UNTIL=20260630T215959Z"  # 23:59:59 in Paris (summer)
    assert draft.place is not None
    assert draft.place.postal_code == "25000"


def test_all_day_event_takes_its_days_and_a_date_until() -> None:
    values = typed(all_day="on", start_day="2026-05-02", end_day="", repeat="MONTHLY")
    values["repeat_until"] = "2026-12-31"
    draft = EventDraft.model_validate(to_body(values, "fete-ab12", PARIS))
    assert (draft.all_day, draft.start, draft.end) == (True, date(2026, 5, 2), date(2026, 5, 2))
    assert draft.rrule == "FREQ=MONTHLY;UNTIL=20261231"


def test_an_event_read_back_fills_the_form_that_submits_it_unchanged() -> None:
    values = typed(
        repeat="WEEKLY",
        repeat_until="2026-06-30",
        themes=["culture"],
        accessibility=["motor", "visual"],
        free="on",
        age_min="6",
        summary="Venez réparer",
    )
    draft = EventDraft.model_validate(to_body(values, "repair-ab12", PARIS))
    again = from_content(draft, PARIS)
    assert EventDraft.model_validate(to_body(again, "repair-ab12", PARIS)) == draft
    assert again["start"] == "2026-03-14T14:00"
    assert again["repeat_until"] == "2026-06-30"


def test_blank_fields_are_left_out_so_the_model_says_what_is_missing() -> None:
    body = to_body(typed(title="  ", start=""), "x-ab12", PARIS)
    assert "title" not in body
    assert "start" not in body


def test_repeated_names_stay_lists_and_files_are_ignored() -> None:
    values = read_form([("themes", "sport"), ("themes", "culture"), ("title", "A"), ("f", b"")])
    assert values["themes"] == ["sport", "culture"]
    assert values["title"] == "A"
    assert "f" not in values


def test_a_new_event_id_is_made_of_its_title_and_the_forms_reference() -> None:
    assert new_event_id({"title": "Fête de la Musique à Battant !"}, "ab12cd") == (
        "fete-de-la-musique-a-battant-ab12cd"
    )
    fallback = new_event_id({"title": "¿?"}, "BAD!")
    assert fallback.startswith("evenement-")
    assert not fallback.endswith("BAD!")


def test_errors_are_shown_next_to_the_field_people_typed() -> None:
    errors = [
        FieldError(field="place.postal_code", message="Le format n'est pas valide.", code="x"),
        FieldError(field="rrule", message="La récurrence doit se terminer.", code="x"),
        FieldError(field="themes.1", message="Thème inconnu.", code="x"),
        FieldError(field="exdates.0", message="Exception attendue.", code="x"),
        FieldError(field="start", message="A.", code="x"),
        FieldError(field="start", message="B.", code="x"),
    ]
    shown = errors_by_field(errors, {"all_day": "on"})
    assert shown == {
        "place_postal_code": "Le format n'est pas valide.",
        "repeat_until": "La récurrence doit se terminer. Exception attendue.",
        "themes": "Thème inconnu.",
        "start_day": "A. B.",
    }


def test_next_occurrence_of_a_weekly_event_skips_past_and_excluded_ones() -> None:
    start = datetime(2026, 3, 3, 18, 30, tzinfo=PARIS)
    end = datetime(2026, 3, 3, 20, 0, tzinfo=PARIS)
    rule = "FREQ=WEEKLY;UNTIL=20260331T215959Z"
    excluded = (datetime(2026, 3, 17, 18, 30, tzinfo=PARIS),)
    after = datetime(2026, 3, 10, 21, 0, tzinfo=PARIS)
    found = next_occurrence(start, end, rule, excluded, tz=PARIS, after=after)
    assert found == (
        datetime(2026, 3, 24, 18, 30, tzinfo=PARIS),
        datetime(2026, 3, 24, 20, 0, tzinfo=PARIS),
    )
    running = next_occurrence(
        start, end, rule, (), tz=PARIS, after=datetime(2026, 3, 10, 19, 0, tzinfo=PARIS)
    )
    assert running is not None
    assert running[0].day == 10
    assert (
        next_occurrence(start, end, rule, (), tz=PARIS, after=datetime(2026, 4, 1, tzinfo=PARIS))
        is None
    )
