"""Newsletter facts (stream ``NEWSLETTER``): counts only, never an address."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from vieasso.common.messages.base import Message, Slug


class Frequency(StrEnum):
    HEBDOMADAIRE = "hebdomadaire"
    MENSUELLE = "mensuelle"


class EditionBuilt(Message):
    """A digest edition was built: what it covers and how many mails it will send."""

    edition_id: Slug
    frequency: Frequency
    period_start: AwareDatetime
    period_end: AwareDatetime
    recipients: int = Field(ge=0)
    associations: int = Field(ge=0)
    missions: int = Field(ge=0)
    events: int = Field(ge=0)


class EditionSent(Message):
    """Every delivery of an edition reached a final state."""

    edition_id: Slug
    delivered: int = Field(ge=0)
    bounced: int = Field(ge=0)
    failed: int = Field(ge=0)
