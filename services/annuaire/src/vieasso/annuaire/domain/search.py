"""Public search over associations and missions (pure: the index hands in its records)."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.rules import normalize
from vieasso.common.messages.annuaire import (
    AssociationState,
    MissionKind,
    MissionPublic,
    MissionState,
    RemoteMode,
)


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


@dataclass(frozen=True, slots=True)
class MissionEntry:
    """What mission search needs of a mission, kept small (one per mission)."""

    id: str
    association_slug: str
    state: MissionState
    kind: MissionKind
    remote: RemoteMode
    open_to_minors: bool
    themes: frozenset[str]
    quartier: str | None
    venue_id: str | None
    text: str
    sort_key: tuple[bool, date, datetime, str]

    @classmethod
    def of(cls, mission: MissionPublic) -> MissionEntry:
        words = (mission.title, " ".join(mission.skills), mission.description)
        return cls(
            id=mission.id,
            association_slug=mission.association_slug,
            state=mission.state,
            kind=mission.kind,
            remote=mission.remote,
            open_to_minors=mission.open_to_minors,
            themes=frozenset(mission.themes),
            quartier=mission.quartier,
            venue_id=mission.venue_id,
            text=" " + normalize(" ".join(words)),
            sort_key=(
                mission.starts_on is None,
                mission.starts_on or date.min,
                mission.published_at,
                mission.id,
            ),
        )


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
    entries: Iterable[MissionEntry],
    query: MissionQuery,
    *,
    visible: Container[str],
    association_themes: Mapping[str, frozenset[str]],
    venue_quartiers: Mapping[str, str | None],
) -> list[str]:
    """Ids of the matching missions of `visible` associations, in the order of `entries` (the
    index sorts them soonest first). A mission without its own themes or quartier takes its
    association's themes and its venue's quartier."""
    q = query
    state = q.state
    found = [e for e in entries if state is None or e.state is state]
    if q.association is not None:
        slug = q.association
        found = [e for e in found if e.association_slug == slug]
    if q.kind is not None:
        kind = q.kind
        found = [e for e in found if e.kind is kind]
    if q.remote is not None:
        remote = q.remote
        found = [e for e in found if e.remote is remote]
    if q.open_to_minors is not None:
        minors = q.open_to_minors
        found = [e for e in found if e.open_to_minors is minors]
    for word in normalize(q.q).split() if q.q else ():
        prefix = f" {word}"
        found = [e for e in found if prefix in e.text]
    if q.theme is not None:
        theme, none = q.theme, frozenset[str]()
        found = [
            e
            for e in found
            if theme in (e.themes or association_themes.get(e.association_slug, none))
        ]
    if q.quartier is not None:
        quartier = q.quartier
        found = [
            e
            for e in found
            if (e.quartier or (e.venue_id and venue_quartiers.get(e.venue_id))) == quartier
        ]
    return [e.id for e in found if e.association_slug in visible]
