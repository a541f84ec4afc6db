"""The digest's memory of the directory and agenda facts: validated associations, open
missions and upcoming events, as small `Item`s. Applying the same fact twice is harmless."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vieasso.common.messages.agenda import Audience, CanonicalEvent, EventStatus
from vieasso.common.messages.aides import SchemePublic
from vieasso.common.messages.annonces import (
    KIND_LABELS,
    AnnonceChange,
    AnnonceDirection,
    AnnonceFact,
)
from vieasso.common.messages.annuaire import (
    AssociationPublic,
    AssociationState,
    MissionPublic,
    MissionState,
)
from vieasso.newsletter.domain.aid_deadlines import deadline_items
from vieasso.newsletter.domain.content import EditionContent, Item
from vieasso.newsletter.domain.subscriber import Topic

EXCERPT = 280
RETAIN = timedelta(days=70)  # longer than the longest edition period (62 days)
_NOTES = {EventStatus.FULL: "Complet", EventStatus.POSTPONED: "Reporté"}


@dataclass(frozen=True)
class Links:
    """The directory's public pages the items link to (HTML for people, never the JSON API):
    the association's page shows its website, the mission's how to apply."""

    annuaire: str
    ressources: str = ""
    aides: str = ""

    def association(self, slug: str) -> str:
        return f"{self.annuaire}/associations/{slug}"

    def mission(self, mission_id: str) -> str:
        return f"{self.annuaire}/missions/{mission_id}"

    def annonce(self, annonce_id: str) -> str:
        return f"{self.ressources}/entraide/{annonce_id}"


def excerpt(text: str | None, limit: int = EXCERPT) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _aware(value: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value, time(0, 0), tzinfo=zone)


class ContentIndex:
    """Only what a future edition can show is kept: associations and missions of the last
    `RETAIN` days (older ones are before any edition's period), events not yet over.
    Repeated values (theme sets, names, places) are shared between items."""

    def __init__(self, links: Links, zone: ZoneInfo, now: Callable[[], datetime]) -> None:
        self._links = links
        self._zone = zone
        self._now = now
        self.associations: dict[str, Item] = {}
        self.missions: dict[str, Item] = {}
        self.events: dict[str, Item] = {}
        self.annonces: dict[str, Item] = {}  # open annonces between associations (issue 17)
        self.entraide_readers: set[str] = set()  # associations that opted in to them
        self.schemes: dict[str, SchemePublic] = {}  # published aid schemes (issue 16)
        self.for_associations: set[str] = set()  # keys of `events` meant for associations
        self.only_for_associations: set[str] = set()  # … and for no one else: not residents'
        self._names: dict[str, str] = {}
        self._themes: dict[frozenset[str], frozenset[str]] = {}

    def _shared(self, themes: Iterable[str]) -> frozenset[str]:
        key = frozenset(sys.intern(t) for t in themes)
        return self._themes.setdefault(key, key)

    def _recent(self, when: datetime) -> bool:
        return when >= self._now() - RETAIN

    def association_changed(self, association: AssociationPublic) -> None:
        self._names[association.slug] = sys.intern(association.short_name or association.name)
        validated = association.validated_at or association.updated_at
        if association.state is not AssociationState.VALIDATED or not self._recent(validated):
            self.associations.pop(association.slug, None)
            return
        self.associations[association.slug] = Item(
            key=f"a:{association.slug}",
            topic=Topic.ASSOCIATIONS,
            title=association.name,
            url=self._links.association(association.slug),
            when=validated,
            text=excerpt(association.purpose),
            themes=self._shared(association.themes),
            quartier=association.quartier and sys.intern(association.quartier),
        )

    def mission_changed(self, mission: MissionPublic) -> None:
        if mission.state is not MissionState.OPEN or not self._recent(mission.published_at):
            self.missions.pop(mission.id, None)
            return
        where = mission.schedule or ""
        if mission.starts_on is not None:
            where = f"{where} (à partir du {mission.starts_on:%d/%m/%Y})".strip()
        self.missions[mission.id] = Item(
            key=f"m:{mission.id}",
            topic=Topic.MISSIONS,
            title=mission.title,
            url=self._links.mission(mission.id),
            when=mission.published_at,
            text=excerpt(mission.description),
            by=self._names.get(mission.association_slug, mission.association_slug),
            themes=self._shared(mission.themes),
            quartier=mission.quartier and sys.intern(mission.quartier),
            place=where,
            note="À distance possible" if mission.remote.value != "non" else "",
        )

    def scheme_changed(self, scheme: SchemePublic, *, withdrawn: bool) -> None:
        """A published aid scheme: its deadlines go in the associations' letter."""
        if withdrawn:
            self.schemes.pop(scheme.id, None)
        else:
            self.schemes[scheme.id] = scheme

    def annonce_changed(self, fact: AnnonceFact) -> None:
        """An annonce enters the letter's pool when published, leaves it closed or hidden.
        It is an item of the letter's second section (`domain.letter.ENTRAIDE`)."""
        annonce = fact.annonce
        if fact.change is not AnnonceChange.PUBLISHED or not self._recent(annonce.published_at):
            self.annonces.pop(annonce.id, None)
            return
        direction = "Besoin" if annonce.direction is AnnonceDirection.BESOIN else "Offre"
        note = f"{direction} · {KIND_LABELS[annonce.kind]}"
        self.annonces[annonce.id] = Item(
            key=f"n:{annonce.association_slug}/{annonce.id}",
            topic=Topic.MISSIONS,  # the letter carries no missions: this slot is entraide's
            title=annonce.title,
            url=self._links.annonce(annonce.id),
            when=annonce.published_at,
            end=_aware(annonce.expires_on + timedelta(days=1), self._zone),
            text=excerpt(annonce.description),
            by=self._names.get(annonce.association_slug, annonce.association_slug),
            themes=self._shared(annonce.themes),
            quartier=annonce.quartier and sys.intern(annonce.quartier),
            note=note,
        )

    def entraide_choice(self, slug: str, *, subscribed: bool) -> None:
        if subscribed:
            self.entraide_readers.add(slug)
        else:
            self.entraide_readers.discard(slug)

    def event_changed(self, event: CanonicalEvent, *, cancelled: bool = False) -> None:
        key = f"{event.association}.{event.event_id}"
        content = event.content
        end = _aware(content.end, self._zone)
        over = end < self._now() - timedelta(days=1) and not content.rrule
        if cancelled or over or event.unpublished or content.status is EventStatus.CANCELLED:
            self.events.pop(key, None)
            self.for_associations.discard(key)
            self.only_for_associations.discard(key)
            return
        for keys, belongs in (
            (self.for_associations, Audience.ASSOCIATIONS in content.audience),
            (self.only_for_associations, set(content.audience) == {Audience.ASSOCIATIONS}),
        ):
            if belongs:
                keys.add(key)
            else:
                keys.discard(key)
        location = event.location
        place = ""
        if location.venue is not None:
            place = location.venue.name
        elif location.place is not None:
            place = location.place.name
        elif content.online_url is not None:
            place = "En ligne"
        note = _NOTES.get(content.status, "")
        if content.rrule:
            note = ", ".join(n for n in (note, "Se répète") if n)
        self.events[key] = Item(
            key=f"e:{key}",
            topic=Topic.EVENEMENTS,
            title=content.title,
            url=str(event.url),
            when=_aware(content.start, self._zone),
            end=end,
            all_day=content.all_day,
            text=excerpt(content.summary or content.description),
            by=sys.intern(event.association_name),
            themes=self._shared(content.themes),
            quartier=location.quartier and sys.intern(location.quartier),
            place=sys.intern(place),
            note=note,
        )

    def edition_content(
        self,
        *,
        start: datetime,
        end: datetime,
        event_days: int,
        max_associations: int = 200,
        max_missions: int = 200,
        max_events: int = 600,
    ) -> EditionContent:
        """New associations and missions of [start, end), events of the coming days (not
        those meant only for associations: the associations' letter carries them)."""
        horizon = end + timedelta(days=event_days)
        associations = self._new_associations(start, end)
        missions = sorted(
            (i for i in self.missions.values() if start <= i.when < end),
            key=lambda i: (i.when, i.key),
        )
        residents = (e for k, e in self.events.items() if k not in self.only_for_associations)
        events = self._coming(residents, end, horizon)
        return EditionContent(
            associations=tuple(associations[:max_associations]),
            missions=tuple(missions[:max_missions]),
            events=tuple(events[:max_events]),
        )

    def letter_content(
        self, *, start: datetime, end: datetime, event_days: int, max_items: int = 600
    ) -> EditionContent:
        """The associations' letter: associations validated in [start, end) (each recipient
        then gets those close to it) and the coming events whose audience includes the
        associations — never the residents' events or missions — with the deadlines of the
        published aid schemes in the coming `AID_DAYS` (in the events' slot), and the annonces
        between associations published in [start, end) and still open (in the missions'
        slot)."""
        horizon = end + timedelta(days=event_days)
        meant = [self.events[k] for k in self.for_associations if k in self.events]
        day = end.astimezone(self._zone).date()
        meant += deadline_items(self.schemes.values(), day, self._zone, self._links.aides)
        annonces = sorted(
            (i for i in self.annonces.values() if start <= i.when < end and (i.end or end) >= end),
            key=lambda i: (i.when, i.key),
        )
        return EditionContent(
            associations=tuple(self._new_associations(start, end)[:max_items]),
            missions=tuple(annonces[:max_items]),
            events=tuple(self._coming(meant, end, horizon)[:max_items]),
        )

    def _new_associations(self, start: datetime, end: datetime) -> list[Item]:
        return sorted(
            (i for i in self.associations.values() if start <= i.when < end),
            key=lambda i: (i.title.casefold(), i.key),
        )

    @staticmethod
    def _coming(events: Iterable[Item], end: datetime, horizon: datetime) -> list[Item]:
        return sorted(
            (i for i in events if (i.end or i.when) >= end and i.when < horizon),
            key=lambda i: (max(i.when, end), i.key),
        )
