"""The aid-scheme model: one shape for the city's and synced schemes, checked where it is
built (ranges, real days, a synced record's id), and the deadline rules it carries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from vieasso.aides.domain.deadlines import (
    OneDate,
    Ongoing,
    Status,
    Window,
    YearlyWindow,
    next_closing,
    status,
)
from vieasso.aides.domain.schemes import AidKind, AidScheme, SchemeOrigin, scheme_key

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def scheme(**fields: Any) -> AidScheme:
    values: dict[str, Any] = {
        "id": "fph",
        "name": "Fonds de participation des habitants",
        "short_description": "Petits projets d'habitants dans les quartiers.",
        "funders": ("Ville de Besançon",),
        "kinds": (AidKind.PROJECT_GRANT,),
        "deadlines": {"kind": "permanent"},
        "created_at": NOW,
        "updated_at": NOW,
    }
    return AidScheme.model_validate({**values, **fields})


def test_a_city_scheme_round_trips_through_json_with_its_key() -> None:
    made = scheme(
        deadlines={
            "kind": "annuel",
            "opens_month": 9,
            "opens_day": 1,
            "closes_month": 10,
            "closes_day": 15,
        }
    )
    assert AidScheme.model_validate_json(made.model_dump_json()) == made
    assert scheme_key(made.id) == "scheme.fph"
    assert made.editable_by_city
    assert made.public(date(2027, 3, 1)).next_deadline == date(2027, 10, 15)


def test_a_synced_scheme_needs_its_source_id() -> None:
    with pytest.raises(ValidationError, match="source_id"):
        scheme(source={"origin": SchemeOrigin.AIDES_TERRITOIRES})
    synced = scheme(
        source={
            "origin": "aides-territoires",
            "source_id": "157321",
            "date_updated": "2027-02-01T10:00:00+00:00",
            "licence": "ODbL",
        }
    )
    assert not synced.editable_by_city


@pytest.mark.parametrize(
    "fields",
    [
        {"eligibility": {"budget_min": 50_000, "budget_max": 10_000}},
        {"amounts": {"min_eur": 5_000, "max_eur": 500}},
        {
            "deadlines": {
                "kind": "annuel",
                "opens_month": 2,
                "opens_day": 29,
                "closes_month": 3,
                "closes_day": 31,
            }
        },
        {"deadlines": {"kind": "date", "deadline": "2027-03-01", "opens_on": "2027-04-01"}},
        {"kinds": ()},
        {"eligibility": {"unknown_rule": True}},
    ],
)
def test_inconsistent_schemes_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        scheme(**fields)


def test_changed_raises_the_version_and_the_update_time() -> None:
    later = datetime(2027, 3, 2, tzinfo=UTC)
    changed = scheme().changed(later, name="FPH")
    assert (changed.version, changed.updated_at, changed.name) == (1, later, "FPH")


AUTUMN = YearlyWindow(opens_month=9, opens_day=1, closes_month=10, closes_day=15)
WINTER = YearlyWindow(opens_month=11, opens_day=1, closes_month=1, closes_day=31)
CALL = OneDate(deadline=date(2027, 5, 31), opens_on=date(2027, 4, 1))


@pytest.mark.parametrize(
    ("rule", "today", "window", "state"),
    [
        (AUTUMN, date(2027, 3, 1), Window(date(2027, 9, 1), date(2027, 10, 15)), Status.UPCOMING),
        (AUTUMN, date(2027, 10, 15), Window(date(2027, 9, 1), date(2027, 10, 15)), Status.OPEN),
        (AUTUMN, date(2027, 10, 16), Window(date(2028, 9, 1), date(2028, 10, 15)), Status.UPCOMING),
        (WINTER, date(2027, 1, 10), Window(date(2026, 11, 1), date(2027, 1, 31)), Status.OPEN),
        (WINTER, date(2027, 2, 1), Window(date(2027, 11, 1), date(2028, 1, 31)), Status.UPCOMING),
        (WINTER, date(2027, 12, 24), Window(date(2027, 11, 1), date(2028, 1, 31)), Status.OPEN),
        (CALL, date(2027, 3, 1), Window(date(2027, 4, 1), date(2027, 5, 31)), Status.UPCOMING),
        (CALL, date(2027, 5, 31), Window(date(2027, 4, 1), date(2027, 5, 31)), Status.OPEN),
        (CALL, date(2027, 6, 1), None, Status.CLOSED),
        (Ongoing(), date(2027, 6, 1), None, Status.OPEN),
    ],
)
def test_next_window_and_status(
    rule: OneDate | YearlyWindow | Ongoing, today: date, window: Window | None, state: Status
) -> None:
    assert rule.next_window(today) == window
    assert next_closing(rule, today) == (window.closes if window else None)
    assert status(rule, today) is state
