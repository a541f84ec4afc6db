"""Entraide's pure rules (issue 17): the search ignores accents and case, counts per kind,
dates and expiry checked in French, the rate limits, the models that could serve a need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vieasso.common.messages.annonces import AnnonceDirection, AnnonceKind
from vieasso.ressources.domain.annonces import (
    Annonce,
    AnnonceState,
    Draft,
    Filters,
    check,
    counts,
    expiry,
    shown,
)
from vieasso.ressources.domain.annonces_threads import Limits, Quota, TooMany
from vieasso.ressources.domain.catalogue import EquipmentModel, Notice
from vieasso.ressources.entrypoints.pages_entraide_support import could_serve

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
TODAY = NOW.date()


def annonce(n: int, **fields: object) -> Annonce:
    values: dict[str, object] = {
        "id": f"annonce-{n}",
        "association_slug": "asso",
        "direction": AnnonceDirection.BESOIN,
        "kind": AnnonceKind.MATERIEL,
        "title": "Nous cherchons du matériel",
        "description": "Pour la fête.",
        "expires_on": TODAY + timedelta(days=30),
        "published_at": NOW + timedelta(minutes=n),
    }
    return Annonce.model_validate(values | fields)


def draft(**fields: object) -> Draft:
    values: dict[str, object] = {
        "direction": "offre", "kind": "local", "title": "Salle le mardi", "description": "Libre.",
    }  # fmt: skip
    return Draft.model_validate(values | fields)


def test_search_ignores_accents_and_case_and_keeps_only_open_annonces() -> None:
    found = [
        annonce(1, title="Prêt de VAISSELLE pour la fête"),
        annonce(2, description="Une sono et des enceintes"),
        annonce(3, title="Vaisselle", state=AnnonceState.HIDDEN),
        annonce(4, title="Théâtre", kind=AnnonceKind.COMPETENCE),
    ]
    assert [a.id for a in shown(found, Filters(q="vaisselle fete"), {})] == ["annonce-1"]
    assert [a.id for a in shown(found, Filters(q="THEATRE"), {})] == ["annonce-4"]
    assert [a.id for a in shown(found, Filters(q="battant"), {"asso": "Les Amis de Battant"})] == [
        "annonce-4", "annonce-2", "annonce-1",
    ]  # fmt: skip
    assert [a.id for a in shown(found, Filters(kind=AnnonceKind.COMPETENCE), {})] == ["annonce-4"]
    assert counts(found)["materiel"] == {"offre": 0, "besoin": 2}
    assert counts(found)["competence"] == {"offre": 0, "besoin": 1}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"starts_on": TODAY}, "ends_on", "Indiquez les deux dates"),
        ({"starts_on": TODAY, "ends_on": TODAY - timedelta(days=1)}, "ends_on", "doit suivre"),
        ({"expires_on": TODAY + timedelta(days=400)}, "expires_on", "au plus tard dans un an"),
        ({"expires_on": TODAY - timedelta(days=1)}, "expires_on", "est passée"),
        ({"themes": ("inconnu",)}, "themes", "Thème inconnu"),
        ({"quartier": "nulle-part"}, "quartier", "Quartier inconnu"),
    ],
)
def test_bad_dates_and_unknown_codes_are_refused_in_french(
    fields: dict[str, object], field: str, message: str
) -> None:
    errors = check(draft(**fields), TODAY, {"culture"}, {"battant"})
    assert [f for f, _ in errors] == [field]
    assert message in errors[0][1]


def test_expiry_defaults_to_the_last_day_or_ninety_days() -> None:
    assert expiry(draft(), TODAY) == TODAY + timedelta(days=90)
    last = TODAY + timedelta(days=5)
    assert expiry(draft(starts_on=TODAY, ends_on=last), TODAY) == last
    assert (
        check(draft(themes=("culture",), quartier="battant"), TODAY, {"culture"}, {"battant"}) == []
    )


def test_rate_limits_count_the_last_hour_per_annonce_and_overall() -> None:
    limits = Limits(per_hour=4, per_annonce=3)
    quota = Quota()
    for minutes in (1, 2, 3):
        quota = quota.claim("a", NOW + timedelta(minutes=minutes), limits)
    with pytest.raises(TooMany, match="sur cette annonce"):
        quota.claim("a", NOW + timedelta(minutes=10), limits)
    fourth = quota.claim("b", NOW + timedelta(minutes=10), limits)  # 4 of 4 overall
    with pytest.raises(TooMany, match="dans l'heure"):
        fourth.claim("c", NOW + timedelta(minutes=11), limits)
    later = quota.claim("a", NOW + timedelta(hours=1, minutes=2), limits)  # two left the hour
    assert [s.annonce_id for s in later.sent] == ["a", "a"]  # what left the hour is dropped


def test_a_need_for_equipment_shows_the_models_sharing_a_word() -> None:
    def model(name: str, category: str) -> EquipmentModel:
        return EquipmentModel(
            id=name.lower().replace(" ", "-"), name=name, category=category, stock=2,
            storage_place="Magasin", notice=Notice(min_days=0, max_days=30), updated_at=NOW,
        )  # fmt: skip

    models = [model("Barnum 3 m", "barnums"), model("Sono portable", "sonorisation"),
              model("Table pliante", "mobilier")]  # fmt: skip
    need = annonce(1, title="Il nous faut deux barnums et des tables")
    assert [m.name for m in could_serve(need, models)] == ["Barnum 3 m", "Table pliante"]
    assert could_serve(annonce(2, title="Aide pour la comptabilité"), models) == []
