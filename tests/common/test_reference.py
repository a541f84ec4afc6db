"""The Besançon reference data shipped with the package: it loads and is consistent."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from vieasso.common.messages.annuaire import VenuePublic
from vieasso.common.reference import (
    REFERENCE_VERSION,
    ReferenceDataError,
    load_quartiers,
    load_themes,
    load_venues,
    theme_for_rna,
)
from vieasso.common.reference.loader import (
    check_quartiers,
    check_themes,
    check_venues,
    rna_groups,
    rna_mapper,
)
from vieasso.common.reference.models import Quartier, Theme

DATA_FILES = ("quartiers.json", "themes.json", "venues.json")

# Besançon's commune, generously: every venue must fall inside it.
LAT_RANGE = (47.19, 47.30)
LON_RANGE = (5.93, 6.10)


def _venue(venue_id: str, **changes: object) -> VenuePublic:
    fields: dict[str, object] = {
        "id": venue_id,
        "name": venue_id,
        "address": "1 rue de test",
        "postal_code": "25000",
        "lat": 47.24,
        "lon": 6.02,
    }
    return VenuePublic.model_validate(fields | changes)


@pytest.mark.parametrize("name", DATA_FILES)
def test_data_files_are_shipped_in_the_package_with_version_and_source(name: str) -> None:
    data = resources.files("vieasso.common.reference").joinpath("data", name)
    document = json.loads(data.read_text(encoding="utf-8"))

    assert document["version"] == REFERENCE_VERSION
    assert len(document["source"]) > 40


def test_quartiers_have_unique_codes_french_labels_and_besancon_postal_codes() -> None:
    quartiers = load_quartiers()

    codes = [q.code for q in quartiers]
    assert len(codes) == len(set(codes)) >= 13
    assert {"battant", "planoise-chateaufarine", "velotte"} <= set(codes)
    assert all(q.label.strip() and q.postal_codes == ("25000",) for q in quartiers)
    by_code = {q.code: q for q in quartiers}
    assert "Vaîtes" in by_code["orchamps-palente-saragosse"].aliases


def test_themes_have_unique_codes_and_a_french_label() -> None:
    themes = load_themes()

    codes = [t.code for t in themes]
    assert len(codes) == len(set(codes))
    assert 15 <= len(themes) <= 20
    assert {"culture", "sport", "solidarite", "environnement", "seniors"} <= set(codes)
    assert all(t.label.strip() for t in themes)
    assert any(not t.label.isascii() for t in themes)  # accents: labels are French, not codes


def test_every_rna_group_but_miscellaneous_maps_to_a_theme() -> None:
    unmapped = {code for code in rna_groups() if theme_for_rna(code) is None}

    assert unmapped == {"050000"}


@pytest.mark.parametrize(
    ("rna_code", "theme"),
    [
        ("011000", "sport"),  # a group code, exactly
        ("011125", "sport"),  # a detailed code, through its group
        ("006030", "culture"),
        (" 024005 ", "environnement"),  # RNA files pad their columns
        ("021000", "seniors"),
        ("040010", "spiritualite"),
    ],
)
def test_rna_codes_map_to_themes_by_exact_code_then_group(rna_code: str, theme: str) -> None:
    assert theme_for_rna(rna_code) == theme


@pytest.mark.parametrize("rna_code", ["", "000000", "050005", "999000", "11000", "abcdef"])
def test_unknown_or_malformed_rna_codes_map_to_no_theme(rna_code: str) -> None:
    assert theme_for_rna(rna_code) is None


def test_an_exact_rna_code_wins_over_its_group() -> None:
    themes = (
        Theme(code="solidarite", label="Solidarité", rna_codes=("020000",)),
        Theme(code="international", label="International", rna_codes=("020015",)),
    )
    check_themes(themes, ("020000",))  # an exact code beside its group is allowed
    theme_for = rna_mapper(themes)

    assert theme_for("020015") == "international"
    assert theme_for("020010") == "solidarite"


def test_venues_reference_existing_quartiers_and_parents() -> None:
    venues = load_venues()
    ids = {v.id for v in venues}
    quartiers = {q.code for q in load_quartiers()}

    assert len(ids) == len(venues)
    assert all(v.quartier in quartiers for v in venues)
    assert all(v.parent_id is None or v.parent_id in ids for v in venues)
    assert all(v.postal_code == "25000" and v.city == "Besançon" for v in venues)


def test_venues_lie_inside_besancon() -> None:
    for venue in load_venues():
        assert LAT_RANGE[0] < venue.lat < LAT_RANGE[1], venue.id
        assert LON_RANGE[0] < venue.lon < LON_RANGE[1], venue.id


def test_the_kursaal_has_rooms_and_the_named_city_venues_are_there() -> None:
    venues = {v.id: v for v in load_venues()}

    rooms = [v for v in venues.values() if v.parent_id == "kursaal"]
    assert {r.name for r in rooms} >= {"Petit Kursaal"}
    for venue_id in ("citadelle", "promenade-chamars", "gare-d-eau", "la-rodia"):
        assert venue_id in venues
    assert any(v.id.startswith("mjc-") for v in venues.values())
    assert any(v.id.startswith("maison-de-quartier-") for v in venues.values())


def test_accessibility_is_claimed_only_where_a_source_confirms_it() -> None:
    claimed = {
        (v.id, flag)
        for v in load_venues()
        for flag, on in v.accessibility.model_dump().items()
        if on
    }

    assert claimed == {("la-rodia", "motor")}


def test_loaders_are_cached() -> None:
    assert load_venues() is load_venues()
    assert load_themes() is load_themes()


def test_a_duplicate_quartier_code_is_refused() -> None:
    twice = (Quartier(code="battant", label="Battant"), Quartier(code="battant", label="Bis"))

    with pytest.raises(ReferenceDataError, match="duplicate quartier code: 'battant'"):
        check_quartiers(twice)


def test_a_duplicate_theme_code_or_rna_code_is_refused() -> None:
    with pytest.raises(ReferenceDataError, match="duplicate theme code"):
        check_themes((Theme(code="sport", label="Sport"), Theme(code="sport", label="Sports")))
    with pytest.raises(ReferenceDataError, match="duplicate RNA code: '011000'"):
        check_themes(
            (
                Theme(code="sport", label="Sport", rna_codes=("011000",)),
                Theme(code="loisirs", label="Loisirs", rna_codes=("011000",)),
            )
        )


def test_a_theme_with_an_unknown_rna_group_or_a_malformed_code_is_refused() -> None:
    with pytest.raises(ReferenceDataError, match="unknown RNA group '012000'"):
        check_themes((Theme(code="x", label="X", rna_codes=("012000",)),), ("011000",))
    with pytest.raises(ReferenceDataError, match="bad RNA code '11'"):
        check_themes((Theme(code="x", label="X", rna_codes=("11",)),))


def test_a_venue_in_an_unknown_quartier_is_refused() -> None:
    with pytest.raises(ReferenceDataError, match="unknown quartier 'nulle-part'"):
        check_venues([_venue("salle", quartier="nulle-part")], ["battant"])


def test_a_venue_whose_parent_is_missing_or_circular_is_refused() -> None:
    with pytest.raises(ReferenceDataError, match="unknown parent 'absent'"):
        check_venues([_venue("salle", parent_id="absent")], [])
    with pytest.raises(ReferenceDataError, match="parent cycle"):
        check_venues([_venue("a", parent_id="b"), _venue("b", parent_id="a")], [])
    with pytest.raises(ReferenceDataError, match="duplicate venue id: 'a'"):
        check_venues([_venue("a"), _venue("a")], [])
