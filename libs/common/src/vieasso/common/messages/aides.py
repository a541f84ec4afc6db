"""The aides service's facts (SPEC §8): aid schemes, the city's own and those synced from
other funders (Aides-territoires).

``aides.schemes.<scheme_id>.published`` / ``.updated`` / ``.withdrawn`` describe a scheme as
anyone may read it on ``/aides/<scheme_id>``. No personal data: a scheme names funders and
a contact *service*, never a person; which association follows which scheme stays in the
service's bucket.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Code, Line, Message, Slug
from vieasso.common.subjects import SchemeChange

__all__ = [
    "AidKind",
    "SchemeFact",
    "SchemeOrigin",
    "SchemePublic",
    "SchemePublished",
    "SchemeUpdated",
    "SchemeWithdrawn",
]


class AidKind(StrEnum):
    """What an aid gives (a scheme may give several)."""

    OPERATING_GRANT = "subvention-fonctionnement"
    PROJECT_GRANT = "aide-projet"
    CALL_FOR_PROJECTS = "appel-a-projets"
    PREMISES_OR_EQUIPMENT = "pret-salle-materiel"
    IN_KIND = "aide-en-nature"
    SUPPORT = "accompagnement"


class SchemeOrigin(StrEnum):
    """Who keeps the scheme's record: the city edits its own; synced ones are read-only."""

    CITY = "ville"
    AIDES_TERRITOIRES = "aides-territoires"


class SchemePublic(BaseModel):
    """An aid scheme as anyone may see it (what the facts carry)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: Slug = Field(description="The scheme's id; the `<scheme_id>` of its subjects.")
    name: Line = Field(min_length=1, max_length=200)
    short_description: Line = Field(default="", max_length=400)
    funders: tuple[Line, ...] = Field(default=(), max_length=20)
    kinds: tuple[AidKind, ...] = Field(min_length=1, max_length=len(AidKind))
    themes: tuple[Code, ...] = Field(default=(), description="Empty: every theme.")
    origin: SchemeOrigin
    source_id: Line | None = Field(
        default=None, max_length=80, description="The record's id at its source (synced)."
    )
    next_deadline: date | None = Field(
        default=None, description="The next closing date when the fact was published."
    )
    yearly_deadline: str | None = Field(
        default=None,
        pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        description=(
            "`MM-DD`: the last day of its window, every year (a yearly window), so that a "
            "reader knows the deadlines after `next_deadline`; None: one date, or none."
        ),
    )
    quartiers: tuple[Code, ...] = Field(
        default=(), description="Who may apply: the quartiers (empty: all of Besançon)."
    )
    employs_staff: bool | None = Field(
        default=None,
        description="Who may apply: employers only (true), without staff only (false), either.",
    )


class SchemeFact(Message):
    change: SchemeChange
    scheme: SchemePublic


class SchemePublished(SchemeFact):
    """A scheme became visible on the public pages (first time, or again after withdrawal)."""


class SchemeUpdated(SchemeFact):
    """A published scheme changed (text, dates, eligibility)."""


class SchemeWithdrawn(SchemeFact):
    """A scheme is no longer shown (unpublished by the city, or no longer live at its source)."""
