"""The pure rules of the directory (no NATS): identifiers, phones, slugs, search, state."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vieasso.annuaire.domain import associations, missions
from vieasso.annuaire.domain.checks import Known, check_mission
from vieasso.annuaire.domain.commands import AssociationFields, MissionFields, PrivateContact
from vieasso.annuaire.domain.errors import InvalidInput, InvalidState
from vieasso.annuaire.domain.rules import (
    check_phone,
    check_rna,
    check_siren,
    check_siret,
    make_slug,
    normalize,
    slug_candidates,
)
from vieasso.annuaire.domain.search import AssociationEntry, AssociationQuery, find_associations
from vieasso.common.messages.annuaire import AssociationState, MissionState

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
KNOWN = Known(themes={"sport"}, quartiers={"battant"}, venues={"kursaal"})


def test_siren_and_siret_need_a_correct_luhn_key() -> None:
    assert check_siren("732829320") == "732829320"
    spaced = AssociationFields(name="AB", purpose="Un objet assez long.", siren="732 829 320")
    assert spaced.siren == "732829320"
    assert check_siret("73282932000074") == "73282932000074"
    for bad in ("732829321", "12345678", "abcdefghi"):
        with pytest.raises(ValueError, match="SIREN"):
            check_siren(bad)
    with pytest.raises(ValueError, match="clé de contrôle"):
        check_siret("73282932000075")


def test_la_poste_sirets_follow_their_own_checksum() -> None:
    assert check_siret("35600000000001") == "35600000000001"


def test_rna_id_is_w_and_nine_characters_upper_cased() -> None:
    assert check_rna("w251001234") == "W251001234"
    for bad in ("W25100123", "X251001234", "W25100123é"):
        with pytest.raises(ValueError, match="RNA"):
            check_rna(bad)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("0381615050", "03 81 61 50 50"), ("+33 3 81 61 50 50", "03 81 61 50 50"),
     ("0033.6.12.34.56.78", "06 12 34 56 78"), ("03-81-61-50-50", "03 81 61 50 50")],
)  # fmt: skip
def test_french_phone_numbers_are_stored_in_one_format(raw: str, stored: str) -> None:
    assert check_phone(raw) == stored


@pytest.mark.parametrize("bad", ["12345", "+44 20 7946 0958", "0012345678", "08 00 00 00"])
def test_other_phone_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="téléphone"):
        check_phone(bad)


def test_slugs_survive_accents_ligatures_and_length() -> None:
    assert make_slug("Chœur de l'Été — Besançon") == "choeur-de-l-ete-besancon"
    assert make_slug("!!!") == "association"
    long = make_slug("Association " + "très " * 30 + "longue")
    assert len(long) <= 60
    assert not long.endswith("-")
    candidates = list(slug_candidates("a" * 60))
    assert candidates[1] == "a" * 58 + "-2"
    assert all(len(c) <= 60 for c in candidates)


def test_search_ignores_case_accents_and_matches_word_prefixes() -> None:
    assert normalize("Société d'Émulation du Doubs — Chœur") == (
        "societe d emulation du doubs choeur"
    )
    record = associations.validate(
        _association().model_copy(update={"name": "Société d'Émulation du Doubs"}), "h", NOW
    )
    entries = [AssociationEntry.of(record)]

    def found(q: str) -> list[str]:
        return find_associations(entries, AssociationQuery(q=q))

    assert found("EMUL societe") == ["les-amis"]
    assert found("mulation") == []
    assert found("doubs chœur") == []


def _association(
    state: AssociationState = AssociationState.PENDING,
) -> associations.AssociationRecord:
    fields = AssociationFields(name="Les Amis", purpose="Un objet assez long.")
    contact = PrivateContact(name="Jeanne", email="jeanne@exemple.fr")
    return associations.register("les-amis", fields, contact, NOW, state=state)


def test_association_life_is_pending_validated_archived() -> None:
    record = _association()
    validated = associations.validate(record, "hash", NOW)
    assert validated.state is AssociationState.VALIDATED
    assert validated.validated_at == NOW
    with pytest.raises(InvalidState, match="déjà validée"):
        associations.validate(validated, "hash", NOW)
    archived = associations.archive(validated, NOW)
    assert archived.token_hash is None
    with pytest.raises(InvalidState):
        associations.archive(archived, NOW)
    with pytest.raises(InvalidState):
        associations.validate(archived, "hash", NOW)
    with pytest.raises(InvalidState, match="archivée"):
        associations.apply_change(archived, AssociationFields(**archived.fields()), None, NOW)


def test_public_record_has_no_private_field() -> None:
    record = associations.validate(_association(), "secret-hash", NOW)
    dumped = record.public().model_dump_json()
    assert "jeanne" not in dumped
    assert "secret-hash" not in dumped
    assert "last_change" not in dumped


def _mission(**fields: object) -> MissionFields:
    data: dict[str, object] = {
        "title": "Accueil", "description": "Accueillir le public du festival.",
        "kind": "ponctuelle", "starts_on": "2026-06-20", "ends_on": "2026-06-21",
        "how_to_apply": "Écrire.",
    }  # fmt: skip
    data.update(fields)
    return MissionFields.model_validate(data)


def test_mission_life_is_open_filled_closed_and_closed_is_final() -> None:
    mission = missions.publish("m-1", "les-amis", _mission(), NOW)
    filled = missions.apply_change(mission, _mission(), "filled", NOW)
    assert filled.state is MissionState.FILLED
    closed = missions.close(filled, NOW)
    assert closed.closed_at == NOW
    with pytest.raises(InvalidState):
        missions.close(closed, NOW)
    with pytest.raises(InvalidState):
        missions.apply_change(closed, _mission(), "open", NOW)


def test_mission_expires_the_day_after_its_end_date() -> None:
    mission = missions.publish("m-1", "les-amis", _mission(), NOW)
    assert not missions.is_expired(mission, date(2026, 6, 21))
    assert missions.is_expired(mission, date(2026, 6, 22))
    weekly = _mission(kind="reguliere", schedule="le mardi", starts_on=None, ends_on=None)
    regular = missions.publish("m-2", "les-amis", weekly, NOW)
    assert not missions.is_expired(regular, date(2030, 1, 1))


def test_mission_rules_name_every_broken_field() -> None:
    with pytest.raises(InvalidInput) as error:
        check_mission(
            _mission(starts_on="2026-06-21", ends_on="2026-06-20", venue_id="nulle-part",
                     themes=["inconnu"], quartier="atlantide"),
            KNOWN, date(2026, 3, 16),
        )  # fmt: skip
    fields = {e.field for e in error.value.errors}
    assert fields == {"ends_on", "venue_id", "themes.0", "quartier"}
    check_mission(_mission(venue_id="kursaal", themes=["sport"]), KNOWN, date(2026, 3, 16))


def test_a_theme_given_twice_counts_once() -> None:
    fields = AssociationFields(
        name="AB", purpose="Un objet assez long.", themes=("sport", "culture", "sport")
    )
    assert fields.themes == ("sport", "culture")
    assert _mission(skills=["accueil", "accueil"]).skills == ("accueil",)
