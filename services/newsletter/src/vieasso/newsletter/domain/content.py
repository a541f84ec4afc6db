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

    Subscribers with the same preferences get the same tuple object, so an edition's
    distinct contents are counted (and kept in memory) once.
    """

    def __init__(self, content: EditionContent, max_per_section: int) -> None:
        self._content = content
        self._max = max_per_section
        self._by_preferences: dict[Preferences, tuple[int, ...]] = {}
        self._distinct: dict[tuple[int, ...], tuple[int, ...]] = {}

    def select(self, preferences: Preferences) -> tuple[int, ...]:
        found = self._by_preferences.get(preferences)
        if found is None:
            chosen: list[int] = []
            offset = 0
            for section in (
                self._content.associations,
                self._content.missions,
                self._content.events,
            ):
                picked = [offset + i for i, it in enumerate(section) if matches(it, preferences)]
                chosen.extend(picked[: self._max])
                offset += len(section)
            key = tuple(chosen)
            found = self._distinct.setdefault(key, key)
            self._by_preferences[preferences] = found
        return found

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
