"""For whom an event is accessible: what its association says, and what its venue offers.

An event is accessible for a disability when the association ticks it (a sign-language
interpreter, an audio description…) or when the directory says its venue is (step-free access,
a hearing loop…): one who filters on « handicap moteur » wants the events they can reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from itertools import combinations

from vieasso.common.messages.agenda import CanonicalEvent


class Need(StrEnum):
    """The values of the `accessibilite` filter, as people write them in a URL."""

    MOTEUR = "moteur"
    AUDITIF = "auditif"
    VISUEL = "visuel"
    MENTAL = "mental"


FLAGS: dict[Need, str] = {
    Need.MOTEUR: "motor",
    Need.AUDITIF: "hearing",
    Need.VISUEL: "visual",
    Need.MENTAL: "mental",
}
"""Each filter value and the flag of `Accessibility` (events and venues) it reads."""

ORDER: tuple[str, ...] = tuple(FLAGS.values())

# Every combination once: 50,000 listings share these 16 tuples instead of holding their own.
_SHARED: dict[frozenset[str], tuple[str, ...]] = {
    frozenset(subset): subset for n in range(len(ORDER) + 1) for subset in combinations(ORDER, n)
}


def shared(flags: Iterable[str]) -> tuple[str, ...]:
    """`flags` in `ORDER`, as the one tuple kept for that combination (KeyError if unknown)."""
    return _SHARED[frozenset(flags)]


def accessible_for(*flag_sets: Mapping[str, object] | None) -> tuple[str, ...]:
    """The flags set in any of `flag_sets` (event, venue)."""
    return shared(flag for flags in flag_sets if flags for flag in ORDER if flags.get(flag))


def flags_of(needs: Iterable[Need]) -> tuple[str, ...]:
    """The flags a filter asks for (every one must be offered)."""
    return shared(FLAGS[need] for need in needs)


def of_venue(event: CanonicalEvent) -> tuple[str, ...]:
    venue = event.location.venue
    return accessible_for(venue.accessibility.model_dump()) if venue is not None else ()


def of_event(event: CanonicalEvent) -> tuple[str, ...]:
    """What the event offers: the association's flags and its venue's."""
    return shared((*accessible_for(event.content.accessibility.model_dump()), *of_venue(event)))
