"""Public search over associations and missions (pure: the index hands in its records)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.rules import matches, normalize
from vieasso.common.messages.annuaire import (
    AssociationState,
    MissionKind,
    MissionPublic,
    MissionState,
    RemoteMode,
)

Mission = TypeVar("Mission", bound=MissionPublic)


@dataclass(frozen=True, slots=True)
class AssociationEntry:
    """What association search needs of a record, kept small (one per association)."""

    slug: str
    state: AssociationState
    themes: frozenset[str]
    quartier: str | None
    employs_staff: bool | None
    text: str
    sort_key: tuple[str, str]

    @classmethod
    def of(cls, record: AssociationRecord) -> AssociationEntry:
        words = (record.name, record.short_name or "", record.slug, record.purpose)
        return cls(
            slug=record.slug,
            state=record.state,
            themes=frozenset(record.themes),
            quartier=record.quartier,
            employs_staff=record.employs_staff,
            text=" " + normalize(" ".join(words)),
            sort_key=(normalize(record.name), record.slug),
        )


@dataclass(frozen=True)
class AssociationQuery:
    theme: str | None = None
    quartier: str | None = None
    q: str | None = None
    employs_staff: bool | None = None
    state: AssociationState = AssociationState.VALIDATED


def find_associations(entries: Iterable[AssociationEntry], query: AssociationQuery) -> list[str]:
    """Slugs of the matching associations, in the order of `entries` (the index sorts them
    by name)."""
    state, theme, quartier, staff = query.state, query.theme, query.quartier, query.employs_staff
    found = [e for e in entries if e.state is state]
    if theme is not None:
        found = [e for e in found if theme in e.themes]
    if quartier is not None:
        found = [e for e in found if e.quartier == quartier]
    if staff is not None:
        found = [e for e in found if e.employs_staff is staff]
    for word in normalize(query.q).split() if query.q else ():
        prefix = f" {word}"
        found = [e for e in found if prefix in e.text]
    return [e.slug for e in found]


@dataclass(frozen=True)
class MissionQuery:
    theme: str | None = None
    quartier: str | None = None
    kind: MissionKind | None = None
    remote: RemoteMode | None = None
    open_to_minors: bool | None = None
    q: str | None = None
    association: str | None = None
    state: MissionState | None = MissionState.OPEN


def find_missions(
    missions: Iterable[Mission],
    texts: Mapping[str, str],
    query: MissionQuery,
    *,
    quartier_of: Callable[[Mission], str | None],
    themes_of: Callable[[Mission], tuple[str, ...]],
) -> list[Mission]:
    """Missions matching every filter; the quartier and themes fall back to the venue's and
    the association's when the mission has none of its own."""
    words = normalize(query.q) if query.q else ""
    found = [
        m
        for m in missions
        if (query.state is None or m.state is query.state)
        and (query.association is None or m.association_slug == query.association)
        and (query.kind is None or m.kind is query.kind)
        and (query.remote is None or m.remote is query.remote)
        and (query.open_to_minors is None or m.open_to_minors is query.open_to_minors)
        and (query.theme is None or query.theme in themes_of(m))
        and (query.quartier is None or quartier_of(m) == query.quartier)
        and (not words or matches(words, texts.get(m.id, "")))
    ]
    return sorted(found, key=lambda m: (m.starts_on is None, m.starts_on, m.published_at, m.id))
