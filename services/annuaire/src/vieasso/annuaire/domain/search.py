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


@dataclass(frozen=True)
class AssociationQuery:
    theme: str | None = None
    quartier: str | None = None
    q: str | None = None
    employs_staff: bool | None = None
    state: AssociationState = AssociationState.VALIDATED


def find_associations(
    records: Iterable[AssociationRecord],
    texts: Mapping[str, str],
    query: AssociationQuery,
    sort_keys: Mapping[str, str] | None = None,
) -> list[AssociationRecord]:
    """Matching records by name (accent-insensitive; `sort_keys` holds the normalized names)."""
    words = normalize(query.q) if query.q else ""
    found = [
        r
        for r in records
        if r.state is query.state
        and (query.theme is None or query.theme in r.themes)
        and (query.quartier is None or r.quartier == query.quartier)
        and (query.employs_staff is None or r.employs_staff is query.employs_staff)
        and (not words or matches(words, texts.get(r.slug, "")))
    ]
    keys = sort_keys or {}
    return sorted(found, key=lambda r: (keys.get(r.slug) or normalize(r.name), r.slug))


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
