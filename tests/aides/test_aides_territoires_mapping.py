"""Aides-territoires records → `AidScheme`: a table over the recorded sample (real field
names), and the records that cannot be read, each with its French reason."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from vieasso.aides.adapters.aides_territoires_sample import sample_records
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.aides_territoires import (
    LICENCE,
    MalformedRecord,
    plain_text,
    read,
    to_scheme,
)
from vieasso.aides.domain.deadlines import OneDate, Ongoing, YearlyWindow
from vieasso.aides.domain.schemes import AidKind, SchemeOrigin, SchemeState

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SITE = "https://aides-territoires.beta.gouv.fr"


def sample() -> list[dict[str, Any]]:
    return sample_records()


def by_id(aid_id: int) -> dict[str, Any]:
    return next(r for r in sample() if r["id"] == aid_id)


def test_every_sample_record_maps_to_a_published_synced_scheme() -> None:
    records = sample()
    assert 18 <= len(records) <= 25
    for raw in records:
        scheme = to_scheme(read(raw), site=SITE, now=NOW)
        assert scheme.id == f"at-{raw['id']}"
        assert scheme.state is SchemeState.PUBLISHED
        assert scheme.source.origin is SchemeOrigin.AIDES_TERRITOIRES
        assert scheme.source.source_id == str(raw["id"])
        assert str(scheme.source.source_url) == f"{SITE}{raw['url']}"
        assert scheme.source.licence == LICENCE
        assert scheme.funders == tuple(raw["financers"])
        assert "<" not in scheme.description
        assert "<" not in scheme.short_description
        assert not scheme.editable_by_city


@pytest.mark.parametrize(
    ("aid_id", "kinds", "themes", "deadlines", "perimeter"),
    [
        (  # Récurrente with both dates: the same window every year; operating costs
            160101,
            (AidKind.OPERATING_GRANT, AidKind.PROJECT_GRANT),
            ("citoyennete", "solidarite"),
            YearlyWindow(opens_month=1, opens_day=15, closes_month=3, closes_day=10),
            "Doubs",
        ),
        (  # Ponctuelle call for projects: its one date, opening day kept
            160105,
            (AidKind.PROJECT_GRANT, AidKind.CALL_FOR_PROJECTS),
            ("culture",),
            OneDate(deadline=date(2027, 1, 31), opens_on=date(2026, 11, 2)),
            "Bourgogne-Franche-Comté",
        ),
        (  # Permanente technical aid: support, at any time
            160110,
            (AidKind.SUPPORT,),
            ("environnement",),
            Ongoing(),
            "Bourgogne-Franche-Comté",
        ),
        (  # a loan for employers, national
            160111,
            (AidKind.PROJECT_GRANT,),
            ("economie-sociale-solidaire",),
            Ongoing(),
            "France",
        ),
        (  # two engineering types are one kind
            160112,
            (AidKind.SUPPORT,),
            ("economie-sociale-solidaire",),
            Ongoing(),
            "Doubs",
        ),
        (  # sport and health categories
            160114,
            (AidKind.PROJECT_GRANT, AidKind.CALL_FOR_PROJECTS),
            ("loisirs", "sante", "sport"),
            OneDate(deadline=date(2027, 3, 15), opens_on=date(2027, 1, 10)),
            "Bourgogne-Franche-Comté",
        ),
        (  # on the commune's own perimeter
            160118,
            (AidKind.PROJECT_GRANT, AidKind.CALL_FOR_PROJECTS),
            ("numerique", "solidarite"),
            OneDate(deadline=date(2027, 2, 28), opens_on=date(2026, 12, 1)),
            "Besançon",
        ),
    ],
)
def test_sample_records_map_to_kinds_themes_and_deadlines(
    aid_id: int, kinds: tuple[AidKind, ...], themes: tuple[str, ...], deadlines: Any, perimeter: str
) -> None:
    scheme = to_scheme(read(by_id(aid_id)), site=SITE, now=NOW)
    assert scheme.kinds == kinds
    assert scheme.themes == themes
    assert scheme.deadlines == deadlines
    assert scheme.perimeter == perimeter


def test_amounts_rates_loans_and_comment() -> None:
    sport = to_scheme(read(by_id(160104)), site=SITE, now=NOW).amounts
    assert (sport.rate_min_percent, sport.rate_max_percent) == (20, 50)
    assert sport.note == "Aide minimale de 1 500 €"
    loan = to_scheme(read(by_id(160111)), site=SITE, now=NOW).amounts
    assert loan.max_eur == 100_000
    raw = by_id(160104) | {"subvention_rate_lower_bound": 60, "subvention_rate_upper_bound": 0}
    odd = to_scheme(read(raw), site=SITE, now=NOW).amounts
    assert (odd.rate_min_percent, odd.rate_max_percent) == (60, None)


def test_display_names_and_slugs_of_recurrence_are_both_read() -> None:
    raw = by_id(160101)
    assert isinstance(
        to_scheme(read(raw | {"recurrence": "recurring"}), site=SITE, now=NOW).deadlines,
        YearlyWindow,
    )
    assert (
        to_scheme(read(raw | {"recurrence": "ongoing"}), site=SITE, now=NOW).deadlines == Ongoing()
    )
    leap = raw | {"start_date": "2028-02-29", "submission_deadline": "2028-03-31"}
    window = to_scheme(read(leap), site=SITE, now=NOW).deadlines
    assert window == YearlyWindow(opens_month=2, opens_day=28, closes_month=3, closes_day=31)
    no_start = raw | {"start_date": None}
    assert to_scheme(read(no_start), site=SITE, now=NOW).deadlines == OneDate(
        deadline=date(2027, 3, 10)
    )


def test_description_loses_its_html_and_eligibility_becomes_conditions() -> None:
    scheme = to_scheme(read(by_id(160101)), site=SITE, now=NOW)
    assert scheme.short_description.startswith("Le Fonds pour le développement de la vie")
    assert "\n" not in scheme.short_description
    assert scheme.eligibility.conditions == (
        "- Association déclarée depuis au moins un an",
        "- Siège dans le Doubs",
    )
    assert plain_text("<p>a&nbsp;b</p><script>x</script>\x07<br>c") == "a b\n\nc"


def test_a_record_no_longer_live_maps_to_withdrawn() -> None:
    scheme = to_scheme(read(by_id(160103) | {"is_live": False}), site=SITE, now=NOW)
    assert scheme.state is SchemeState.WITHDRAWN


@pytest.mark.parametrize(
    ("raw", "source_id", "reason"),
    [
        ("pas un objet", None, "l'enregistrement n'est pas un objet JSON"),
        ({"name": "Sans identifiant"}, None, "champ(s) illisible(s) : id"),
        ({"id": 7, "name": "Dates", "submission_deadline": "31/12/2027"}, "7",
         "champ(s) illisible(s) : submission_deadline"),
        ({"id": 8, "name": "Sans porteur", "financers": [], "instructors": []}, "8",
         "aucun porteur ni instructeur"),
        ({"id": 9, "name": "Ab", "financers": ["État"]}, "9", "fiche incomplète : name"),
    ],
)  # fmt: skip
def test_malformed_records_are_refused_with_a_reason(
    raw: object, source_id: str | None, reason: str
) -> None:
    with pytest.raises(MalformedRecord) as refused:
        to_scheme(read(raw), site=SITE, now=NOW)
    assert (refused.value.source_id, refused.value.reason) == (source_id, reason)


def test_an_empty_token_in_the_env_file_means_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIEASSO_AIDES_TERRITOIRES_TOKEN", "")  # `VAR=` as secrets.env ships it
    assert AidesSettings().aides_territoires_token is None
    monkeypatch.setenv("VIEASSO_AIDES_TERRITOIRES_TOKEN", " abc ")
    token = AidesSettings().aides_territoires_token
    assert token is not None
    assert token.get_secret_value() == "abc"
