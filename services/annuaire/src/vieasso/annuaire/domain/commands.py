"""What people send: the editable fields of associations, missions and venues.

Schema-level rules (types, lengths, formats, checksums) live here; rules that need the
reference data or the date (unknown theme, founded in the future) live in `rules_*` checks.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from vieasso.annuaire.domain.rules import Phone, Rna, Siren, Siret
from vieasso.common.messages.annuaire import (
    Accessibility,
    MissionKind,
    PostalAddress,
    RemoteMode,
    VenueKind,
)
from vieasso.common.messages.base import Code, Line, Text, WebUrl

_STRICT = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

T = TypeVar("T")


def _unique(values: tuple[T, ...]) -> tuple[T, ...]:
    """The same theme (link, skill) given twice counts once; order kept."""
    return tuple(dict.fromkeys(values))


Codes = Annotated[tuple[Code, ...], AfterValidator(_unique)]
Links = Annotated[tuple[WebUrl, ...], AfterValidator(_unique)]
Skills = Annotated[tuple[Line, ...], AfterValidator(_unique)]


class PrivateContact(BaseModel):
    """The person who manages the record: never published, never exported."""

    model_config = _STRICT

    name: Line = Field(min_length=2, max_length=120)
    email: EmailStr
    phone: Phone | None = None


class AssociationFields(BaseModel):
    """The public fields of an association that people write."""

    model_config = _STRICT

    name: Line = Field(min_length=2, max_length=200)
    short_name: Line | None = Field(default=None, max_length=60)
    purpose: Text = Field(min_length=10, max_length=4000, description="Objet social.")
    rna_id: Rna | None = None
    siren: Siren | None = None
    siret: Siret | None = None
    themes: Codes = Field(default=(), max_length=5)
    quartier: Code | None = None
    address: PostalAddress | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    website: WebUrl | None = None
    social_links: Links = Field(default=(), max_length=10)
    employs_staff: bool | None = None
    founded_on: date | None = None


class RegisterAssociation(AssociationFields):
    """A registration: the public record plus the private contact (required)."""

    contact: PrivateContact


class ChangeAssociation(BaseModel):
    """A partial edit (PATCH): only the fields sent change; `null` clears an optional field."""

    model_config = _STRICT

    name: Line | None = Field(default=None, min_length=2, max_length=200)
    short_name: Line | None = Field(default=None, max_length=60)
    purpose: Text | None = Field(default=None, min_length=10, max_length=4000)
    rna_id: Rna | None = None
    siren: Siren | None = None
    siret: Siret | None = None
    themes: Codes | None = Field(default=None, max_length=5)
    quartier: Code | None = None
    address: PostalAddress | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    website: WebUrl | None = None
    social_links: Links | None = Field(default=None, max_length=10)
    employs_staff: bool | None = None
    founded_on: date | None = None
    contact: PrivateContact | None = None


class MissionFields(BaseModel):
    """A volunteer mission as its association writes it."""

    model_config = _STRICT

    title: Line = Field(min_length=3, max_length=140)
    description: Text = Field(min_length=10, max_length=10_000)
    themes: Codes = Field(default=(), max_length=5)
    quartier: Code | None = None
    venue_id: Code | None = None
    kind: MissionKind
    starts_on: date | None = None
    ends_on: date | None = None
    schedule: Line | None = Field(default=None, max_length=200)
    time_commitment: Line | None = Field(default=None, max_length=200)
    remote: RemoteMode = RemoteMode.NON
    open_to_minors: bool = False
    skills: Skills = Field(default=(), max_length=20)
    places_available: int | None = Field(default=None, ge=0, le=10_000)
    how_to_apply: Text = Field(min_length=5, max_length=2000)
    apply_url: WebUrl | None = None


class ChangeMission(BaseModel):
    """A partial edit of a mission; `state` marks it `filled` or `open` again."""

    model_config = _STRICT

    title: Line | None = Field(default=None, min_length=3, max_length=140)
    description: Text | None = Field(default=None, min_length=10, max_length=10_000)
    themes: Codes | None = Field(default=None, max_length=5)
    quartier: Code | None = None
    venue_id: Code | None = None
    kind: MissionKind | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    schedule: Line | None = Field(default=None, max_length=200)
    time_commitment: Line | None = Field(default=None, max_length=200)
    remote: RemoteMode | None = None
    open_to_minors: bool | None = None
    skills: Skills | None = Field(default=None, max_length=20)
    places_available: int | None = Field(default=None, ge=0, le=10_000)
    how_to_apply: Text | None = Field(default=None, min_length=5, max_length=2000)
    apply_url: WebUrl | None = None
    state: Literal["open", "filled"] | None = None


class VenueFields(BaseModel):
    """A venue as the city writes it (admin); `id` comes from the URL."""

    model_config = _STRICT

    name: Line = Field(min_length=2, max_length=200)
    address: Line = Field(min_length=2, max_length=200)
    postal_code: str = Field(pattern=r"^\d{5}$")
    city: Line = Field(default="Besançon", max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    quartier: Code | None = None
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    accessibility: Accessibility = Accessibility()
    kind: VenueKind = VenueKind.SALLE
    parent_id: Code | None = None
