"""Offers and needs between associations (SPEC §8, issue 17): ``ressources.annonces.>``.

``ressources.annonces.<slug>.published`` / ``.closed`` / ``.hidden`` carry an annonce's
public fields (what `/entraide` shows); ``ressources.annonces.<slug>.letter`` records an
association's choice to receive matching annonces in the associations' letter. No personal
data: associations by slug, never a person; replies and reports stay in the service's bucket.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Code, Line, Message, Slug, Text

CITY = "ville"
"""Who writes for the city in entraide: the replier of the threads its team opens (and
the author of the annonces it publishes for a company's mécénat). Never an association's
slug: the annuaire reserves it."""
CITY_NAME = "Ville de Besançon — Service Vie associative"


class AnnonceDirection(StrEnum):
    """« nous proposons » or « nous cherchons »."""

    OFFRE = "offre"
    BESOIN = "besoin"


class AnnonceKind(StrEnum):
    COMPETENCE = "competence"
    BENEVOLES = "benevoles"
    MATERIEL = "materiel"
    LOCAL = "local"
    TRANSPORT = "transport"
    PARTENARIAT = "partenariat"
    MECENAT = "mecenat"  # mécénat de compétences proposé par une entreprise via la Ville
    FINANCEMENT = "financement"


KIND_LABELS = {
    AnnonceKind.COMPETENCE: "Compétences",
    AnnonceKind.BENEVOLES: "Bénévoles partagés",
    AnnonceKind.MATERIEL: "Matériel",
    AnnonceKind.LOCAL: "Local",
    AnnonceKind.TRANSPORT: "Transport",
    AnnonceKind.PARTENARIAT: "Partenariat, projet commun",
    AnnonceKind.MECENAT: "Mécénat de compétences (entreprise, via la Ville)",
    AnnonceKind.FINANCEMENT: "Financement",
}
"""French labels of the kinds (pages, feeds, the associations' letter)."""


class AnnonceChange(StrEnum):
    PUBLISHED = "published"
    CLOSED = "closed"
    HIDDEN = "hidden"


class AnnoncePublic(BaseModel):
    """An annonce as anyone may read it on `/entraide`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Slug
    association_slug: Slug
    direction: AnnonceDirection
    kind: AnnonceKind
    title: Line = Field(min_length=3, max_length=140)
    description: Text = Field(min_length=1, max_length=4000)
    themes: tuple[Code, ...] = Field(default=(), max_length=10)
    quartier: Code | None = None
    starts_on: date | None = Field(default=None, description="None with ends_on: permanent.")
    ends_on: date | None = None
    expires_on: date = Field(description="Closed automatically after this day.")
    published_at: AwareDatetime


class AnnonceFact(Message):
    """A change of one annonce (published, closed by its association or on expiry, hidden
    by the city), with its public fields."""

    annonce: AnnoncePublic
    change: AnnonceChange


class AnnonceLetterChoice(Message):
    """An association chose (or stopped) to receive, in the associations' letter, the
    annonces close to its themes or quartier."""

    association: Slug
    subscribed: bool
    form_version: Line = Field(default="entraide-1", max_length=40)
