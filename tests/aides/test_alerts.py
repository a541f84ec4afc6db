"""Which deadline alerts are due (pure): 30 days before until the 7-day alert takes over,
7 days before until the last day; yearly windows every year (one spanning the new year
included); nothing for an aid not followed, unpublished, ongoing or closed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from vieasso.aides.domain.alerts import alerts_due, lead_for
from vieasso.aides.domain.follows import AssociationFile, Follow
from vieasso.aides.domain.schemes import AidScheme

AT = datetime(2027, 1, 1, tzinfo=UTC)


def scheme(scheme_id: str, deadlines: dict[str, Any], state: str = "publie") -> AidScheme:
    return AidScheme.model_validate({
        "id": scheme_id, "name": f"Aide {scheme_id}", "short_description": "Une aide.",
        "funders": ("Ville de Besançon",), "kinds": ("aide-projet",), "deadlines": deadlines,
        "state": state, "created_at": AT, "updated_at": AT,
    })  # fmt: skip


def following(slug: str, *ids: str) -> AssociationFile:
    follows = tuple(Follow(scheme_id=i, since=AT) for i in ids)
    return AssociationFile(slug=slug, follows=follows, updated_at=AT)


@pytest.mark.parametrize(
    ("days_left", "lead"),
    [(-1, None), (0, 7), (1, 7), (7, 7), (8, 30), (29, 30), (30, 30), (31, None), (200, None)],
)
def test_lead_for(days_left: int, lead: int | None) -> None:
    assert lead_for(days_left) == lead


SCHEMES = {
    s.id: s
    for s in (
        scheme("call", {"kind": "date", "deadline": "2027-06-01"}),
        scheme("autumn", {"kind": "annuel", "opens_month": 9, "opens_day": 1,
                          "closes_month": 10, "closes_day": 15}),
        scheme("winter", {"kind": "annuel", "opens_month": 11, "opens_day": 1,
                          "closes_month": 1, "closes_day": 31}),
        scheme("ongoing", {"kind": "permanent"}),
        scheme("draft", {"kind": "date", "deadline": "2027-06-01"}, state="brouillon"),
    )
}  # fmt: skip
FILES = [following("asso-a", "call", "autumn", "winter", "ongoing", "draft", "gone"),
         following("asso-b", "call")]  # fmt: skip


CALL_30 = [("call", "2027-06-01", 30, "asso-a"), ("call", "2027-06-01", 30, "asso-b")]
CALL_7 = [("call", "2027-06-01", 7, "asso-a"), ("call", "2027-06-01", 7, "asso-b")]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 5, 1), []),
        (date(2027, 5, 2), CALL_30),
        (date(2027, 5, 24), CALL_30),
        (date(2027, 5, 25), CALL_7),
        (date(2027, 6, 1), CALL_7),
        (date(2027, 6, 2), []),
        (date(2027, 9, 15), [("autumn", "2027-10-15", 30, "asso-a")]),
        (date(2028, 10, 10), [("autumn", "2028-10-15", 7, "asso-a")]),  # the next year's window
        (date(2028, 1, 1), [("winter", "2028-01-31", 30, "asso-a")]),  # spans the new year
        (date(2028, 1, 31), [("winter", "2028-01-31", 7, "asso-a")]),
        (date(2028, 2, 1), []),
    ],
)  # fmt: skip
def test_alerts_due(today: date, expected: list[tuple[str, str, int, str]]) -> None:
    due = alerts_due(FILES, SCHEMES, today)
    assert [(a.scheme.id, a.deadline.isoformat(), a.lead, a.association) for a in due] == expected
    for alert in due:
        parts = (alert.scheme.id, alert.deadline, alert.lead, alert.association)
        assert alert.key == "aide.{}.{}.{}.{}".format(*parts)
        assert alert.days_left == (alert.deadline - today).days
