"""Directory facts (stream ``ANNUAIRE``): associations, volunteer missions and venues.

Facts carry the *public* record only: the private contact of an association never leaves
the ``annuaire_associations`` KV bucket.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from vieasso.common.messages.base import Code, Line, Message, Slug, Text, WebUrl


class AssociationState(StrEnum):
    PENDING = "pending"
    VALIDATED = "validated"
    ARCHIVED = "archived"


class Accessibility(BaseModel):
    """Accessibility for people with a motor, hearing, visual or mental disability."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    motor: bool = False
    hearing: bool = False
    visual: bool = False
    mental: bool = False


class PostalAddress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    street: Line = Field(max_length=200)
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: Line = Field(default="Besançon", max_length=100)


class AssociationPublic(BaseModel):
    """An association as the public sees it (directory, exports, facts)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    slug: Slug
    name: Line = Field(max_length=200)
    short_name: Line | None = Field(default=None, max_length=60)
    purpose: Text = Field(max_length=4000, description="Objet social.")
    rna_id: str | None = Field(default=None, pattern=r"^W[0-9A-Z]{9}$")
    siren: str | None = Field(default=None, pattern=r"^\d{9}$")
    siret: str | None = Field(default=None, pattern=r"^\d{14}$")
    themes: tuple[Code, ...] = ()
    quartier: Code | None = None
    address: PostalAddress | None = None
    email: EmailStr | None = Field(default=None, description="Public contact address.")
    phone: Line | None = Field(default=None, max_length=30)
    website: WebUrl | None = None
    social_links: tuple[WebUrl, ...] = ()
    employs_staff: bool | None = None
    founded_on: date | None = None
    state: AssociationState
    created_at: AwareDatetime
    updated_at: AwareDatetime
    validated_at: AwareDatetime | None = None


class AssociationFact(Message):
    """Base of the association facts: the public record after the change."""

    association: AssociationPublic


class AssociationRegistered(AssociationFact):
    """An association registered in the directory (state ``pending``)."""


class AssociationUpdated(AssociationFact):
    """An association's public record changed."""


class AssociationValidated(AssociationFact):
    """The city validated an association: it may now publish events and missions."""


class AssociationArchived(AssociationFact):
    """An association left the directory (dissolved, or archived by the city)."""


class MissionKind(StrEnum):
    PONCTUELLE = "ponctuelle"
    REGULIERE = "reguliere"


class RemoteMode(StrEnum):
    NON = "non"
    POSSIBLE = "possible"
    TOTAL = "total"


class MissionState(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


class MissionPublic(BaseModel):
    """A volunteer mission as the public sees it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Slug = Field(description="Unique mission slug; the `<slug>` of its subjects.")
    association_slug: Slug
    title: Line = Field(max_length=140)
    description: Text = Field(max_length=10_000)
    themes: tuple[Code, ...] = ()
    quartier: Code | None = None
    venue_id: Slug | None = None
    kind: MissionKind
    starts_on: date | None = None
    ends_on: date | None = None
    schedule: Line | None = Field(
        default=None, max_length=200, description="e.g. « le mardi soir »"
    )
    time_commitment: Line | None = Field(default=None, max_length=200)
    remote: RemoteMode = RemoteMode.NON
    open_to_minors: bool = False
    skills: tuple[Line, ...] = ()
    places_available: int | None = Field(default=None, ge=0)
    how_to_apply: Text = Field(max_length=2000)
    apply_url: WebUrl | None = None
    state: MissionState
    published_at: AwareDatetime
    updated_at: AwareDatetime
    closed_at: AwareDatetime | None = None


class MissionFact(Message):
    mission: MissionPublic


class MissionPublished(MissionFact):
    """A volunteer mission was published (state ``open``)."""


class MissionUpdated(MissionFact):
    """A published mission changed (text, dates, places, or ``filled``)."""


class MissionClosed(MissionFact):
    """A mission closed: by its association, or automatically after its end date."""


class VenueKind(StrEnum):
    SALLE = "salle"
    PLEIN_AIR = "plein_air"
    GYMNASE = "gymnase"
    SALLE_DE_SPECTACLE = "salle_de_spectacle"
    MAISON_DE_QUARTIER = "maison_de_quartier"
    AUTRE = "autre"


class VenuePublic(BaseModel):
    """A place where events happen; may be a room inside a parent venue."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Slug
    name: Line = Field(max_length=200)
    address: Line = Field(max_length=200)
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: Line = Field(default="Besançon", max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    quartier: Code | None = None
    capacity: int | None = Field(default=None, ge=0)
    accessibility: Accessibility = Accessibility()
    kind: VenueKind = VenueKind.SALLE
    parent_id: Slug | None = None
    archived: bool = False


class VenueFact(Message):
    venue: VenuePublic


class VenueUpserted(VenueFact):
    """A venue was created or changed."""


class VenueArchived(VenueFact):
    """A venue is no longer offered for new events."""
