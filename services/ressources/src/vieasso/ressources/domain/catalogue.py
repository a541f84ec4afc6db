"""What the city lends (pure records, no storage): equipment *models* lent by units and whole
days, and *rooms* (built on the directory's venues) booked by half-days.

Stored in ``ressources_catalogue`` under `entry_key`: ``model.<id>`` or ``room.<id>``. A
model's `stock` is the number of units the city owns; what is free on a day is the stock less
the units approved for that day (``ressources_availability``, see `adapters.availability`).
A room is a stock of one, per half-day slot.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from vieasso.common.messages.base import Code, Line, Slug, Text
from vieasso.common.messages.images import ImageId, Picture
from vieasso.common.messages.ressources import CataloguePublic, Half, ResourceKind

MAX_STOCK = 10_000


class EntryState(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"  # no longer lent; approved loans are kept


class Handover(StrEnum):
    """How the equipment reaches the association."""

    PICKUP = "retrait"  # the association fetches it at the storage place
    PICKUP_OR_DELIVERY = "retrait-ou-livraison"  # or municipal staff deliver it


class Notice(BaseModel):
    """How far ahead a request may be made (French municipal practice: 3 weeks to 3 months)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_days: int = Field(default=21, ge=0, le=365)
    max_days: int = Field(default=92, ge=1, le=730)

    @model_validator(mode="after")
    def _ordered(self) -> Notice:
        if self.max_days < self.min_days:
            raise ValueError("Le délai maximal doit être supérieur ou égal au délai minimal.")
        return self


class EntryBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Slug
    name: Line = Field(min_length=1, max_length=140)
    description: Text = Field(default="", max_length=5000)
    notice: Notice = Notice()
    image_id: ImageId | None = Field(
        default=None,
        description=(
            "Its photo: an image the city uploaded first (`POST /api/catalogue/images`). "
            "Needs `image_alt`."
        ),
    )
    image_alt: Line | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="What the photo shows, in French, for people who cannot see it.",
    )
    photo: Picture | None = Field(
        default=None,
        description="Set by the service from `image_id` (ignored when sent): the photo's files.",
    )
    state: EntryState = EntryState.ACTIVE
    updated_at: AwareDatetime

    @property
    def active(self) -> bool:
        return self.state is EntryState.ACTIVE


class EquipmentModel(EntryBase):
    """A model of equipment: « Barnum 3×3 m », « Sono portable », « Lot de 50 gobelets »."""

    kind: Literal[ResourceKind.EQUIPMENT] = ResourceKind.EQUIPMENT
    category: Code
    stock: int = Field(ge=0, le=MAX_STOCK)
    deposit_eur: int = Field(default=0, ge=0, le=100_000, description="Caution, in euros.")
    damage_fee_eur: int = Field(
        default=0, ge=0, le=100_000, description="Flat fee per unit damaged or lost, in euros."
    )
    max_loan_days: int = Field(default=7, ge=1, le=90)
    buffer_days: int = Field(
        default=1, ge=0, le=30, description="Days kept free after a return (check, cleaning)."
    )
    storage_place: Line = Field(min_length=1, max_length=200)
    handover: Handover = Handover.PICKUP
    photo_url: Line | None = Field(
        default=None,
        max_length=500,
        description="A photo elsewhere, linked as it is (never fetched); an `image_id` wins.",
    )

    def public(self) -> CataloguePublic:
        return CataloguePublic(
            id=self.id, kind=self.kind, name=self.name, category=self.category, stock=self.stock
        )


class Room(EntryBase):
    """A room the city lends by half-days, at one of the directory's venues."""

    kind: Literal[ResourceKind.ROOM] = ResourceKind.ROOM
    venue_id: Slug
    capacity: int = Field(ge=1, le=10_000, description="People admitted.")
    # ISO weekday (1 = Monday … 7 = Sunday) → the half-days the room opens that day.
    opening: dict[Annotated[int, Field(ge=1, le=7)], tuple[Half, ...]] = Field(
        default_factory=lambda: dict(_WEEKDAYS_OPEN)
    )
    accessible: bool = Field(default=False, description="Accessible to wheelchair users.")
    accessibility: Line = Field(default="", max_length=300)
    equipment_notes: Line = Field(default="", max_length=300)

    @property
    def stock(self) -> int:
        return 1

    def public(self) -> CataloguePublic:
        return CataloguePublic(
            id=self.id, kind=self.kind, name=self.name, stock=1, venue_id=self.venue_id
        )


_WEEKDAYS_OPEN: dict[int, tuple[Half, ...]] = dict.fromkeys(
    range(1, 7), (Half.MORNING, Half.AFTERNOON)
)  # Monday to Saturday, morning and afternoon


CatalogueEntry = Annotated[EquipmentModel | Room, Field(discriminator="kind")]


def entry_key(kind: ResourceKind, entry_id: str) -> str:
    """The entry's key in ``ressources_catalogue``."""
    return f"{'model' if kind is ResourceKind.EQUIPMENT else 'room'}.{entry_id}"


def touched(entry: EquipmentModel | Room, now: datetime) -> EquipmentModel | Room:
    return entry.model_copy(update={"updated_at": now})
