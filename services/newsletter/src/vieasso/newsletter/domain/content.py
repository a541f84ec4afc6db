"""What a digest can tell: items (associations, missions, events) and who wants which.

Items are small and flat on purpose: the service keeps every open mission and upcoming
event in memory (B5: 50,000 events), rebuilt from the facts at start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vieasso.newsletter.domain.subscriber import Preferences, Topic


@dataclass(frozen=True, slots=True)
class Item:
    """One thing a digest may list. `key` is unique across kinds (``a:``, ``m:``, ``e:``)."""

    key: str
    topic: Topic
    title: str
    url: str
    when: datetime  # validated / published / start, timezone-aware
    text: str = ""
    by: str = ""  # the association (missions, events)
    themes: frozenset[str] = frozenset()
    quartier: str | None = None
    end: datetime | None = None
    all_day: bool = False
    place: str = ""
    note: str = ""  # e.g. « Complet », « Reporté », « Se répète »
    # An aid's deadline (the associations' letter): who may apply besides `themes`.
    quartiers: frozenset[str] = frozenset()
    employs_staff: bool | None = None


def matches(item: Item, preferences: Preferences) -> bool:
    """Topic wanted, a theme in common (or no theme filter), in a wanted quartier.

    An item without a quartier (online, city-wide) matches every quartier filter.
    """
    if item.topic not in preferences.topics:
        return False
    if preferences.themes and not item.themes.intersection(preferences.themes):
        return False
    return not (
        preferences.quartiers
        and item.quartier is not None
        and item.quartier not in preferences.quartiers
    )


@dataclass(frozen=True)
class EditionContent:
    """Everything an edition may send, in the order mails list it; indexes identify items."""

    associations: tuple[Item, ...] = ()
    missions: tuple[Item, ...] = ()
    events: tuple[Item, ...] = ()
    items: tuple[Item, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", self.associations + self.missions + self.events)

    @property
    def empty(self) -> bool:
        return not self.items


class Selector:
    """Picks, for given preferences, the indexes of the items of an edition (cached).

    Indexes by topic, theme and quartier are built once, so a choice is a few set
    operations rather than a pass over every item; subscribers with the same preferences
    share the same tuple, so an edition's distinct contents are counted (and kept) once.
    """

    def __init__(self, content: EditionContent, max_per_section: int) -> None:
        self._content = content
        self._max = max_per_section
        self._by_preferences: dict[Preferences, tuple[int, ...]] = {}
        self._distinct: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._topic: dict[Topic, set[int]] = {t: set() for t in Topic}
        self._theme: dict[str, set[int]] = {}
        self._quartier: dict[str | None, set[int]] = {}
        for index, item in enumerate(content.items):
            self._topic[item.topic].add(index)
            for theme in item.themes:
                self._theme.setdefault(theme, set()).add(index)
            self._quartier.setdefault(item.quartier, set()).add(index)

    def select(self, preferences: Preferences) -> tuple[int, ...]:
        found = self._by_preferences.get(preferences)
        if found is None:
            key = self._choose(preferences)
            found = self._distinct.setdefault(key, key)
            self._by_preferences[preferences] = found
        return found

    def _choose(self, preferences: Preferences) -> tuple[int, ...]:
        chosen: set[int] = set()
        for topic in preferences.topics:
            chosen |= self._topic[topic]
        if preferences.themes:
            chosen &= set().union(*(self._theme.get(t, ()) for t in preferences.themes))
        if preferences.quartiers:
            places = (self._quartier.get(q, ()) for q in (*preferences.quartiers, None))
            chosen &= set().union(*places)
        result: list[int] = []
        per_topic: dict[Topic, int] = dict.fromkeys(Topic, 0)
        for index in sorted(chosen):
            topic = self._content.items[index].topic
            if per_topic[topic] < self._max:
                per_topic[topic] += 1
                result.append(index)
        return tuple(result)

    @property
    def distinct_contents(self) -> int:
        return len([k for k in self._distinct if k])


def counts(items: Iterable[Item]) -> dict[Topic, int]:
    result = dict.fromkeys(Topic, 0)
    for item in items:
        result[item.topic] += 1
    return result


def pick(content: EditionContent, indexes: Sequence[int]) -> list[Item]:
    return [content.items[i] for i in indexes]
