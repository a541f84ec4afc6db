"""Matching on a table of associations × schemes: the verdict, which criteria matched,
failed or are missing; and the order (most urgent deadline first)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from vieasso.aides.domain.follows import Answers, BudgetBand
from vieasso.aides.domain.matching import (
    Profile,
    Verdict,
    match,
    matches,
    months_between,
    plainly_excluded,
)
from vieasso.aides.domain.schemes import AidScheme

NOW = datetime(2027, 3, 15, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def scheme(scheme_id: str, **fields: Any) -> AidScheme:
    values: dict[str, Any] = {
        "id": scheme_id,
        "name": scheme_id.replace("-", " ").capitalize(),
        "short_description": "Une aide.",
        "funders": ("Ville de Besançon",),
        "kinds": ("subvention-fonctionnement",),
        "deadlines": {"kind": "permanent"},
        "state": "publie",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return AidScheme.model_validate(values | fields)


AUTUMN = {"kind": "annuel", "opens_month": 9, "opens_day": 1, "closes_month": 10, "closes_day": 15}
SCHEMES = {
    "pour-tous": scheme("pour-tous"),
    "culture": scheme("culture", themes=("culture",)),
    "fph-planoise": scheme(
        "fph-planoise",
        kinds=("aide-projet",),
        eligibility={"quartiers": ("planoise",), "budget_max": 10_000},
        deadlines={"kind": "date", "deadline": "2027-06-30", "opens_on": "2027-03-01"},
    ),
    "emploi": scheme("emploi", eligibility={"employs_staff": "employeuse", "min_age_months": 24}),
    "petites": scheme(
        "petites", eligibility={"employs_staff": "non-employeuse", "max_volunteers": 30}
    ),
    "projets-automne": scheme("projets-automne", kinds=("appel-a-projets",), deadlines=AUTUMN),
    "grosses": scheme("grosses", eligibility={"budget_min": 50_000, "min_volunteers": 10}),
    "clos": scheme("clos", deadlines={"kind": "date", "deadline": "2027-03-01"}),
}
CULTURE_BATTANT = Profile(
    themes=frozenset({"culture"}), quartier="battant", employs_staff=False,
    founded_on=date(2026, 9, 1),
    answers=Answers(budget=BudgetBand.UNDER_10K, volunteers=12, project_start=date(2027, 11, 1)),
)  # fmt: skip
SPORT_PLANOISE = Profile(
    themes=frozenset({"sport"}), quartier="planoise", employs_staff=True,
    founded_on=date(2010, 5, 20),
    answers=Answers(budget=BudgetBand.FROM_50K_TO_200K, volunteers=40,
                    project_start=date(2027, 5, 1)),
)  # fmt: skip
UNKNOWN = Profile()  # a record with nothing filled in, no answers
SMALL_PLANOISE = Profile(
    themes=frozenset({"solidarite"}), quartier="planoise", employs_staff=False,
    founded_on=date(2020, 1, 1),
    answers=Answers(budget=BudgetBand.FROM_10K_TO_50K, volunteers=5,
                    project_start=date(2027, 4, 15)),
)  # fmt: skip

E, C, N = Verdict.ELIGIBLE, Verdict.TO_CHECK, Verdict.NOT_ELIGIBLE
# (profile, scheme) → verdict, criteria matched, failed, missing
TABLE: list[tuple[str, Profile, str, Verdict, set[str], set[str], set[str]]] = [
    ("culture-battant", CULTURE_BATTANT, "pour-tous", E, {"theme"}, set(), set()),
    ("culture-battant", CULTURE_BATTANT, "culture", E, {"theme"}, set(), set()),
    ("culture-battant", CULTURE_BATTANT, "fph-planoise", N, {"theme", "budget", "dates"},
     {"quartier"}, set()),
    ("culture-battant", CULTURE_BATTANT, "emploi", N, {"theme"}, {"staff", "age"}, set()),
    ("culture-battant", CULTURE_BATTANT, "petites", E, {"theme", "staff", "volunteers"},
     set(), set()),
    ("culture-battant", CULTURE_BATTANT, "projets-automne", E, {"theme", "dates"}, set(), set()),
    ("culture-battant", CULTURE_BATTANT, "grosses", N, {"theme", "volunteers"}, {"budget"},
     set()),
    ("culture-battant", CULTURE_BATTANT, "clos", N, {"theme"}, {"dates"}, set()),
    ("sport-planoise", SPORT_PLANOISE, "culture", N, set(), {"theme"}, set()),
    ("sport-planoise", SPORT_PLANOISE, "fph-planoise", N, {"theme", "quartier", "dates"},
     {"budget"}, set()),
    ("sport-planoise", SPORT_PLANOISE, "emploi", E, {"theme", "staff", "age"}, set(), set()),
    ("sport-planoise", SPORT_PLANOISE, "petites", N, {"theme"}, {"staff", "volunteers"}, set()),
    ("sport-planoise", SPORT_PLANOISE, "projets-automne", N, {"theme"}, {"dates"}, set()),
    ("sport-planoise", SPORT_PLANOISE, "grosses", E, {"theme", "budget", "volunteers"},
     set(), set()),
    ("unknown", UNKNOWN, "pour-tous", E, {"theme"}, set(), set()),
    ("unknown", UNKNOWN, "culture", C, set(), set(), {"theme"}),
    ("unknown", UNKNOWN, "fph-planoise", C, {"theme"}, set(), {"quartier", "budget", "dates"}),
    ("unknown", UNKNOWN, "emploi", C, {"theme"}, set(), {"staff", "age"}),
    ("unknown", UNKNOWN, "grosses", C, {"theme"}, set(), {"budget", "volunteers"}),
    ("small-planoise", SMALL_PLANOISE, "fph-planoise", C, {"theme", "quartier", "dates"},
     set(), {"budget"}),
    ("small-planoise", SMALL_PLANOISE, "grosses", N, {"theme"}, {"budget", "volunteers"}, set()),
    ("small-planoise", SMALL_PLANOISE, "projets-automne", N, {"theme"}, {"dates"}, set()),
]  # fmt: skip


Row = tuple[str, Profile, str, Verdict, set[str], set[str], set[str]]


@pytest.mark.parametrize("row", [pytest.param(row, id=f"{row[0]}×{row[2]}") for row in TABLE])
def test_verdicts_and_reasons(row: Row) -> None:
    _, profile, scheme_id, verdict, matched, failed, missing = row
    found = match(profile, SCHEMES[scheme_id], TODAY)
    assert {r.criterion for r in found.matched} == matched
    assert {r.criterion for r in found.failed} == failed
    assert {r.criterion for r in found.missing} == missing
    assert found.verdict is verdict
    assert all(r.text.endswith(".") and r.text[0].isupper() for r in found.reasons())


def test_reasons_say_why_in_french_with_labels() -> None:
    labels = {"culture": "Culture", "planoise": "Planoise"}
    fph = match(SMALL_PLANOISE, SCHEMES["fph-planoise"], TODAY, labels)
    assert [r.text for r in fph.matched] == [
        "Ouvert à tous les thèmes.",
        "Votre quartier (Planoise) est concerné.",
        "Dépôt possible avant le début de votre projet (jusqu'au 15/04/2027).",
    ]
    assert [r.text for r in fph.missing] == ["À vérifier : budget plafonné à 10\u202f000 €."]
    young = match(CULTURE_BATTANT, SCHEMES["emploi"], TODAY, labels)
    assert [r.text for r in young.failed] == [
        "Réservé aux associations employeuses.",
        "Il faut 24 mois d'existence ; l'association en a 6.",
    ]
    assert [r.text for r in match(CULTURE_BATTANT, SCHEMES["culture"], TODAY, labels).matched] == [
        "Thème : Culture."
    ]


def test_most_urgent_deadline_first_and_unpublished_or_ineligible_left_out() -> None:
    draft = scheme("brouillon", state="brouillon")
    listed = matches(CULTURE_BATTANT, [*SCHEMES.values(), draft], TODAY)
    assert [m.scheme.id for m in listed] == ["projets-automne", "culture", "petites", "pour-tous"]
    assert [m.next_closing for m in listed] == [date(2027, 10, 15), None, None, None]
    everything = matches(CULTURE_BATTANT, SCHEMES.values(), TODAY, everything=True)
    assert [m.scheme.id for m in everything][4:] == ["fph-planoise", "clos", "emploi", "grosses"]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2025, 3, 15), date(2027, 3, 15), 24),
        (date(2025, 3, 16), date(2027, 3, 15), 23),
        (date(2027, 1, 31), date(2027, 2, 28), 0),
        (date(2028, 1, 1), date(2027, 3, 15), 0),
    ],
)
def test_months_between(start: date, end: date, months: int) -> None:
    assert months_between(start, end) == months


def test_the_shortcut_for_long_lists_only_skips_what_match_refuses() -> None:
    profiles = {row[0]: row[1] for row in TABLE}
    for profile in profiles.values():
        for found in matches(profile, SCHEMES.values(), TODAY, everything=True):
            if plainly_excluded(profile, found.scheme):
                assert found.verdict is Verdict.NOT_ELIGIBLE, found.scheme.id
        short = {m.scheme.id for m in matches(profile, SCHEMES.values(), TODAY)}
        full = matches(profile, SCHEMES.values(), TODAY, everything=True)
        assert short == {m.scheme.id for m in full if m.verdict is not Verdict.NOT_ELIGIBLE}
