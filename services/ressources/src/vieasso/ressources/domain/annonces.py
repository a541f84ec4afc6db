"""Offers and needs between associations (issue 17): the records and their rules.

An association publishes an annonce (an offer or a need, of a kind); it is open until its
association closes it, its expiry day passes (the sweeper closes it) or the city hides it.
Another association answers it in a *thread* (one per annonce and replier), which both see
in their association space; each message is relayed by mail to the other side's private
contact, with the writer's public contact only. Pure: no NATS, no HTTP.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vieasso.common.messages.annonces import (
    KIND_LABELS,
    AnnonceDirection,
    AnnonceKind,
    AnnoncePublic,
)
from vieasso.common.messages.base import Line, Slug, Text

KINDS = KIND_LABELS
DIRECTIONS = {AnnonceDirection.OFFRE: "Nous proposons", AnnonceDirection.BESOIN: "Nous cherchons"}
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)
MAX_MESSAGE = 2000
PUBLIC_FIELDS = set(AnnoncePublic.model_fields)


class EntraideError(Exception):
    """Why an entraide action did not happen, in French (`status`: the HTTP answer)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Conflict(EntraideError):
    """The record changed since it was read (compare-and-set lost): read it again."""


CONFLICT = (
    "Cette annonce vient d'être modifiée par quelqu'un d'autre : rechargez la page avant de "
    "recommencer."
)


class AnnonceState(StrEnum):
    OPEN = "ouverte"
    CLOSED = "close"
    HIDDEN = "masquee"


class Report(BaseModel):
    """« Signaler » : an association tells the city something is wrong with an annonce."""

    model_config = ConfigDict(frozen=True)

    by: Slug
    reason: Line = Field(max_length=500)
    at: AwareDatetime


class Annonce(AnnoncePublic):
    """``annonce.<id>`` in ``ressources_annonces``: the public fields and the life of it."""

    state: AnnonceState = AnnonceState.OPEN
    closed_at: AwareDatetime | None = None
    closed_by: Line | None = None  # « association », « expiration », « ville »
    hidden_reason: Line | None = Field(default=None, max_length=500)
    reports: tuple[Report, ...] = ()

    def public(self) -> AnnoncePublic:
        return AnnoncePublic.model_validate(self.model_dump(include=PUBLIC_FIELDS))

    @property
    def permanent(self) -> bool:
        return self.starts_on is None


class Draft(BaseModel):
    """What an association writes (form or API)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    direction: AnnonceDirection
    kind: AnnonceKind
    title: Line = Field(min_length=3, max_length=140)
    description: Text = Field(min_length=1, max_length=4000)
    themes: tuple[Slug, ...] = Field(default=(), max_length=10)
    quartier: Slug | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    expires_on: date | None = None


def check(
    draft: Draft, today: date, themes: set[str], quartiers: set[str]
) -> list[tuple[str, str]]:
    """Every reason the draft cannot be published, per field, in French."""
    errors = [("themes", f"Thème inconnu : {t}.") for t in draft.themes if t not in themes]
    if draft.quartier is not None and draft.quartier not in quartiers:
        errors.append(("quartier", "Quartier inconnu."))
    if (draft.starts_on is None) != (draft.ends_on is None):
        errors.append(("ends_on", "Indiquez les deux dates, ou aucune (annonce permanente)."))
    elif draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        errors.append(("ends_on", "La date de fin doit suivre la date de début."))
    elif draft.ends_on is not None and draft.ends_on < today:
        errors.append(("ends_on", "Cette date est passée."))
    if errors and draft.expires_on is None:
        return errors  # the expiry would follow from the wrong dates: say it once
    expires = expiry(draft, today)
    if expires < today:
        errors.append(("expires_on", "La date d'expiration est passée."))
    elif expires > today + MAX_LIFETIME:
        errors.append(("expires_on", "Une annonce expire au plus tard dans un an."))
    return errors


def expiry(draft: Draft, today: date) -> date:
    """The day given, else the end of the dates, else 90 days from today."""
    if draft.expires_on is not None:
        return draft.expires_on
    return draft.ends_on or today + DEFAULT_LIFETIME


def fold(text: str) -> str:
    """Lower-case ASCII words: « Matériel » and « materiel » are the same word."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    return " ".join(re.split(r"[^a-z0-9]+", folded.encode("ascii", "ignore").decode())).strip()


@dataclass(frozen=True)
class Filters:
    direction: AnnonceDirection | None = None
    kind: AnnonceKind | None = None
    theme: str | None = None
    quartier: str | None = None
    q: str = ""


def shown(annonces: Iterable[Annonce], filters: Filters, names: dict[str, str]) -> list[Annonce]:
    """Open annonces matching the filters, newest first; `q`: every word (or the start of a
    word: « benevol ») in the title, the description or the association's name, accents and
    case ignored."""
    words = fold(filters.q).split()
    found = []
    for a in annonces:
        if a.state is not AnnonceState.OPEN:
            continue
        if filters.direction and a.direction is not filters.direction:
            continue
        if (filters.kind and a.kind is not filters.kind) or (
            filters.theme and filters.theme not in a.themes
        ):
            continue
        if filters.quartier and a.quartier != filters.quartier:
            continue
        text = fold(f"{a.title} {a.description} {names.get(a.association_slug, '')}")
        if all(w in text for w in words):
            found.append(a)
    return sorted(found, key=lambda a: (a.published_at, a.id), reverse=True)


def counts(annonces: Iterable[Annonce]) -> dict[str, dict[str, int]]:
    """Open annonces per kind, offers and needs apart."""
    result = {k.value: {d.value: 0 for d in AnnonceDirection} for k in AnnonceKind}
    for a in annonces:
        if a.state is AnnonceState.OPEN:
            result[a.kind.value][a.direction.value] += 1
    return result


def expired(annonce: Annonce, today: date) -> bool:
    return annonce.state is AnnonceState.OPEN and annonce.expires_on < today


def close(annonce: Annonce, at: datetime, by: str) -> Annonce:
    return annonce.model_copy(
        update={"state": AnnonceState.CLOSED, "closed_at": at, "closed_by": by}
    )


def hide(annonce: Annonce, at: datetime, reason: str) -> Annonce:
    return annonce.model_copy(
        update={"state": AnnonceState.HIDDEN, "closed_at": at, "hidden_reason": reason}
    )


def clean_message(raw: str) -> str:
    """A message as kept: CRLF and lone CR as line breaks, at most `MAX_MESSAGE` characters,
    surrounding blanks removed (control characters are refused by `Text`)."""
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()[:MAX_MESSAGE]
