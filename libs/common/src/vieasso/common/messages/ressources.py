"""The ressources service's facts (SPEC §8): lending of the city's equipment and rooms.

``ressources.catalogue.<model_id>.upserted`` / ``.archived`` describe what the city lends;
``ressources.loans.<slug>.<change>`` follow one request of an association through the
city's workflow. No personal data: an association is named by its public slug, the city's
agents are not named, notes and reasons written by people stay in the service's buckets.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Code, Line, Message, Slug
from vieasso.common.subjects import LoanChange

__all__ = [
    "CatalogueArchived",
    "CatalogueFact",
    "CataloguePublic",
    "CatalogueUpserted",
    "Half",
    "LoanChange",
    "LoanFact",
    "LoanLinePublic",
    "ResourceKind",
]


class ResourceKind(StrEnum):
    """What a catalogue entry is: equipment lent by units and days, or a room by half-days."""

    EQUIPMENT = "materiel"
    ROOM = "salle"


class Half(StrEnum):
    """A half-day slot of a room."""

    MORNING = "matin"
    AFTERNOON = "apres-midi"


class CataloguePublic(BaseModel):
    """A catalogue entry as anyone may see it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Slug = Field(description="The model's or room's id; the `<model_id>` of its subjects.")
    kind: ResourceKind
    name: Line = Field(min_length=1, max_length=140)
    category: Code | None = Field(default=None, description="e.g. `barnums`, `sonorisation`.")
    stock: int = Field(ge=0, le=100_000, description="Units the city lends (a room: 1).")
    venue_id: Slug | None = Field(default=None, description="A room: its venue in the directory.")


class CatalogueFact(Message):
    entry: CataloguePublic


class CatalogueUpserted(CatalogueFact):
    """A model or room was added to the catalogue or changed (stock, rules, text)."""


class CatalogueArchived(CatalogueFact):
    """A model or room is no longer lent (loans already approved are kept)."""


class LoanLinePublic(BaseModel):
    """One line of a loan: a model (or a room), the units asked for and granted."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    resource_id: Slug
    kind: ResourceKind
    requested: int = Field(ge=1, le=100_000)
    granted: int | None = Field(default=None, ge=0, le=100_000, description="None: not decided.")


class LoanFact(Message):
    """A change of one loan: the association by slug, what, when; never a person."""

    loan_id: Slug
    association_slug: Slug
    change: LoanChange
    starts_on: date
    ends_on: date
    lines: tuple[LoanLinePublic, ...] = Field(min_length=1)
    event_id: Slug | None = Field(default=None, description="The agenda event it serves.")
