"""The annuaire's in-memory indexes over its four buckets: lookups, tokens, search.

Rebuilt from JetStream at start (`start`), then kept current by KV watches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from nats.js import JetStreamContext
from pydantic import BaseModel

from vieasso.annuaire.adapters.kv import Versioned
from vieasso.annuaire.adapters.mirror import Mirror, model_parser
from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.checks import Known
from vieasso.annuaire.domain.missions import MissionRecord
from vieasso.annuaire.domain.rules import normalize
from vieasso.annuaire.domain.search import (
    AssociationEntry,
    AssociationQuery,
    MissionEntry,
    MissionQuery,
    find_associations,
    find_missions,
)
from vieasso.common.directory import ASSOCIATIONS, MISSIONS, REFERENCE, VENUES
from vieasso.common.messages.annuaire import (
    AssociationPublic,
    AssociationState,
    MissionPublic,
    VenuePublic,
)
from vieasso.common.reference.models import Quartier, Theme


def _reference(key: str, value: bytes) -> BaseModel | None:
    if key.startswith("theme."):
        return Theme.model_validate_json(value)
    if key.startswith("quartier."):
        return Quartier.model_validate_json(value)
    return None


MAX_ANSWERS = 256


class DirectoryIndex:
    def __init__(self) -> None:
        self.associations: Mirror[AssociationRecord] = Mirror(
            ASSOCIATIONS, model_parser(AssociationRecord), self._association_changed
        )
        self.missions: Mirror[MissionRecord] = Mirror(
            MISSIONS, model_parser(MissionRecord), self._mission_changed
        )
        self.venues: Mirror[VenuePublic] = Mirror(
            VENUES, model_parser(VenuePublic), self._venue_changed
        )
        self.reference: Mirror[BaseModel] = Mirror(REFERENCE, _reference)
        self.by_token: dict[str, str] = {}
        self._rna_slugs: dict[str, set[str]] = defaultdict(set)
        self.entries: dict[str, AssociationEntry] = {}
        self.validated: set[str] = set()
        self.association_themes: dict[str, frozenset[str]] = {}
        self.venue_quartiers: dict[str, str | None] = {}
        self._sorted: list[AssociationEntry] | None = None
        self._answers: dict[AssociationQuery | MissionQuery, list[str]] = {}
        self.missions_of: dict[str, set[str]] = defaultdict(set)
        self.mission_entries: dict[str, MissionEntry] = {}
        self._sorted_missions: list[MissionEntry] | None = None
        self.known = Known(
            themes=_Prefixed(self.reference.items, "theme."),
            quartiers=_Prefixed(self.reference.items, "quartier."),
            venues=_ActiveVenues(self.venues.items),
        )

    @property
    def _mirrors(self) -> tuple[Mirror[Any], ...]:
        return (self.reference, self.venues, self.associations, self.missions)

    async def start(self, js: JetStreamContext) -> None:
        for mirror in self._mirrors:
            await mirror.start(js)

    async def stop(self) -> None:
        for mirror in self._mirrors:
            await mirror.stop()

    def _association_changed(
        self,
        slug: str,
        old: Versioned[AssociationRecord] | None,
        new: Versioned[AssociationRecord] | None,
    ) -> None:
        if old is not None:
            if old.value.token_hash:
                self.by_token.pop(old.value.token_hash, None)
            if old.value.rna_id:
                self._rna_slugs[old.value.rna_id].discard(slug)
            self.entries.pop(slug, None)
            self.validated.discard(slug)
            self.association_themes.pop(slug, None)
        if new is not None:
            record = new.value
            if record.token_hash:
                self.by_token[record.token_hash] = slug
            if record.rna_id:
                self._rna_slugs[record.rna_id].add(slug)
            self.entries[slug] = AssociationEntry.of(record)
            self.association_themes[slug] = frozenset(record.themes)
            if record.state is AssociationState.VALIDATED:
                self.validated.add(slug)
        self._sorted = None
        self._answers.clear()

    def _venue_changed(
        self, venue_id: str, _: Versioned[VenuePublic] | None, new: Versioned[VenuePublic] | None
    ) -> None:
        if new is None:
            self.venue_quartiers.pop(venue_id, None)
        else:
            self.venue_quartiers[venue_id] = new.value.quartier
        self._answers.clear()

    def _mission_changed(
        self,
        mission_id: str,
        old: Versioned[MissionRecord] | None,
        new: Versioned[MissionRecord] | None,
    ) -> None:
        if old is not None:
            self.missions_of[old.value.association_slug].discard(mission_id)
            self.mission_entries.pop(mission_id, None)
        if new is not None:
            mission = new.value
            self.missions_of[mission.association_slug].add(mission_id)
            self.mission_entries[mission_id] = MissionEntry.of(mission)
        self._sorted_missions = None
        self._answers.clear()

    def sorted_entries(self) -> list[AssociationEntry]:
        """Search entries by name; sorted again only after a change."""
        if self._sorted is None:
            self._sorted = sorted(self.entries.values(), key=lambda e: e.sort_key)
        return self._sorted

    def search_associations(self, query: AssociationQuery) -> list[str]:
        """Slugs of the matching associations, by name."""
        if (found := self._answers.get(query)) is None:
            found = find_associations(self.sorted_entries(), query)
            self._remember(query, found)
        return found

    def _remember(self, query: AssociationQuery | MissionQuery, found: list[str]) -> None:
        """Answers are kept until the next change of any record (public searches repeat)."""
        if len(self._answers) >= MAX_ANSWERS:
            self._answers.pop(next(iter(self._answers)))
        self._answers[query] = found

    def public_associations(self, slugs: Iterable[str]) -> list[AssociationPublic]:
        return [self.associations.items[slug].value.public() for slug in slugs]

    def public_missions(self, ids: Iterable[str]) -> list[MissionPublic]:
        return [self.missions.items[i].value.public() for i in ids]

    def association_with_rna(self, rna_id: str) -> str | None:
        """The record an RNA id designates: the validated one, else a pending one, else an
        archived one (several may carry it: only validation makes a number exclusive)."""
        order = (AssociationState.VALIDATED, AssociationState.PENDING, AssociationState.ARCHIVED)
        found = [
            (order.index(record.state), slug)
            for slug in self._rna_slugs.get(rna_id, ())
            if (record := self.association(slug)) is not None
        ]
        return min(found)[1] if found else None

    def association(self, slug: str) -> AssociationRecord | None:
        found = self.associations.items.get(slug)
        return found.value if found else None

    def mission(self, mission_id: str) -> MissionRecord | None:
        found = self.missions.items.get(mission_id)
        return found.value if found else None

    def missions_by(self, slug: str) -> list[MissionRecord]:
        """Every mission of association `slug` (any state), by id."""
        found = (self.mission(i) for i in sorted(self.missions_of.get(slug, ())))
        return [mission for mission in found if mission is not None]

    def search_missions(self, query: MissionQuery) -> list[str]:
        """Ids of the matching missions of validated associations, soonest first."""
        if (found := self._answers.get(query)) is not None:
            return found
        if self._sorted_missions is None:
            entries = self.mission_entries.values()
            self._sorted_missions = sorted(entries, key=lambda e: e.sort_key)
        found = find_missions(
            self._sorted_missions,
            query,
            visible=self.validated,
            association_themes=self.association_themes,
            venue_quartiers=self.venue_quartiers,
        )
        self._remember(query, found)
        return found

    def themes(self) -> list[Theme]:
        return sorted(_Prefixed(self.reference.items, "theme.").values(), key=lambda t: t.code)

    def quartiers(self) -> list[Quartier]:
        items = _Prefixed(self.reference.items, "quartier.").values()
        return sorted(items, key=lambda q: (normalize(q.label), q.code))


class _Prefixed:
    """The reference items whose key starts with `prefix`, looked up by code."""

    def __init__(self, items: dict[str, Versioned[BaseModel]], prefix: str) -> None:
        self._items = items
        self._prefix = prefix

    def __contains__(self, code: object) -> bool:
        return f"{self._prefix}{code}" in self._items

    def values(self) -> list[Any]:
        return [v.value for k, v in self._items.items() if k.startswith(self._prefix)]


class _ActiveVenues:
    """Venues offered for new missions: the archived ones are not."""

    def __init__(self, items: dict[str, Versioned[VenuePublic]]) -> None:
        self._items = items

    def __contains__(self, venue_id: object) -> bool:
        found = self._items.get(str(venue_id))
        return found is not None and not found.value.archived
