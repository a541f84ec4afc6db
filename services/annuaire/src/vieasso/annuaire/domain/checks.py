"""Rules that need the reference data or today's date; each failure is a French field error."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date

from vieasso.annuaire.domain.commands import AssociationFields, MissionFields
from vieasso.annuaire.domain.errors import InvalidInput, field_error
from vieasso.common.messages.annuaire import MissionKind
from vieasso.common.messages.base import FieldError


@dataclass(frozen=True)
class Known:
    """The codes the reference data knows (themes, quartiers, venues)."""

    themes: Container[str]
    quartiers: Container[str]
    venues: Container[str]


def _reference(themes: tuple[str, ...], quartier: str | None, known: Known) -> list[FieldError]:
    errors = [
        field_error(
            f"themes.{i}", f"Thème inconnu : « {code} » (voir /api/themes).", "unknown_theme"
        )
        for i, code in enumerate(themes)
        if code not in known.themes
    ]
    if quartier is not None and quartier not in known.quartiers:
        errors.append(
            field_error(
                "quartier",
                f"Quartier inconnu : « {quartier} » (voir /api/quartiers).",
                "unknown_quartier",
            )
        )
    return errors


def check_association(fields: AssociationFields, known: Known, today: date) -> None:
    errors = _reference(fields.themes, fields.quartier, known)
    if fields.founded_on is not None and fields.founded_on > today:
        errors.append(
            field_error(
                "founded_on", "La date de création ne peut pas être dans le futur.", "future"
            )
        )
    if fields.siren and fields.siret and not fields.siret.startswith(fields.siren):
        errors.append(
            field_error(
                "siret", "Le SIRET doit commencer par le SIREN de l'association.", "siret_siren"
            )
        )
    if errors:
        raise InvalidInput(errors)


def check_mission(fields: MissionFields, known: Known, today: date) -> None:
    errors = _reference(fields.themes, fields.quartier, known)
    if fields.venue_id is not None and fields.venue_id not in known.venues:
        errors.append(
            field_error(
                "venue_id",
                f"Lieu inconnu ou archivé : « {fields.venue_id} » (voir /api/venues).",
                "unknown_venue",
            )
        )
    if fields.kind is MissionKind.PONCTUELLE and fields.starts_on is None:
        errors.append(
            field_error("starts_on", "Une mission ponctuelle a une date de début.", "missing")
        )
    if fields.kind is MissionKind.REGULIERE and not fields.schedule and not fields.starts_on:
        errors.append(
            field_error(
                "schedule",
                "Une mission régulière précise son rythme (ex. « le mardi soir ») "
                "ou sa date de début.",
                "missing",
            )
        )
    if fields.starts_on and fields.ends_on and fields.ends_on < fields.starts_on:
        errors.append(
            field_error("ends_on", "La date de fin précède la date de début.", "end_before_start")
        )
    if fields.ends_on is not None and fields.ends_on < today:
        errors.append(field_error("ends_on", "La date de fin est déjà passée.", "past"))
    if errors:
        raise InvalidInput(errors)
