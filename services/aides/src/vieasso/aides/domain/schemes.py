"""An aid scheme: one model for the city's own schemes and those synced from other funders
(Aides-territoires), so that matching, pages and the deadline calendar read one shape.

Stored in ``aides_schemes`` under ``scheme.<id>`` (see `scheme_key`); `public` is what the
facts carry. Pure: no I/O; dates are the city's (Europe/Paris) calendar days.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from vieasso.aides.domain.deadlines import Deadlines, YearlyWindow, next_closing
from vieasso.common.messages.aides import AidKind, SchemeOrigin, SchemePublic
from vieasso.common.messages.base import Code, Line, Slug, Text
from vieasso.common.subjects import SchemeChange

__all__ = [
    "AidKind",
    "AidScheme",
    "Amounts",
    "Application",
    "Eligibility",
    "SchemeOrigin",
    "SchemeState",
    "Source",
    "StaffRule",
    "scheme_key",
]

KEY_PREFIX = "scheme."
CITY_LICENCE = "Licence Ouverte 2.0 (Etalab)"
MAX_EUROS = 100_000_000


def scheme_key(scheme_id: str) -> str:
    return f"{KEY_PREFIX}{scheme_id}"


class SchemeState(StrEnum):
    """Draft: only the city sees it; published: on the public pages; withdrawn: hidden
    again (unpublished by the city, or no longer live at its source)."""

    DRAFT = "brouillon"
    PUBLISHED = "publie"
    WITHDRAWN = "retire"


class StaffRule(StrEnum):
    """Whether the association must employ staff (the directory's `employs_staff`)."""

    ANY = "indifferent"
    EMPLOYER = "employeuse"
    NON_EMPLOYER = "non-employeuse"


_STAFF = {StaffRule.ANY: None, StaffRule.EMPLOYER: True, StaffRule.NON_EMPLOYER: False}


Euros = Annotated[int, Field(ge=0, le=MAX_EUROS)]
Percent = Annotated[int, Field(ge=1, le=100)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Eligibility(_Frozen):
    """Who may apply. Every field left empty means "no condition"."""

    employs_staff: StaffRule = StaffRule.ANY
    quartiers: tuple[Code, ...] = Field(default=(), description="Empty: all of Besançon.")
    min_age_months: int | None = Field(
        default=None, ge=1, le=1200, description="Founded at least this many months ago."
    )
    budget_min: Euros | None = Field(default=None, description="Annual budget at least (€).")
    budget_max: Euros | None = Field(default=None, description="Annual budget at most (€).")
    min_volunteers: int | None = Field(default=None, ge=1, le=100_000)
    max_volunteers: int | None = Field(default=None, ge=1, le=100_000)
    conditions: tuple[Line, ...] = Field(
        default=(), max_length=20, description="Other conditions, said to people, not checked."
    )

    @model_validator(mode="after")
    def _ranges(self) -> Eligibility:
        if None not in (self.budget_min, self.budget_max) and (
            self.budget_min > self.budget_max  # type: ignore[operator]
        ):
            raise ValueError("Le budget minimal dépasse le budget maximal.")
        if None not in (self.min_volunteers, self.max_volunteers) and (
            self.min_volunteers > self.max_volunteers  # type: ignore[operator]
        ):
            raise ValueError("Le nombre minimal de bénévoles dépasse le maximal.")
        return self


class Amounts(_Frozen):
    """What the aid may give: a range in euros, a rate of the budget, or both; all optional
    (a room lent, a support: no amount)."""

    min_eur: Euros | None = None
    max_eur: Euros | None = None
    rate_min_percent: Percent | None = None
    rate_max_percent: Percent | None = None
    note: Line | None = Field(default=None, max_length=300, description="e.g. « plafonné ».")

    @model_validator(mode="after")
    def _ranges(self) -> Amounts:
        if None not in (self.min_eur, self.max_eur) and self.min_eur > self.max_eur:  # type: ignore[operator]
            raise ValueError("Le montant minimal dépasse le montant maximal.")
        if None not in (self.rate_min_percent, self.rate_max_percent) and (
            self.rate_min_percent > self.rate_max_percent  # type: ignore[operator]
        ):
            raise ValueError("Le taux minimal dépasse le taux maximal.")
        return self


class Application(_Frozen):
    """How to apply: a link (Le Compte Asso, the funder's form), what to prepare, whom to
    ask (a service, never a person's name: it is public and in the facts)."""

    url: HttpUrl | None = None
    documents: tuple[Line, ...] = Field(default=(), max_length=30)
    contact: Line | None = Field(
        default=None, max_length=300, description="A service: name, phone, functional address."
    )


class Source(_Frozen):
    """Where the record comes from. The city's: edited in its space. Synced: read-only here,
    replaced at each sync when `date_updated` moves."""

    origin: SchemeOrigin = SchemeOrigin.CITY
    source_id: Line | None = Field(default=None, max_length=80, description="Id at the source.")
    source_url: HttpUrl | None = Field(default=None, description="The record's page there.")
    date_updated: AwareDatetime | None = Field(default=None, description="As the source says.")
    licence: Line = Field(default=CITY_LICENCE, max_length=200)

    @model_validator(mode="after")
    def _synced_has_an_id(self) -> Source:
        if self.origin is not SchemeOrigin.CITY and self.source_id is None:
            raise ValueError("Un dispositif synchronisé doit avoir son source_id.")
        return self


class AidScheme(_Frozen):
    """One aid scheme, as stored in ``aides_schemes`` (`scheme.<id>`)."""

    record: Literal["scheme"] = "scheme"
    id: Slug
    name: Line = Field(min_length=3, max_length=200)
    short_description: Line = Field(min_length=1, max_length=400)
    description: Text = Field(default="", max_length=10_000, description="Plain text.")
    funders: tuple[Line, ...] = Field(min_length=1, max_length=20)
    kinds: tuple[AidKind, ...] = Field(min_length=1, max_length=len(AidKind))
    themes: tuple[Code, ...] = Field(default=(), description="Empty: every theme.")
    perimeter: Line = Field(default="Besançon", max_length=120, description="Where it applies.")
    eligibility: Eligibility = Eligibility()
    amounts: Amounts = Amounts()
    deadlines: Deadlines
    application: Application = Application()
    source: Source = Source()
    state: SchemeState = SchemeState.DRAFT
    version: int = Field(default=0, ge=0, description="+1 at each change (the ICS SEQUENCE).")
    last_change: SchemeChange | None = Field(
        default=None,
        description="The fact this version owes (None: a draft's edit, nothing public).",
    )
    created_at: AwareDatetime
    updated_at: AwareDatetime
    published_at: AwareDatetime | None = None

    @property
    def published(self) -> bool:
        return self.state is SchemeState.PUBLISHED

    @property
    def editable_by_city(self) -> bool:
        return self.source.origin is SchemeOrigin.CITY

    def public(self, today: date) -> SchemePublic:
        """What the facts say about it."""
        return SchemePublic(
            id=self.id,
            name=self.name,
            short_description=self.short_description,
            funders=self.funders,
            kinds=self.kinds,
            themes=self.themes,
            origin=self.source.origin,
            source_id=self.source.source_id,
            next_deadline=next_closing(self.deadlines, today),
            yearly_deadline=(
                f"{rule.closes_month:02d}-{rule.closes_day:02d}"
                if isinstance(rule := self.deadlines, YearlyWindow)
                else None
            ),
            quartiers=self.eligibility.quartiers,
            employs_staff=_STAFF[self.eligibility.employs_staff],
        )

    def changed(self, at: datetime, **changes: object) -> AidScheme:
        """A copy with `changes`, its version raised and `updated_at` moved to `at`."""
        data = {**self.model_dump(), **changes, "version": self.version + 1, "updated_at": at}
        return AidScheme.model_validate(data)
